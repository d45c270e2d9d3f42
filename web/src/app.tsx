import { lazy, Suspense, type ComponentType, type LazyExoticComponent } from 'react';
import { Link, Navigate, Route, Routes } from 'react-router';
import { EmptyState, Loading } from './components/ui';
import { Layout } from './components/layout';
import { DataEnvironmentProvider } from './environment';
import { SessionGate } from './session';
// Each page group loads on first visit, so signing in does not wait for every page's code.
const page = <Module, Name extends keyof Module>(
  load: () => Promise<Module>,
  name: Name,
): LazyExoticComponent<ComponentType> =>
  lazy(async () => ({ default: (await load())[name] as ComponentType }));

const audiences = () => import('./pages/audiences');
const events = () => import('./pages/events');
const messages = () => import('./pages/messages');
const objects = () => import('./pages/objects');
const sourceEnvironment = () => import('./pages/source-environment');
const tenants = () => import('./pages/tenants');
const users = () => import('./pages/users');
const workflows = () => import('./pages/workflows');

const AudiencePage = page(audiences, 'AudiencePage');
const AudiencesPage = page(audiences, 'AudiencesPage');
const EventDetailPage = page(() => import('./pages/event-detail'), 'EventDetailPage');
const EventLogIndexPage = page(events, 'EventLogIndexPage');
const EventLogPage = page(events, 'EventLogPage');
const MessagesPage = page(messages, 'MessagesPage');
const MessagePage = page(messages, 'MessagePage');
const CollectionPage = page(objects, 'CollectionPage');
const ObjectPage = page(objects, 'ObjectPage');
const ObjectsPage = page(objects, 'ObjectsPage');
const CreateSourcePage = page(() => import('./pages/source-create'), 'CreateSourcePage');
const SourceEnvironmentPage = page(sourceEnvironment, 'SourceEnvironmentPage');
const SourceRedirect = page(sourceEnvironment, 'SourceRedirect');
const SourcesPage = page(() => import('./pages/sources'), 'SourcesPage');
const TenantPage = page(tenants, 'TenantPage');
const TenantsPage = page(tenants, 'TenantsPage');
const UserPage = page(users, 'UserPage');
const UsersPage = page(users, 'UsersPage');
const NewWorkflowPage = page(workflows, 'NewWorkflowPage');
const WorkflowPage = page(workflows, 'WorkflowPage');
const WorkflowsPage = page(workflows, 'WorkflowsPage');

export function App() {
  return (
    <SessionGate>
      <DataEnvironmentProvider>
        <Layout>
          <Suspense fallback={<Loading />}>
            <Routes>
              <Route path="/" element={<Navigate to="/sources" replace />} />
              <Route path="/sources" element={<SourcesPage />} />
              <Route path="/sources/new" element={<CreateSourcePage />} />
              <Route path="/sources/:key" element={<SourceRedirect />} />
              <Route path="/sources/:key/:environment" element={<SourceEnvironmentPage />} />
              <Route path="/sources/:key/:environment/events" element={<EventLogPage />} />
              <Route path="/sources/:key/:environment/events/:id" element={<EventDetailPage />} />
              <Route path="/sources/:key/:environment/:tab" element={<SourceEnvironmentPage />} />
              <Route path="/events" element={<EventLogIndexPage />} />
              <Route path="/users" element={<UsersPage />} />
              <Route path="/users/:id" element={<UserPage />} />
              <Route path="/objects" element={<ObjectsPage />} />
              <Route path="/objects/:collection" element={<CollectionPage />} />
              <Route path="/objects/:collection/:id" element={<ObjectPage />} />
              <Route path="/tenants" element={<TenantsPage />} />
              <Route path="/tenants/:id" element={<TenantPage />} />
              <Route path="/audiences" element={<AudiencesPage />} />
              <Route path="/audiences/:key" element={<AudiencePage />} />
              <Route path="/workflows" element={<WorkflowsPage />} />
              <Route path="/workflows/new" element={<NewWorkflowPage />} />
              <Route path="/workflows/:key" element={<WorkflowPage />} />
              <Route path="/messages" element={<MessagesPage />} />
              <Route path="/messages/:id" element={<MessagePage />} />
              <Route path="*" element={<NotFound />} />
            </Routes>
          </Suspense>
        </Layout>
      </DataEnvironmentProvider>
    </SessionGate>
  );
}

function NotFound() {
  return (
    <EmptyState title="Page not found" action={<Link to="/sources">Go to sources</Link>}>
      This address is not a page of the dashboard.
    </EmptyState>
  );
}

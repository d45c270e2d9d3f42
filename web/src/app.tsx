import { Link, Navigate, Route, Routes } from 'react-router';
import { EmptyState } from './components/ui';
import { Layout } from './components/layout';
import { DataEnvironmentProvider } from './environment';
import { SessionGate } from './session';
import { AudiencePage, AudiencesPage } from './pages/audiences';
import { EventDetailPage } from './pages/event-detail';
import { EventLogIndexPage, EventLogPage } from './pages/events';
import { MessagesPage, MessagePage } from './pages/messages';
import { CollectionPage, ObjectPage, ObjectsPage } from './pages/objects';
import { CreateSourcePage } from './pages/source-create';
import { SourceEnvironmentPage, SourceRedirect } from './pages/source-environment';
import { SourcesPage } from './pages/sources';
import { TenantPage, TenantsPage } from './pages/tenants';
import { UserPage, UsersPage } from './pages/users';
import { WorkflowPage, WorkflowsPage, NewWorkflowPage } from './pages/workflows';

export function App() {
  return (
    <SessionGate>
      <DataEnvironmentProvider>
        <Layout>
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

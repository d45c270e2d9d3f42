import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { api, ApiError, seg } from '../api';
import {
  EmptyState,
  ErrorMessage,
  Field,
  Loading,
  PageHeader,
  StatusBadge,
  Tabs,
  Time,
} from '../components/ui';
import { useDataEnvironment } from '../environment';
import { DeleteButton } from './data-shared';
import { messagesLink, workflowPath } from './messages';
import { DefinitionEditor, formatDefinition } from './workflow-editor';
import { RunsPanel } from './workflow-runs';
import { StepList } from './workflow-steps';
import { TriggerForm } from './workflow-trigger';
import {
  countSteps,
  definitionOf,
  WORKFLOW_KEY_PATTERN,
  type WorkflowDefinition,
  type WorkflowView,
} from './workflow-types';

export function WorkflowsPage() {
  const { environment } = useDataEnvironment();
  const workflows = useQuery({
    queryKey: ['workflows'],
    queryFn: ({ signal }) =>
      api<{ data: WorkflowView[] }>('GET', '/v1/workflows', undefined, { signal }),
  });

  return (
    <>
      <PageHeader
        title="Workflows"
        subtitle={`Definitions are shared by every environment; test triggers and runs use the ${environment} environment.`}
        actions={
          <Link className="button" to="/workflows/new">
            New workflow
          </Link>
        }
      />
      {workflows.isPending ? (
        <Loading label="Loading workflows…" />
      ) : workflows.isError ? (
        <ErrorMessage error={workflows.error} onRetry={() => void workflows.refetch()} />
      ) : workflows.data.data.length === 0 ? (
        <EmptyState
          title="No workflows yet"
          action={
            <Link className="button" to="/workflows/new">
              New workflow
            </Link>
          }
        >
          A workflow turns a trigger into notifications: in-app feed entries, emails, chat posts or
          webhooks. Create one here, or keep definitions in files and push them with{' '}
          <code>inlet workflows push &lt;dir&gt;</code>.
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table aria-label="Workflows">
            <thead>
              <tr>
                <th scope="col">Workflow</th>
                <th scope="col">State</th>
                <th scope="col">Version</th>
                <th scope="col">Steps</th>
                <th scope="col">Categories</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {workflows.data.data.map((workflow) => (
                <tr key={workflow.key}>
                  <td>
                    <Link to={workflowPath(workflow.key)}>{workflow.name}</Link>
                    <div className="muted small">
                      <code>{workflow.key}</code>
                      {workflow.description ? ` · ${workflow.description}` : ''}
                    </div>
                  </td>
                  <td>
                    <StatusBadge status={workflow.active ? 'active' : 'disabled'} />
                  </td>
                  <td>{workflow.version}</td>
                  <td>{countSteps(workflow.steps)}</td>
                  <td>
                    {workflow.categories.length === 0 ? (
                      <span className="muted">none</span>
                    ) : (
                      workflow.categories.join(', ')
                    )}
                  </td>
                  <td>
                    <Time value={workflow.updated_at} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

/** The definition a new workflow starts from: one in-app feed step, valid as it is. */
const EXAMPLE_DEFINITION: WorkflowDefinition = {
  name: 'Welcome',
  description: 'Greets a new user in the in-app feed.',
  active: true,
  categories: [],
  steps: [
    {
      ref: 'welcome-feed',
      type: 'in_app_feed',
      channel: 'default',
      template: {
        markdown: 'Welcome, **{{ recipient.name }}**!',
      },
    },
  ],
};

export function NewWorkflowPage() {
  const navigate = useNavigate();
  const client = useQueryClient();
  const [searchParams] = useSearchParams();
  const [key, setKey] = useState(searchParams.get('key') ?? '');
  const [keyError, setKeyError] = useState<string | undefined>();
  const keyInput = useRef<HTMLInputElement>(null);

  const resolveKey = () => {
    const trimmed = key.trim();
    const problem =
      trimmed === ''
        ? 'Enter a key for the workflow.'
        : WORKFLOW_KEY_PATTERN.test(trimmed)
          ? undefined
          : 'Use 1 to 64 lower-case letters, digits, "-" or "_", starting with a letter or digit.';
    setKeyError(problem);
    if (problem !== undefined) {
      keyInput.current?.focus();
      return null;
    }
    return trimmed;
  };

  // PUT replaces a workflow with the same key, so saving over one needs a confirmation.
  const confirmSave = async (workflowKey: string) => {
    try {
      await api('GET', `/v1/workflows/${seg(workflowKey)}`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return true;
      throw error;
    }
    return window.confirm(
      `A workflow with the key "${workflowKey}" exists. Replace its definition with this one?`,
    );
  };

  return (
    <>
      <PageHeader
        title="New workflow"
        subtitle={
          <>
            Start from the example and save. <Link to="/workflows">All workflows</Link>
          </>
        }
      />
      <div className="card">
        <Field
          label="Key"
          hint='The workflow id in the API and in triggers: lower-case letters, digits, "-" or "_", such as welcome-email.'
          error={keyError}
        >
          {(id, describedBy) => (
            <input
              id={id}
              ref={keyInput}
              value={key}
              autoComplete="off"
              spellCheck={false}
              aria-describedby={describedBy}
              aria-invalid={keyError ? true : undefined}
              onChange={(event) => {
                setKey(event.target.value);
                setKeyError(undefined);
              }}
            />
          )}
        </Field>
        <DefinitionEditor
          initialText={formatDefinition(EXAMPLE_DEFINITION)}
          savedText={null}
          resolveKey={resolveKey}
          confirmSave={confirmSave}
          onSaved={(workflow) => {
            void client.invalidateQueries({ queryKey: ['workflows'] });
            client.setQueryData(['workflow', workflow.key], workflow);
            void navigate(workflowPath(workflow.key));
          }}
        />
      </div>
    </>
  );
}

const TABS = [
  { key: 'steps', label: 'Steps' },
  { key: 'edit', label: 'Edit' },
  { key: 'trigger', label: 'Test trigger' },
  { key: 'runs', label: 'Runs' },
] as const;
type TabKey = (typeof TABS)[number]['key'];

const isTab = (value: string | null): value is TabKey => TABS.some((tab) => tab.key === value);

export function WorkflowPage() {
  const { key = '' } = useParams();
  const { environment } = useDataEnvironment();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [searchParams, setSearchParams] = useSearchParams();
  const requested = searchParams.get('tab');
  const tab: TabKey = isTab(requested) ? requested : 'steps';
  // Panels stay mounted once opened, so switching tabs keeps unsaved edits and form input.
  const [opened, setOpened] = useState<Set<TabKey>>(() => new Set([tab]));
  if (!opened.has(tab)) setOpened(new Set([...opened, tab]));

  const workflow = useQuery({
    queryKey: ['workflow', key],
    queryFn: ({ signal }) =>
      api<WorkflowView>('GET', `/v1/workflows/${seg(key)}`, undefined, { signal }),
  });

  if (workflow.isPending) return <Loading label="Loading the workflow…" />;
  if (workflow.isError) {
    return (
      <>
        <PageHeader title="Workflow" subtitle={key} />
        {workflow.error instanceof ApiError && workflow.error.status === 404 ? (
          <EmptyState
            title="Workflow not found"
            action={
              <Link className="button" to="/workflows/new">
                New workflow
              </Link>
            }
          >
            No workflow has the key <code>{key}</code>. It may have been deleted;{' '}
            <Link to="/workflows">all workflows</Link> lists the ones that exist.
          </EmptyState>
        ) : (
          <ErrorMessage error={workflow.error} onRetry={() => void workflow.refetch()} />
        )}
      </>
    );
  }

  const view = workflow.data;
  const selectTab = (next: TabKey) => {
    const params = new URLSearchParams(searchParams);
    params.set('tab', next);
    if (next !== 'runs') params.delete('run');
    setSearchParams(params);
  };

  return (
    <>
      <PageHeader
        title={view.name}
        subtitle={
          <>
            <code>{view.key}</code>
            {view.description ? ` · ${view.description}` : ''}
          </>
        }
        actions={
          <>
            <Link to={messagesLink({ workflow: view.key })}>Messages</Link>
            <DeleteButton
              label="Delete workflow"
              confirmation={`Delete workflow "${view.key}"? Runs already triggered finish with the version they started with.`}
              path={`/v1/workflows/${seg(view.key)}`}
              environment={environment}
              onDeleted={() => {
                void client.invalidateQueries({ queryKey: ['workflows'] });
                client.removeQueries({ queryKey: ['workflow', view.key] });
                void navigate('/workflows');
              }}
            />
          </>
        }
      />
      <dl className="facts workflow-facts">
        <dt>State</dt>
        <dd>
          <StatusBadge status={view.active ? 'active' : 'disabled'} />
          {view.active ? null : <span className="muted"> triggers fail until it is active</span>}
        </dd>
        <dt>Version</dt>
        <dd>
          {view.version}{' '}
          <span className="muted">
            (each save adds a version; a run keeps the version it started with)
          </span>
        </dd>
        <dt>Categories</dt>
        <dd>
          {view.categories.length === 0 ? (
            <span className="muted">none</span>
          ) : (
            view.categories.map((category, index) => (
              <span key={category}>
                {index > 0 ? ', ' : ''}
                <code>{category}</code>
              </span>
            ))
          )}
        </dd>
        <dt>Created</dt>
        <dd>
          <Time value={view.created_at} />
        </dd>
        <dt>Last saved</dt>
        <dd>
          <Time value={view.updated_at} />
        </dd>
      </dl>
      <Tabs tabs={[...TABS]} selected={tab} onSelect={selectTab} label="Workflow sections" />
      {TABS.map(({ key: panel }) =>
        opened.has(panel) ? (
          <div
            key={panel}
            role="tabpanel"
            id={`panel-${panel}`}
            aria-labelledby={`tab-${panel}`}
            hidden={panel !== tab}
          >
            {panel === 'steps' ? (
              <StepsPanel workflow={view} />
            ) : panel === 'edit' ? (
              <DefinitionEditor
                key={view.key}
                initialText={formatDefinition(definitionOf(view))}
                savedText={formatDefinition(definitionOf(view))}
                resolveKey={() => view.key}
                onSaved={(saved) => {
                  client.setQueryData(['workflow', saved.key], saved);
                  void client.invalidateQueries({ queryKey: ['workflows'] });
                }}
              />
            ) : panel === 'trigger' ? (
              <TriggerForm
                key={view.key}
                workflowKey={view.key}
                environment={environment}
                active={view.active}
              />
            ) : (
              <RunsPanel key={view.key} workflowKey={view.key} environment={environment} />
            )}
          </div>
        ) : null,
      )}
    </>
  );
}

function StepsPanel(props: { workflow: WorkflowView }) {
  const { workflow } = props;
  const stepCount = countSteps(workflow.steps);
  return (
    <section aria-label="Steps">
      <p className="muted">
        {stepCount === 1 ? '1 step' : `${stepCount} steps`} in version {workflow.version}, in the
        order a run executes them. A branch runs the steps of its first matching branch, then
        continues.
      </p>
      <StepList steps={workflow.steps} label="Workflow steps" />
    </section>
  );
}

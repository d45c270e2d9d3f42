import { useQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, ApiError, seg } from '../api';
import { EmptyState, ErrorMessage, JsonView, Loading, StatusBadge, Time } from '../components/ui';
import { PagedListView, tenantPath, usePagedList, userPath } from './data-shared';
import { messagePath, messagesLink } from './messages';
import { RUN_STATUSES, STEP_TYPE_LABELS, type RunDetail, type RunSummary } from './workflow-types';

/** Renders the "Runs" tab: runs of one workflow, newest first, and the steps of the selected run. */
export function RunsPanel(props: { workflowKey: string; environment: string }) {
  const { workflowKey, environment } = props;
  const statusId = useId();
  const [status, setStatus] = useState('');
  const [searchParams, setSearchParams] = useSearchParams();
  const selectedRun = searchParams.get('run');
  const { items, list } = usePagedList<RunSummary>({
    key: ['workflow-runs', workflowKey],
    path: '/v1/workflow-runs',
    environment,
    params: { workflow: workflowKey, status: status || undefined },
  });

  const selectRun = (runId: string | null) => {
    const next = new URLSearchParams(searchParams);
    if (runId === null) next.delete('run');
    else next.set('run', runId);
    setSearchParams(next);
  };

  return (
    <>
      {selectedRun ? (
        <RunDetailCard
          runId={selectedRun}
          environment={environment}
          onClose={() => selectRun(null)}
        />
      ) : null}
      <div className="toolbar">
        <div className="field">
          <label htmlFor={statusId}>Run status</label>
          <select id={statusId} value={status} onChange={(event) => setStatus(event.target.value)}>
            <option value="">Any status</option>
            {RUN_STATUSES.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </div>
        <button
          type="button"
          className="secondary"
          disabled={list.isFetching}
          onClick={() => void list.refetch()}
        >
          {list.isFetching && !list.isPending ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      <PagedListView
        list={list}
        items={items}
        loadingLabel="Loading runs…"
        empty={
          <EmptyState title={status ? `No ${status} runs` : 'No runs yet'}>
            {status
              ? 'No run of this workflow has this status in this environment.'
              : `Runs appear in the ${environment} environment when the workflow is triggered: use the Test trigger tab, the API, or a mapping of type workflows_trigger.`}
          </EmptyState>
        }
      >
        <div className="table-wrap">
          <table aria-label="Runs">
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">Status</th>
                <th scope="col">Recipient</th>
                <th scope="col">Version</th>
                <th scope="col">Started</th>
                <th scope="col">Finished</th>
                <th scope="col">Messages</th>
              </tr>
            </thead>
            <tbody>
              {items.map((run) => (
                <tr key={run.id} className={run.id === selectedRun ? 'selected' : undefined}>
                  <td>
                    <button
                      type="button"
                      className="link"
                      aria-label={`Steps of run ${run.id}`}
                      aria-pressed={run.id === selectedRun}
                      onClick={() => selectRun(run.id)}
                    >
                      <code>{run.id}</code>
                    </button>
                  </td>
                  <td>
                    <StatusBadge status={run.status} />
                    {run.error ? (
                      <div className="field-error small">{run.error.message ?? run.error.code}</div>
                    ) : null}
                  </td>
                  <td>
                    <Link to={userPath(run.recipient_id)}>{run.recipient_id}</Link>
                  </td>
                  <td>{run.workflow_version}</td>
                  <td>
                    <Time value={run.created_at} />
                  </td>
                  <td>
                    {run.finished_at ? (
                      <Time value={run.finished_at} />
                    ) : run.waiting_until ? (
                      <span className="muted">
                        waiting until <Time value={run.waiting_until} />
                      </span>
                    ) : (
                      <span className="muted">not yet</span>
                    )}
                  </td>
                  <td>
                    <Link
                      to={messagesLink({ run_id: run.id })}
                      aria-label={`Messages of run ${run.id}`}
                    >
                      Messages
                    </Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </PagedListView>
    </>
  );
}

function RunDetailCard(props: { runId: string; environment: string; onClose: () => void }) {
  const run = useQuery({
    queryKey: ['workflow-run', props.environment, props.runId],
    queryFn: ({ signal }) =>
      api<RunDetail & { messages?: { id: string; step_ref: string; status: string }[] }>(
        'GET',
        `/v1/workflow-runs/${seg(props.runId)}`,
        undefined,
        { environment: props.environment, signal },
      ),
  });

  return (
    <section className="card run-detail" aria-labelledby="run-detail-title">
      <div className="section-header">
        <h2 id="run-detail-title">
          Run <code>{props.runId}</code>
        </h2>
        <button type="button" className="secondary" onClick={props.onClose}>
          Close run
        </button>
      </div>
      {run.isPending ? (
        <Loading label="Loading the run…" />
      ) : run.isError ? (
        run.error instanceof ApiError && run.error.status === 404 ? (
          <p className="muted">
            No run <code>{props.runId}</code> exists in the {props.environment} environment.
          </p>
        ) : (
          <ErrorMessage error={run.error} onRetry={() => void run.refetch()} />
        )
      ) : (
        <RunFacts run={run.data} messages={run.data.messages ?? []} />
      )}
    </section>
  );
}

function RunFacts(props: {
  run: RunDetail;
  messages: { id: string; step_ref: string; status: string }[];
}) {
  const { run } = props;
  const tenantId = (run.tenant as { id?: unknown } | null)?.id;
  const messageByStep = new Map(props.messages.map((message) => [message.step_ref, message]));
  return (
    <>
      <dl className="facts">
        <dt>Status</dt>
        <dd>
          <StatusBadge status={run.status} />
          {run.error ? (
            <span className="field-error">
              {' '}
              {run.error.message ?? ''} <code>{run.error.code}</code>
            </span>
          ) : null}
        </dd>
        <dt>Recipient</dt>
        <dd>
          <Link to={userPath(run.recipient_id)}>{run.recipient_id}</Link>
        </dd>
        <dt>Tenant</dt>
        <dd>
          {typeof tenantId === 'string' ? (
            <Link to={tenantPath(tenantId)}>{tenantId}</Link>
          ) : (
            <span className="muted">none</span>
          )}
        </dd>
        <dt>Version</dt>
        <dd>{run.workflow_version}</dd>
        <dt>Trigger</dt>
        <dd>
          <code>{run.trigger_id}</code>
        </dd>
        {run.cancellation_key ? (
          <>
            <dt>Cancellation key</dt>
            <dd>
              <code>{run.cancellation_key}</code>
            </dd>
          </>
        ) : null}
        {run.batched_into_run_id ? (
          <>
            <dt>Batched into</dt>
            <dd>
              <Link to={`?tab=runs&run=${seg(run.batched_into_run_id)}`}>
                {run.batched_into_run_id}
              </Link>
            </dd>
          </>
        ) : null}
        {run.source_event_id ? (
          <>
            <dt>Source event</dt>
            <dd>
              <code>{run.source_event_id}</code>
            </dd>
          </>
        ) : null}
        <dt>Started</dt>
        <dd>
          <Time value={run.created_at} />
        </dd>
        <dt>Finished</dt>
        <dd>
          <Time value={run.finished_at} />
        </dd>
      </dl>
      <h3>Steps</h3>
      {run.steps.length === 0 ? (
        <p className="muted">No step has run yet.</p>
      ) : (
        <ol className="steps run-steps">
          {run.steps.map((step) => {
            const message = messageByStep.get(step.ref);
            return (
              <li key={step.ref}>
                <span className="badge step-type">{STEP_TYPE_LABELS[step.type] ?? step.type}</span>{' '}
                <code>{step.ref}</code> <StatusBadge status={step.status} />{' '}
                <span className="muted small">
                  <Time value={step.started_at} />
                </span>
                {message ? (
                  <>
                    {' '}
                    · <Link to={messagePath(message.id)}>message</Link>{' '}
                    <StatusBadge status={message.status} />
                  </>
                ) : null}
                {Object.keys(step.detail).length > 0 ? (
                  <code className="inline-json step-detail">{JSON.stringify(step.detail)}</code>
                ) : null}
              </li>
            );
          })}
        </ol>
      )}
      <details>
        <summary>Trigger data, actor and tenant</summary>
        <JsonView
          value={{
            data: run.data,
            actor: run.actor,
            tenant: run.tenant,
            subscription: run.subscription,
          }}
          label="Trigger input of the run"
        />
      </details>
    </>
  );
}

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useLocation, useParams } from 'react-router';
import { api, ApiError, seg } from '../api';
import {
  EmptyState,
  ErrorMessage,
  JsonView,
  Loading,
  PageHeader,
  StatusBadge,
  Tabs,
  Time,
} from '../components/ui';
import {
  environmentPath,
  eventLogUrl,
  type EventLinkState,
  type EventSummary,
  type ReplayResult,
} from './events';

/** One row of the action log: an action that a mapping ran for the event in one run. */
interface ActionLog {
  id: string;
  mapping_id: string | null;
  run: number;
  action_type: string;
  parameters: unknown;
  resolved: unknown;
  result: unknown;
  status: string;
  error: { code: string; message: string | null } | null;
  attempts: number;
  duration_ms: number;
  created_at: string;
  updated_at: string;
}

interface EventDetail extends EventSummary {
  body: unknown;
  raw_body?: string;
  headers: Record<string, string>;
  actions: ActionLog[];
}

/** Returns whether a retry cannot help, as for an event that does not exist. */
function isClientError(error: unknown): boolean {
  return error instanceof ApiError && error.status >= 400 && error.status < 500;
}

/** Event statuses of unfinished processing. The page polls until the event leaves them. */
const PENDING_STATUSES = ['received', 'processing'];
const POLL_INTERVAL_MS = 2000;

type DetailTab = 'actions' | 'payload' | 'headers';

/** Shows one recorded event: its facts, payload, headers and the actions its mappings ran. */
export function EventDetailPage() {
  const { key = '', environment = '', id = '' } = useParams();
  const location = useLocation();
  const client = useQueryClient();
  const [tab, setTab] = useState<DetailTab>('actions');
  const logSearch = (location.state as EventLinkState | null)?.logSearch ?? '';
  const backUrl = eventLogUrl(key, environment) + logSearch;
  const path = `${environmentPath(key, environment)}/events/${seg(id)}`;

  const event = useQuery({
    queryKey: ['event', key, environment, id],
    queryFn: () => api<EventDetail>('GET', path),
    refetchInterval: (current) =>
      PENDING_STATUSES.includes(current.state.data?.status ?? '') ? POLL_INTERVAL_MS : false,
  });

  const replay = useMutation({
    mutationFn: () => api<ReplayResult>('POST', `${path}/replay`),
    onSuccess: () => {
      setTab('actions');
      void client.invalidateQueries({ queryKey: ['event', key, environment, id] });
      void client.invalidateQueries({ queryKey: ['events', key, environment] });
    },
  });

  const back = <Link to={backUrl}>← Back to the event log</Link>;
  if (event.isPending)
    return (
      <>
        {back}
        <Loading label="Loading the event…" />
      </>
    );
  if (event.isError)
    return (
      <>
        {back}
        <PageHeader title="Event" />
        <ErrorMessage
          error={event.error}
          onRetry={isClientError(event.error) ? undefined : () => void event.refetch()}
        />
      </>
    );

  const data = event.data;
  const pending = PENDING_STATUSES.includes(data.status);
  return (
    <>
      {back}
      <PageHeader
        title={data.event_type ?? 'Event without a type'}
        subtitle={
          <>
            <StatusBadge status={data.status} /> <code>{data.id}</code>
            {pending ? <span className="muted"> · processing, refreshing every 2 s</span> : null}
          </>
        }
        actions={
          <button type="button" onClick={() => replay.mutate()} disabled={replay.isPending}>
            {replay.isPending ? 'Replaying…' : 'Replay'}
          </button>
        }
      />
      <ErrorMessage error={replay.error} />
      {replay.data ? <ReplayNotice result={replay.data} /> : null}
      <section className="card" aria-label="Event facts">
        <EventFacts event={data} />
      </section>
      <Tabs<DetailTab>
        label="Event details"
        selected={tab}
        onSelect={setTab}
        tabs={[
          { key: 'actions', label: `Actions (${data.actions.length})` },
          { key: 'payload', label: 'Payload' },
          { key: 'headers', label: 'Headers' },
        ]}
      />
      <div role="tabpanel" aria-labelledby={`tab-${tab}`}>
        {tab === 'actions' ? (
          <ActionRuns event={data} sourceKey={key} environment={environment} />
        ) : tab === 'payload' ? (
          <Payload event={data} />
        ) : (
          <Headers headers={data.headers} />
        )}
      </div>
    </>
  );
}

function ReplayNotice(props: { result: ReplayResult }) {
  const { result } = props;
  const failed =
    result.status === 'error' || result.status === 'failed' || result.failed_actions > 0;
  return (
    <div className={failed ? 'notice-warn' : 'notice'} role="status">
      Replayed as run {result.run}: <StatusBadge status={result.status} /> {result.actions}{' '}
      {result.actions === 1 ? 'action' : 'actions'}
      {result.failed_actions > 0 ? `, ${result.failed_actions} failed` : ''}.
      {result.error ? ` ${result.error}` : ''}
    </div>
  );
}

/** Shows a time as the exact local date and time, followed by how long ago it was. */
function ExactTime(props: { value: string | null | undefined }) {
  if (!props.value) return <span className="muted">—</span>;
  return (
    <>
      {new Date(props.value).toLocaleString()} (<Time value={props.value} />)
    </>
  );
}

function EventFacts(props: { event: EventDetail }) {
  const { event } = props;
  return (
    <dl className="facts">
      <dt>Provider event id</dt>
      <dd>
        <code>{event.provider_event_id ?? '—'}</code>
      </dd>
      <dt>Received</dt>
      <dd>
        <ExactTime value={event.received_at} />
      </dd>
      <dt>Provider created</dt>
      <dd>
        <ExactTime value={event.provider_created_at} />
      </dd>
      <dt>Verification</dt>
      <dd>
        <StatusBadge status={event.verification} />
      </dd>
      <dt>Deliveries</dt>
      <dd>{event.delivery_count}</dd>
      <dt>Last delivered</dt>
      <dd>
        <ExactTime value={event.last_delivered_at} />
      </dd>
      <dt>Processed</dt>
      <dd>
        {event.processed_at ? (
          <ExactTime value={event.processed_at} />
        ) : (
          <span className="muted">not yet</span>
        )}
      </dd>
      <dt>Error</dt>
      <dd>
        {event.error ? (
          <>
            <code>{event.error.code}</code> {event.error.message}
          </>
        ) : (
          <span className="muted">none</span>
        )}
      </dd>
    </dl>
  );
}

/** Returns why an event ran no actions, judged by its status. */
function noActionsReason(status: string): string {
  switch (status) {
    case 'received':
    case 'processing':
      return 'The event is waiting to be processed; this page refreshes until it is.';
    case 'skipped':
      return 'Its event type is switched off for this environment, or it has no event type, so no mapping ran.';
    case 'ignored':
      return 'Its event type is not in the provider’s catalogue, so no mapping ran.';
    case 'invalid':
      return 'The delivery could not be read as an event; the error above says why.';
    default:
      return 'No active mapping matched its event type. Add one in the Mappings tab of this environment.';
  }
}

function ActionRuns(props: { event: EventDetail; sourceKey: string; environment: string }) {
  const { event } = props;
  const mappingsUrl = `/sources/${seg(props.sourceKey)}/${seg(props.environment)}/mappings`;
  if (event.actions.length === 0)
    return (
      <EmptyState title="No actions ran" action={<Link to={mappingsUrl}>Open the mappings</Link>}>
        {noActionsReason(event.status)}
      </EmptyState>
    );

  const runs = new Map<number, ActionLog[]>();
  for (const action of event.actions)
    runs.set(action.run, [...(runs.get(action.run) ?? []), action]);
  const ordered = [...runs.entries()].sort(([left], [right]) => right - left);

  return (
    <>
      {ordered.map(([run, actions]) => (
        <section key={run} className="action-run" aria-labelledby={`run-${run}`}>
          <h2 id={`run-${run}`}>
            {run === 0 ? 'First run' : `Replay run ${run}`}
            {run === ordered[0]?.[0] && ordered.length > 1 ? ' (latest)' : ''}{' '}
            <span className="muted small">
              <Time value={actions[0]?.created_at} />
            </span>
          </h2>
          {actions.map((action) => (
            <ActionCard key={action.id} action={action} mappingsUrl={mappingsUrl} />
          ))}
        </section>
      ))}
    </>
  );
}

function ActionCard(props: { action: ActionLog; mappingsUrl: string }) {
  const { action } = props;
  return (
    <article className="card action-log" aria-label={`${action.action_type}, ${action.status}`}>
      <div className="action-log-header">
        <code className="action-type">{action.action_type}</code>
        <StatusBadge status={action.status} />
      </div>
      <dl className="facts">
        <dt>Mapping</dt>
        <dd>
          {action.mapping_id ? (
            <Link to={props.mappingsUrl}>
              <code>{action.mapping_id}</code>
            </Link>
          ) : (
            <span className="muted">deleted or none</span>
          )}
        </dd>
        <dt>Attempts</dt>
        <dd>
          {action.attempts} ({action.duration_ms} ms)
        </dd>
        <dt>Error</dt>
        <dd>
          {action.error ? (
            <>
              <code>{action.error.code}</code> {action.error.message}
            </>
          ) : (
            <span className="muted">none</span>
          )}
        </dd>
      </dl>
      <h3>Resolved parameters</h3>
      {action.resolved === null || action.resolved === undefined ? (
        <p className="muted">Nothing was resolved, because the action did not get that far.</p>
      ) : (
        <JsonView value={action.resolved} label={`Resolved parameters of ${action.action_type}`} />
      )}
      {action.result !== null && action.result !== undefined ? (
        <>
          <h3>Result</h3>
          <JsonView value={action.result} label={`Result of ${action.action_type}`} />
        </>
      ) : null}
      <details>
        <summary>Configured parameters</summary>
        <JsonView
          value={action.parameters}
          label={`Configured parameters of ${action.action_type}`}
        />
      </details>
    </article>
  );
}

function Payload(props: { event: EventDetail }) {
  return (
    <>
      {props.event.body === null || props.event.body === undefined ? (
        <p className="muted">The body is not valid JSON, or it was not stored.</p>
      ) : (
        <JsonView value={props.event.body} label="Event payload" />
      )}
      {props.event.raw_body !== undefined ? (
        <details className="raw-body">
          <summary>Raw body as received</summary>
          <pre className="json" tabIndex={0}>
            {props.event.raw_body}
          </pre>
        </details>
      ) : null}
    </>
  );
}

function Headers(props: { headers: Record<string, string> }) {
  const entries = Object.entries(props.headers).sort(([left], [right]) =>
    left.localeCompare(right),
  );
  if (entries.length === 0) return <p className="muted">No headers were stored.</p>;
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">Request headers</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Value</th>
          </tr>
        </thead>
        <tbody>
          {entries.map(([name, value]) => (
            <tr key={name}>
              <th scope="row">
                <code>{name}</code>
              </th>
              <td className="header-value">
                <code>{value}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

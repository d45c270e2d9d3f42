import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { Link, Navigate, useNavigate, useParams } from 'react-router';
import { api, ApiError, query, seg, type Page } from '../api';
import {
  CopyButton,
  EmptyState,
  ErrorMessage,
  Field,
  Loading,
  PageHeader,
  StatusBadge,
  Time,
} from '../components/ui';
import { environmentPath } from './events';
import { MappingsPanel } from './mappings';
import { ActivityTab, useStats } from './source-activity';
import { seenEventTypesKey, useProviderEventTypes } from './event-types';
import { EventTypesTab } from './source-event-types';
import { environmentPage, storeEnvironment } from './source-shared';
import { providerName, useSource, type Source, type SourceEnvironment } from './sources';

type TabKey = 'setup' | 'event-types' | 'mappings' | 'activity';

const TABS: { key: TabKey; label: string }[] = [
  { key: 'setup', label: 'Setup' },
  { key: 'event-types', label: 'Event types' },
  { key: 'mappings', label: 'Mappings' },
  { key: 'activity', label: 'Activity' },
];

interface EventSummary {
  id: string;
  provider_event_id: string | null;
  event_type: string | null;
  status: string;
  received_at: string;
  error: { code: string; message: string } | null;
}

interface EventDetail extends EventSummary {
  actions: {
    action_type: string;
    status: string;
    error: { code: string; message: string } | null;
  }[];
}

interface Rejection {
  id: string;
  received_at: string;
  reason_code: string;
  detail: string;
}

function SourceLoadError(props: { error: unknown; onRetry: () => void }) {
  if (props.error instanceof ApiError && props.error.status === 404) {
    return (
      <EmptyState title="Source not found" action={<Link to="/sources">Go to sources</Link>}>
        No source has this key. It may have been deleted.
      </EmptyState>
    );
  }
  return <ErrorMessage error={props.error} onRetry={props.onRetry} />;
}

/** Opens the first environment of the source, at `/sources/:key`. */
export function SourceRedirect() {
  const { key = '' } = useParams();
  const source = useSource(key);
  if (source.isPending) return <Loading label="Loading source…" />;
  if (source.isError)
    return <SourceLoadError error={source.error} onRetry={() => void source.refetch()} />;
  const first = source.data.environments[0];
  if (!first) {
    return (
      <EmptyState title="No environments" action={<Link to="/sources">Go to sources</Link>}>
        This source has no environments. Inlet adds one for each configured environment when the
        source is saved.
      </EmptyState>
    );
  }
  return <Navigate to={environmentPage(key, first.environment)} replace />;
}

export function SourceEnvironmentPage() {
  const { key = '', environment = '', tab = 'setup' } = useParams();
  const navigate = useNavigate();
  const source = useSource(key);
  const environmentSelectId = useId();

  if (source.isPending) return <Loading label="Loading source…" />;
  if (source.isError)
    return <SourceLoadError error={source.error} onRetry={() => void source.refetch()} />;

  const view = source.data.environments.find((item) => item.environment === environment);
  const selectedTab = TABS.find((item) => item.key === tab);
  const base = environmentPage(key, environment);

  return (
    <>
      <PageHeader
        title={source.data.name}
        subtitle={
          <>
            {providerName(source.data.provider)} source <code>{source.data.key}</code>
            {source.data.description ? ` · ${source.data.description}` : null}
          </>
        }
        actions={
          <div className="inline-field">
            <label htmlFor={environmentSelectId}>Environment</label>
            <select
              id={environmentSelectId}
              value={view ? environment : ''}
              onChange={(event) => {
                const suffix = selectedTab && tab !== 'setup' ? `/${tab}` : '';
                void navigate(`${environmentPage(key, event.target.value)}${suffix}`);
              }}
            >
              {view ? null : <option value="">Choose…</option>}
              {source.data.environments.map((item) => (
                <option key={item.environment} value={item.environment}>
                  {item.environment}
                </option>
              ))}
            </select>
          </div>
        }
      />
      <nav className="tabs" aria-label="Source sections">
        {TABS.map((item) => {
          const current = item.key === selectedTab?.key;
          return (
            <Link
              key={item.key}
              to={item.key === 'setup' ? base : `${base}/${item.key}`}
              className={current ? 'active' : undefined}
              aria-current={current ? 'page' : undefined}
            >
              {item.label}
            </Link>
          );
        })}
        <Link to={`${base}/events`}>Event log</Link>
      </nav>
      {!view ? (
        <EmptyState title="Environment not found">
          <p>
            Source <code>{key}</code> has no environment “{environment}”. Choose one of{' '}
            {source.data.environments.map((item, index) => (
              <span key={item.environment}>
                {index > 0 ? ', ' : null}
                <Link to={environmentPage(key, item.environment)}>{item.environment}</Link>
              </span>
            ))}
            .
          </p>
        </EmptyState>
      ) : !selectedTab ? (
        <EmptyState title="Tab not found" action={<Link to={base}>Open the setup tab</Link>}>
          <p>This source has no tab called “{tab}”.</p>
        </EmptyState>
      ) : selectedTab.key === 'setup' ? (
        <SetupTab source={source.data} view={view} />
      ) : selectedTab.key === 'event-types' ? (
        <EventTypesTab source={source.data} view={view} />
      ) : selectedTab.key === 'mappings' ? (
        <MappingsPanel
          sourceKey={source.data.key}
          environment={view.environment}
          provider={source.data.provider}
        />
      ) : (
        <ActivityTab source={source.data} view={view} />
      )}
    </>
  );
}

/* Setup tab */

function SetupTab(props: { source: Source; view: SourceEnvironment }) {
  return (
    <div className="source-setup">
      <StatusCard source={props.source} view={props.view} />
      <ConnectCard source={props.source} view={props.view} />
      <SigningSecretCard source={props.source} view={props.view} />
      <TestEventCard source={props.source} view={props.view} />
    </div>
  );
}

function ConnectCard(props: { source: Source; view: SourceEnvironment }) {
  const { source, view } = props;
  const provider = providerName(source.provider);
  const url = view.webhook_url;
  const local = /^https?:\/\/(localhost|127\.|\[::1\])/i.test(url);

  return (
    <section className="card">
      <h2>Connect {provider}</h2>
      <Field
        label="Webhook URL"
        hint={
          local ? (
            <>
              {provider} cannot reach a localhost address. Set <code>INLET_PUBLIC_URL</code> to the
              public address of this server, or forward a tunnel to it, and restart Inlet.
            </>
          ) : (
            `Deliveries to this URL are recorded in the ${view.environment} environment.`
          )
        }
      >
        {(id, describedBy) => (
          <div className="webhook-url">
            <input
              id={id}
              readOnly
              value={url}
              aria-describedby={describedBy}
              onFocus={(event) => event.target.select()}
            />
            <CopyButton value={url} />
          </div>
        )}
      </Field>
      {source.provider === 'workos' ? (
        <ol className="steps">
          <li>
            In the WorkOS dashboard, switch to the environment that should send to{' '}
            <strong>{view.environment}</strong>, open <strong>Webhooks</strong> and choose{' '}
            <strong>Create webhook</strong>.
          </li>
          <li>Paste the webhook URL above as the endpoint.</li>
          <li>
            Choose the events to send. The Event types tab lists them; types without mappings are
            recorded but run no actions.
          </li>
          <li>
            Create the webhook, copy its signing secret and paste it under{' '}
            <strong>Signing secret</strong> below.
          </li>
          <li>
            Send a test event from WorkOS, or with <strong>Send test event</strong> below. The
            Status card shows it when it arrives.
          </li>
        </ol>
      ) : (
        <p className="muted">
          Register the webhook URL with {provider} and save its signing secret below.
        </p>
      )}
    </section>
  );
}

function StatusCard(props: { source: Source; view: SourceEnvironment }) {
  const { source, view } = props;
  const path = environmentPath(source.key, view.environment);
  const base = environmentPage(source.key, view.environment);
  // Polls every 5 seconds until the first event arrives, then every 30 seconds.
  const latest = useQuery({
    queryKey: ['source-latest-event', source.key, view.environment],
    queryFn: () => api<Page<EventSummary>>('GET', `${path}/events${query({ limit: 1 })}`),
    refetchInterval: (current) => (current.state.data?.data.length ? 30_000 : 5_000),
  });
  const waiting = latest.data !== undefined && latest.data.data.length === 0;
  const rejections = useQuery({
    queryKey: ['source-latest-rejection', source.key, view.environment],
    queryFn: () => api<Page<Rejection>>('GET', `${path}/rejections${query({ limit: 1 })}`),
    refetchInterval: waiting ? 5_000 : 30_000,
  });
  const stats = useStats(source.key, view.environment, '24h');

  const event = latest.data?.data[0];
  const rejection = rejections.data?.data[0];
  const rejectionIsNewer =
    rejection !== undefined && (event === undefined || rejection.received_at > event.received_at);
  const total = stats.data?.buckets.reduce((sum, bucket) => sum + bucket.total, 0);

  return (
    <section className="card">
      <h2>Status</h2>
      <dl className="facts">
        <dt>Events in the last 24 hours</dt>
        <dd>
          {total !== undefined ? (
            total.toLocaleString()
          ) : stats.isError ? (
            <span className="muted" title={stats.error.message}>
              unavailable
            </span>
          ) : (
            <span className="muted">…</span>
          )}
        </dd>
        <dt>Last event</dt>
        <dd>
          {event ? (
            <span className="source-last-event">
              <Link to={`${base}/events/${seg(event.id)}`}>
                {event.event_type ?? 'unreadable delivery'}
              </Link>{' '}
              <StatusBadge status={event.status} /> <Time value={event.received_at} />
            </span>
          ) : latest.isPending ? (
            <span className="muted">…</span>
          ) : (
            <span className="muted">none yet</span>
          )}
        </dd>
      </dl>
      <ErrorMessage error={latest.error} onRetry={() => void latest.refetch()} />
      {waiting ? (
        <div className="source-waiting" role="status">
          <span className="spinner" aria-hidden="true" />
          <div>
            <strong>Waiting for the first event…</strong>
            <p className="hint">
              Follow the steps below, then send a test event. This card checks for new events every
              5 seconds.
            </p>
          </div>
        </div>
      ) : null}
      {rejectionIsNewer && rejection ? (
        <div className="source-warning" role="alert">
          <strong>
            The latest delivery was rejected <Time value={rejection.received_at} />.
          </strong>{' '}
          {rejection.detail} <code className="error-code">{rejection.reason_code}</code>
          <p className="hint">
            {view.signing_secrets.length === 0
              ? `Save the signing secret of the ${providerName(source.provider)} webhook below.`
              : `Check that the signing secret below matches the one ${providerName(source.provider)} shows for this webhook.`}
          </p>
        </div>
      ) : null}
    </section>
  );
}

/** Grace periods offered for the replaced secret. `none` revokes it at once. */
const GRACE_PERIODS: { value: string; label: string; seconds: number | null }[] = [
  { value: 'none', label: 'None: revoke the previous secret now', seconds: null },
  { value: '1h', label: '1 hour', seconds: 3600 },
  { value: '24h', label: '24 hours', seconds: 86400 },
  { value: '7d', label: '7 days', seconds: 7 * 86400 },
];
/** The server accepts signing secrets of 8 to 512 characters. */
const SECRET_MIN_LENGTH = 8;
const SECRET_MAX_LENGTH = 512;

function SigningSecretCard(props: { source: Source; view: SourceEnvironment }) {
  const { source, view } = props;
  const client = useQueryClient();
  const [secret, setSecret] = useState('');
  const [grace, setGrace] = useState('24h');
  const [problem, setProblem] = useState<string | undefined>();
  const [saved, setSaved] = useState(false);

  const save = useMutation({
    mutationFn: (body: Record<string, unknown>) =>
      api<SourceEnvironment>('PUT', environmentPath(source.key, view.environment), body),
    onSuccess: (updated) => {
      storeEnvironment(client, source.key, updated);
      setSecret('');
      setSaved(true);
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const value = secret.trim();
    if (value === '') return setProblem('Enter the signing secret.');
    if (value.length < SECRET_MIN_LENGTH)
      return setProblem(`A signing secret has at least ${SECRET_MIN_LENGTH} characters.`);
    setProblem(undefined);
    const seconds = GRACE_PERIODS.find((item) => item.value === grace)?.seconds ?? null;
    save.mutate(
      seconds === null
        ? { signing_secret: value, revoke_previous_secrets: true }
        : { signing_secret: value, secret_grace_seconds: seconds },
    );
  };

  return (
    <section className="card">
      <h2>Signing secret</h2>
      <p className="hint">
        Inlet accepts a delivery only when its signature matches an active secret. Secrets are
        write-only: the dashboard shows their last characters.
      </p>
      {view.signing_secrets.length === 0 ? (
        <p className="source-warning">
          No signing secret yet, so every delivery to this environment is rejected. Paste the secret
          of the {providerName(source.provider)} webhook below.
        </p>
      ) : (
        <div className="table-wrap">
          <table aria-label="Active secrets">
            <thead>
              <tr>
                <th scope="col">Secret</th>
                <th scope="col">Added</th>
                <th scope="col">Valid until</th>
              </tr>
            </thead>
            <tbody>
              {view.signing_secrets.map((item) => (
                <tr key={item.id}>
                  <td>
                    <code>{item.hint}</code>
                  </td>
                  <td>
                    <Time value={item.created_at} />
                  </td>
                  <td>
                    {item.expires_at ? (
                      <>
                        <Time value={item.expires_at} />{' '}
                        <span className="muted">(grace period of a replaced secret)</span>
                      </>
                    ) : (
                      <span className="muted">no end (current secret)</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form onSubmit={submit} noValidate className="source-secret-form">
        <Field
          label="Signing secret"
          hint="Copied from the webhook in the provider's dashboard. Saving it makes it the current secret."
          error={problem}
        >
          {(id, describedBy) => (
            <input
              id={id}
              type="password"
              autoComplete="new-password"
              spellCheck={false}
              maxLength={SECRET_MAX_LENGTH}
              value={secret}
              aria-describedby={describedBy}
              aria-invalid={problem !== undefined}
              onChange={(event) => {
                setSecret(event.target.value);
                setSaved(false);
              }}
            />
          )}
        </Field>
        {/* With no secret yet there is nothing to keep accepting, so the choice would confuse. */}
        {view.signing_secrets.length > 0 ? (
          <Field
            label="Grace period for the previous secret"
            hint="How long deliveries signed with the secret you replace are still accepted, while the provider switches over."
          >
            {(id, describedBy) => (
              <select
                id={id}
                value={grace}
                aria-describedby={describedBy}
                onChange={(event) => setGrace(event.target.value)}
              >
                {GRACE_PERIODS.map((item) => (
                  <option key={item.value} value={item.value}>
                    {item.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
        ) : null}
        <ErrorMessage error={save.error} />
        {saved ? (
          <div className="notice" role="status">
            Signing secret saved
          </div>
        ) : null}
        <button type="submit" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : 'Save signing secret'}
        </button>
      </form>
    </section>
  );
}

interface TestEventResult {
  id: string;
  status: string;
  duplicate: boolean;
}

/** Event statuses after which the processing of an event does not change on its own. */
const FINAL_STATUSES = ['processed', 'partially_failed', 'failed', 'skipped', 'ignored', 'invalid'];

function TestEventCard(props: { source: Source; view: SourceEnvironment }) {
  const { source, view } = props;
  const client = useQueryClient();
  const catalogue = useProviderEventTypes(source.provider);
  const [chosen, setChosen] = useState<string | undefined>();
  const types = catalogue.data?.data ?? [];
  const eventType =
    chosen ??
    types.find((item) => item.type === 'dsync.user.created')?.type ??
    types[0]?.type ??
    '';
  const path = environmentPath(source.key, view.environment);
  const hasSecret = view.signing_secrets.length > 0;
  const needsSecretId = useId();

  const send = useMutation({
    mutationFn: (type: string) =>
      api<TestEventResult>('POST', `${path}/test-events`, { event_type: type }),
    onSuccess: () => {
      void client.invalidateQueries({
        queryKey: ['source-latest-event', source.key, view.environment],
      });
      void client.invalidateQueries({ queryKey: ['source-stats', source.key, view.environment] });
      void client.invalidateQueries({ queryKey: seenEventTypesKey(source.key, view.environment) });
    },
  });
  const sent = send.data;

  // Follows the test event until its processing ends, so the result shows the final status. The
  // polling stops after 30 requests, because a stopped worker leaves the event "received".
  const progress = useQuery({
    queryKey: ['source-test-event', source.key, view.environment, sent?.id],
    queryFn: () => api<EventDetail>('GET', `${path}/events/${seg(sent!.id)}`),
    enabled: sent !== undefined && !sent.duplicate,
    refetchInterval: (current) => {
      const status = current.state.data?.status;
      if (status !== undefined && FINAL_STATUSES.includes(status)) return false;
      return current.state.dataUpdateCount < 30 ? 1000 : false;
    },
  });

  return (
    <section className="card">
      <h2>Send test event</h2>
      <p className="hint">
        Inlet signs a sample {providerName(source.provider)} event with the current signing secret
        and sends it through the same checks, mappings and actions as a real delivery.
      </p>
      {catalogue.isPending ? <Loading label="Loading event types…" /> : null}
      <ErrorMessage error={catalogue.error} onRetry={() => void catalogue.refetch()} />
      <form
        className="toolbar"
        onSubmit={(event) => {
          event.preventDefault();
          if (eventType !== '') send.mutate(eventType);
        }}
      >
        <Field label="Event type">
          {(id) => (
            <select
              id={id}
              value={eventType}
              disabled={types.length === 0}
              onChange={(event) => setChosen(event.target.value)}
            >
              {types.map((item) => (
                <option key={item.type} value={item.type}>
                  {item.type}
                </option>
              ))}
            </select>
          )}
        </Field>
        <button
          type="submit"
          disabled={!hasSecret || eventType === '' || send.isPending}
          aria-describedby={hasSecret ? undefined : needsSecretId}
        >
          {send.isPending ? 'Sending…' : 'Send test event'}
        </button>
      </form>
      {hasSecret ? null : (
        <p id={needsSecretId} className="hint">
          Save a signing secret first: the test event is signed with it.
        </p>
      )}
      <ErrorMessage error={send.error} />
      {sent ? (
        <TestEventOutcome
          sent={sent}
          detail={progress.data}
          eventPath={`${environmentPage(source.key, view.environment)}/events/${seg(sent.id)}`}
        />
      ) : null}
    </section>
  );
}

function TestEventOutcome(props: {
  sent: TestEventResult;
  detail: EventDetail | undefined;
  eventPath: string;
}) {
  const { sent, detail } = props;
  const status = detail?.status ?? sent.status;
  const problems = [
    ...(detail?.error ? [{ label: 'Event', error: detail.error }] : []),
    ...(detail?.actions ?? []).flatMap((action) =>
      action.error ? [{ label: action.action_type, error: action.error }] : [],
    ),
  ];
  const failed = status === 'failed' || status === 'partially_failed' || status === 'invalid';
  return (
    <div className={`source-test-result ${failed ? 'source-warning' : 'notice'}`} role="status">
      {sent.duplicate ? 'The test event was a duplicate of ' : 'Test event recorded as '}
      <Link to={props.eventPath}>{sent.id}</Link>{' '}
      {status !== 'duplicate' ? <StatusBadge status={status} /> : null}
      {problems.length > 0 ? (
        <ul className="source-test-problems">
          {problems.map((problem, index) => (
            <li key={index}>
              {problem.label}: {problem.error.message} <code>{problem.error.code}</code>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

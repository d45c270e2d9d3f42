import Markdown from 'react-markdown';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { api, ApiError, seg } from '../api';
import {
  EmptyState,
  ErrorMessage,
  Field,
  JsonView,
  Loading,
  PageHeader,
  StatusBadge,
  Time,
} from '../components/ui';
import { useDataEnvironment } from '../environment';
import { PagedListView, tenantPath, userPath, usePagedList } from './data-shared';

/** A message as `GET /v1/messages` lists it; the detail adds `provider_response`. */
export interface Message {
  id: string;
  workflow: string;
  run_id: string;
  step_ref: string;
  channel_type: string;
  channel: string;
  recipient_id: string;
  tenant_id: string | null;
  status: string;
  status_reason: string | null;
  status_detail: string | null;
  content: unknown;
  attempts: number;
  error: { code: string; message: string | null } | null;
  source_event_id: string | null;
  seen_at: string | null;
  read_at: string | null;
  archived_at: string | null;
  sent_at: string | null;
  created_at: string;
  updated_at: string;
  provider_response?: unknown;
}

export const MESSAGE_STATUSES = ['queued', 'sent', 'delivered', 'undelivered', 'not_sent'];
export const CHANNEL_TYPES = ['email', 'chat', 'webhook', 'in_app_feed'];
export const CHANNEL_TYPE_LABELS: Record<string, string> = {
  email: 'Email',
  chat: 'Chat',
  webhook: 'Webhook',
  in_app_feed: 'In-app feed',
};

/** Filters of `GET /v1/messages`, which the log keeps in its URL. */
const FILTERS = [
  'status',
  'channel_type',
  'channel',
  'workflow',
  'recipient',
  'run_id',
  'source_event_id',
] as const;
type Filter = (typeof FILTERS)[number];

export const messagePath = (id: string) => `/messages/${seg(id)}`;
export const workflowPath = (key: string) => `/workflows/${seg(key)}`;

/** Returns the message list address with the given filters, such as `/messages?workflow=x`. */
export function messagesLink(filters: Partial<Record<Filter, string>>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) if (value) search.set(name, value);
  const text = search.toString();
  return text === '' ? '/messages' : `/messages?${text}`;
}

/** Returns a one-line summary of a message: its subject, text or body, else its step. */
export function messageSummary(message: Message): string {
  const content = (message.content ?? {}) as Record<string, unknown>;
  for (const field of ['subject', 'text', 'markdown', 'body']) {
    const value = content[field];
    if (typeof value === 'string' && value.trim() !== '') return shorten(value.trim());
    if (field === 'body' && typeof value === 'object' && value !== null) {
      return shorten(JSON.stringify(value));
    }
  }
  return `${CHANNEL_TYPE_LABELS[message.channel_type] ?? message.channel_type} message of step ${message.step_ref}`;
}

function shorten(text: string, length = 90): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length > length ? `${line.slice(0, length - 1)}…` : line;
}

/** A table of messages, newest first as the API returns them; the summary links to the detail. */
export function MessageTable(props: {
  messages: Message[];
  label: string;
  showRecipient?: boolean;
  showWorkflow?: boolean;
}) {
  const showRecipient = props.showRecipient ?? true;
  const showWorkflow = props.showWorkflow ?? true;
  return (
    <div className="table-wrap">
      <table aria-label={props.label}>
        <thead>
          <tr>
            <th scope="col">Message</th>
            <th scope="col">Status</th>
            <th scope="col">Channel</th>
            {showRecipient ? <th scope="col">Recipient</th> : null}
            {showWorkflow ? <th scope="col">Workflow</th> : null}
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {props.messages.map((message) => (
            <tr key={message.id}>
              <td className="message-summary">
                <Link to={messagePath(message.id)}>{messageSummary(message)}</Link>
              </td>
              <td>
                <StatusBadge status={message.status} />
                {message.status_reason ? (
                  <div className="muted small">{message.status_reason.replace(/_/g, ' ')}</div>
                ) : null}
              </td>
              <td>
                {CHANNEL_TYPE_LABELS[message.channel_type] ?? message.channel_type}
                <div className="muted small">
                  <code>{message.channel}</code>
                </div>
              </td>
              {showRecipient ? (
                <td>
                  <Link to={userPath(message.recipient_id)}>{message.recipient_id}</Link>
                </td>
              ) : null}
              {showWorkflow ? (
                <td>
                  <Link to={workflowPath(message.workflow)}>{message.workflow}</Link>
                  <div className="muted small">
                    step <code>{message.step_ref}</code>
                  </div>
                </td>
              ) : null}
              <td>
                <Time value={message.created_at} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function MessagesPage() {
  const { environment } = useDataEnvironment();
  const [searchParams, setSearchParams] = useSearchParams();
  const filters = Object.fromEntries(
    FILTERS.map((name) => [name, searchParams.get(name) ?? undefined]),
  ) as Partial<Record<Filter, string>>;
  const filtered = FILTERS.some((name) => filters[name]);

  const { items, list } = usePagedList<Message>({
    key: ['messages'],
    path: '/v1/messages',
    environment,
    params: filters,
  });

  const applyFilters = (next: Partial<Record<Filter, string>>) => {
    const search = new URLSearchParams();
    for (const name of FILTERS) {
      const value = next[name]?.trim();
      if (value) search.set(name, value);
    }
    setSearchParams(search);
  };

  return (
    <>
      <PageHeader
        title="Messages"
        subtitle={`Every message that workflow runs created in the ${environment} environment, newest first.`}
        actions={
          <button
            type="button"
            className="secondary"
            disabled={list.isFetching}
            onClick={() => void list.refetch()}
          >
            {list.isFetching && !list.isPending ? 'Refreshing…' : 'Refresh'}
          </button>
        }
      />
      <MessageFilters filters={filters} onApply={applyFilters} />
      <PagedListView
        list={list}
        items={items}
        loadingLabel="Loading messages…"
        empty={
          filtered ? (
            <EmptyState
              title="No messages match these filters"
              action={
                <button type="button" className="secondary" onClick={() => applyFilters({})}>
                  Clear filters
                </button>
              }
            >
              Messages are listed per environment; the environment switcher at the top selects
              another one.
            </EmptyState>
          ) : (
            <EmptyState
              title="No messages yet"
              action={<Link to="/workflows">Go to workflows</Link>}
            >
              Each channel step of a workflow run creates a message. Trigger a workflow from its
              Test trigger tab, with <code>POST /v1/workflows/:key/trigger</code>, or from a mapping
              of type <code>workflows_trigger</code> when an event arrives.
            </EmptyState>
          )
        }
      >
        <MessageTable messages={items} label="Messages" />
      </PagedListView>
    </>
  );
}

/** Renders the filter form. Selects apply at once, and text fields apply when the form is submitted. */
function MessageFilters(props: {
  filters: Partial<Record<Filter, string>>;
  onApply: (filters: Partial<Record<Filter, string>>) => void;
}) {
  const [draft, setDraft] = useState(props.filters);
  const applied = JSON.stringify(props.filters);
  // Links such as "messages of this run" change the URL while the page is open.
  useEffect(() => setDraft(JSON.parse(applied) as Partial<Record<Filter, string>>), [applied]);

  const set = (name: Filter, value: string) =>
    setDraft((current) => ({ ...current, [name]: value }));
  const choose = (name: Filter, value: string) => {
    const next = { ...draft, [name]: value };
    setDraft(next);
    props.onApply(next);
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    props.onApply(draft);
  };

  const text = (name: Filter, label: string, hint: string) => (
    <Field label={label}>
      {(id) => (
        <input
          id={id}
          value={draft[name] ?? ''}
          placeholder={hint}
          onChange={(event) => set(name, event.target.value)}
        />
      )}
    </Field>
  );

  return (
    <form className="toolbar message-filters" onSubmit={submit} aria-label="Message filters">
      <Field label="Status">
        {(id) => (
          <select
            id={id}
            value={draft.status ?? ''}
            onChange={(event) => choose('status', event.target.value)}
          >
            <option value="">Any status</option>
            {MESSAGE_STATUSES.map((status) => (
              <option key={status} value={status}>
                {status.replace(/_/g, ' ')}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Channel type">
        {(id) => (
          <select
            id={id}
            value={draft.channel_type ?? ''}
            onChange={(event) => choose('channel_type', event.target.value)}
          >
            <option value="">Any type</option>
            {CHANNEL_TYPES.map((type) => (
              <option key={type} value={type}>
                {CHANNEL_TYPE_LABELS[type]}
              </option>
            ))}
          </select>
        )}
      </Field>
      {text('workflow', 'Workflow', 'workflow key')}
      {text('recipient', 'Recipient', 'user id')}
      {text('channel', 'Channel', 'channel key')}
      {text('run_id', 'Run', 'run_…')}
      {text('source_event_id', 'Source event', 'evt_…')}
      <div className="actions">
        <button type="submit">Apply filters</button>
        <button type="button" className="secondary" onClick={() => props.onApply({})}>
          Clear
        </button>
      </div>
    </form>
  );
}

export function MessagePage() {
  const { id = '' } = useParams();
  const { environment } = useDataEnvironment();
  const message = useQuery({
    queryKey: ['message', environment, id],
    queryFn: ({ signal }) =>
      api<Message>('GET', `/v1/messages/${seg(id)}`, undefined, { environment, signal }),
  });

  if (message.isPending) return <Loading label="Loading the message…" />;
  if (message.isError) {
    return (
      <>
        <PageHeader title="Message" subtitle={id} />
        {message.error instanceof ApiError && message.error.status === 404 ? (
          <EmptyState title="Message not found" action={<Link to="/messages">Go to messages</Link>}>
            No message <code>{id}</code> exists in the {environment} environment. Messages belong to
            one environment; the switcher at the top selects another one.
          </EmptyState>
        ) : (
          <ErrorMessage error={message.error} onRetry={() => void message.refetch()} />
        )}
      </>
    );
  }
  return <MessageDetail message={message.data} environment={environment} />;
}

function MessageDetail(props: { message: Message; environment: string }) {
  const { message } = props;
  return (
    <>
      <PageHeader
        title={messageSummary(message)}
        subtitle={
          <>
            {CHANNEL_TYPE_LABELS[message.channel_type] ?? message.channel_type} message{' '}
            <code>{message.id}</code>
          </>
        }
        actions={<Link to={messagesLink({ run_id: message.run_id })}>Messages of this run</Link>}
      />
      <div className="grid">
        <section className="card" aria-labelledby="message-delivery">
          <h2 id="message-delivery">Delivery</h2>
          <dl className="facts">
            <dt>Status</dt>
            <dd>
              <StatusBadge status={message.status} />
              {message.status_reason ? (
                <span className="muted"> {message.status_reason.replace(/_/g, ' ')}</span>
              ) : null}
            </dd>
            {message.status_detail ? (
              <>
                <dt>Detail</dt>
                <dd>{message.status_detail}</dd>
              </>
            ) : null}
            <dt>Attempts</dt>
            <dd>{message.attempts}</dd>
            <dt>Sent</dt>
            <dd>
              <Time value={message.sent_at} />
            </dd>
            <dt>Created</dt>
            <dd>
              <Time value={message.created_at} />
            </dd>
            <dt>Updated</dt>
            <dd>
              <Time value={message.updated_at} />
            </dd>
          </dl>
          {message.error ? (
            <div className="error-message" role="note">
              <strong>{message.error.message ?? 'The last delivery attempt failed.'}</strong>
              <code className="error-code">{message.error.code}</code>
            </div>
          ) : null}
          {message.status === 'queued' && message.error ? (
            <p className="hint">Inlet retries transient failures with exponential backoff.</p>
          ) : null}
        </section>
        <section className="card" aria-labelledby="message-origin">
          <h2 id="message-origin">Origin</h2>
          <dl className="facts">
            <dt>Recipient</dt>
            <dd>
              <Link to={userPath(message.recipient_id)}>{message.recipient_id}</Link>
            </dd>
            <dt>Tenant</dt>
            <dd>
              {message.tenant_id ? (
                <Link to={tenantPath(message.tenant_id)}>{message.tenant_id}</Link>
              ) : (
                <span className="muted">none</span>
              )}
            </dd>
            <dt>Channel</dt>
            <dd>
              <code>{message.channel}</code> (
              {CHANNEL_TYPE_LABELS[message.channel_type] ?? message.channel_type})
            </dd>
            <dt>Workflow</dt>
            <dd>
              <Link to={workflowPath(message.workflow)}>{message.workflow}</Link>, step{' '}
              <code>{message.step_ref}</code>
            </dd>
            <dt>Run</dt>
            <dd>
              <Link to={`${workflowPath(message.workflow)}?tab=runs&run=${seg(message.run_id)}`}>
                {message.run_id}
              </Link>
            </dd>
            <dt>Source event</dt>
            <dd>
              {message.source_event_id ? (
                <code>{message.source_event_id}</code>
              ) : (
                <span className="muted">none (triggered through the API)</span>
              )}
            </dd>
          </dl>
        </section>
      </div>
      <section className="card" aria-labelledby="message-content">
        <h2 id="message-content">Content</h2>
        <MessageContent message={message} />
      </section>
      {message.channel_type === 'in_app_feed' ? (
        <Engagement message={message} environment={props.environment} />
      ) : null}
      {message.provider_response !== undefined && message.provider_response !== null ? (
        <section className="card" aria-labelledby="message-provider-response">
          <h2 id="message-provider-response">Provider response</h2>
          <p className="hint">What the SMTP server or receiver returned on the last attempt.</p>
          <JsonView value={message.provider_response} label="Provider response" />
        </section>
      ) : null}
    </>
  );
}

/** Shows the rendered content by channel type; HTML email renders only in a sandboxed frame. */
function MessageContent(props: { message: Message }) {
  const content = (props.message.content ?? {}) as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  if (Object.keys(content).length === 0) {
    return (
      <p className="muted">
        No content was rendered, because the message was never attempted
        {props.message.status_reason ? ` (${props.message.status_reason.replace(/_/g, ' ')})` : ''}.
      </p>
    );
  }

  switch (props.message.channel_type) {
    case 'email':
      return (
        <>
          <dl className="facts">
            <dt>To</dt>
            <dd>{text(content.to) || <span className="muted">no address</span>}</dd>
            <dt>Subject</dt>
            <dd>{text(content.subject)}</dd>
          </dl>
          <h3>HTML body</h3>
          {text(content.html) ? (
            <iframe
              className="email-preview"
              sandbox=""
              srcDoc={text(content.html)}
              title="HTML body of the email"
            />
          ) : (
            <p className="muted">The email has no HTML body.</p>
          )}
          <h3>Text body</h3>
          {text(content.text) ? (
            <pre className="json message-text">{text(content.text)}</pre>
          ) : (
            <p className="muted">The email has no text body.</p>
          )}
        </>
      );
    case 'chat':
      return <pre className="json message-text">{text(content.text)}</pre>;
    case 'in_app_feed':
      return <FeedContent content={content} />;
    default:
      return <JsonView value={content} label="Message content" />;
  }
}

/** Renders a feed message's Markdown, or else its plain body, and its action link. */
export function FeedContent(props: { content: Record<string, unknown> }) {
  const { content } = props;
  const actionUrl = typeof content.action_url === 'string' ? content.action_url : '';
  return (
    <>
      {typeof content.markdown === 'string' ? (
        // react-markdown builds elements, never inner HTML. skipHtml drops raw HTML, and links
        // with an unsafe scheme such as javascript: lose their address.
        <div className="feed-body">
          <Markdown skipHtml>{content.markdown}</Markdown>
        </div>
      ) : typeof content.body === 'string' ? (
        <p className="feed-body">{content.body}</p>
      ) : null}
      {actionUrl ? (
        <p className="small">
          Action:{' '}
          {/^https?:\/\//i.test(actionUrl) ? (
            <a href={actionUrl} target="_blank" rel="noreferrer noopener">
              {actionUrl}
            </a>
          ) : (
            <code>{actionUrl}</code>
          )}
        </p>
      ) : null}
    </>
  );
}

function Engagement(props: { message: Message; environment: string }) {
  const { message, environment } = props;
  const client = useQueryClient();
  const mark = useMutation({
    mutationFn: (engagement: 'seen' | 'read' | 'archived') =>
      api<Message>('POST', `/v1/messages/${seg(message.id)}/${engagement}`, undefined, {
        environment,
      }),
    onSuccess: (updated) => {
      client.setQueryData(['message', environment, message.id], updated);
      void client.invalidateQueries({ queryKey: ['user-feed'] });
      void client.invalidateQueries({ queryKey: ['messages'] });
    },
  });
  return (
    <section className="card" aria-labelledby="message-engagement">
      <h2 id="message-engagement">Engagement</h2>
      <dl className="facts">
        <dt>Seen</dt>
        <dd>
          <Time value={message.seen_at} />
        </dd>
        <dt>Read</dt>
        <dd>
          <Time value={message.read_at} />
        </dd>
        <dt>Archived</dt>
        <dd>
          <Time value={message.archived_at} />
        </dd>
      </dl>
      <div className="actions engagement-actions">
        <button
          type="button"
          className="secondary"
          disabled={mark.isPending || message.seen_at !== null}
          onClick={() => mark.mutate('seen')}
        >
          Mark seen
        </button>
        <button
          type="button"
          className="secondary"
          disabled={mark.isPending || message.read_at !== null}
          onClick={() => mark.mutate('read')}
        >
          Mark read
        </button>
        <button
          type="button"
          className="secondary"
          disabled={mark.isPending || message.archived_at !== null}
          onClick={() => mark.mutate('archived')}
        >
          Archive
        </button>
      </div>
      <p className="hint">
        Reading also marks the message seen. A repeated mark keeps the first time.
      </p>
      <ErrorMessage error={mark.error} />
    </section>
  );
}

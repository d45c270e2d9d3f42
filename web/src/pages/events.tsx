import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState, type FormEvent, type MouseEvent } from 'react';
import { Link, useLocation, useNavigate, useParams, useSearchParams } from 'react-router';
import { api, query, seg, type Page } from '../api';
import {
  Dialog,
  EmptyState,
  ErrorMessage,
  Field,
  Loading,
  PageHeader,
  StatusBadge,
  Switch,
  Time,
} from '../components/ui';
import { useSeenEventTypes } from './event-types';

/** A recorded event as the event log lists it. */
export interface EventSummary {
  id: string;
  provider_event_id: string | null;
  event_type: string | null;
  status: string;
  verification: string;
  provider_created_at: string | null;
  received_at: string;
  delivery_count: number;
  last_delivered_at: string | null;
  processed_at: string | null;
  error: { code: string; message: string | null } | null;
}

/** The outcome of replaying one event. */
export interface ReplayResult {
  event_id: string;
  status: string;
  run: number;
  actions: number;
  failed_actions: number;
  error?: string;
}

export const EVENT_STATUSES = [
  'received',
  'processing',
  'processed',
  'partially_failed',
  'failed',
  'skipped',
  'ignored',
  'invalid',
] as const;

interface SourceListItem {
  key: string;
  name: string;
  environments: { environment: string }[];
  events_24h?: number;
  last_event_at?: string | null;
}

/** Returns the API path of one source environment, such as `/v1/sources/workos/environments/production`. */
export function environmentPath(sourceKey: string, environment: string): string {
  return `/v1/sources/${seg(sourceKey)}/environments/${seg(environment)}`;
}

/** Returns the dashboard address of the event log, or of one event when `eventId` is given. */
export function eventLogUrl(sourceKey: string, environment: string, eventId?: string): string {
  const log = `/sources/${seg(sourceKey)}/${seg(environment)}/events`;
  return eventId === undefined ? log : `${log}/${seg(eventId)}`;
}

/** Router state that an event link carries, so the detail page can return to the same filters. */
export interface EventLinkState {
  logSearch?: string;
}

/** Lists the source environments and opens the event log of the one picked. */
export function EventLogIndexPage() {
  const navigate = useNavigate();
  const sources = useQuery({
    queryKey: ['sources'],
    queryFn: () => api<{ data: SourceListItem[] }>('GET', '/v1/sources'),
  });
  const list = sources.data?.data ?? [];
  const latest = useMemo(() => latestSource(list), [list]);
  const [picked, setPicked] = useState<{ source: string; environment: string } | null>(null);
  const sourceKey = picked?.source ?? latest?.key ?? '';
  const source = list.find((candidate) => candidate.key === sourceKey);
  const environment = picked?.environment ?? source?.environments[0]?.environment ?? '';

  const header = <PageHeader title="Event log" subtitle="Every webhook Inlet received." />;
  if (sources.isPending)
    return (
      <>
        {header}
        <Loading label="Loading sources…" />
      </>
    );
  if (sources.isError)
    return (
      <>
        {header}
        <ErrorMessage error={sources.error} onRetry={() => void sources.refetch()} />
      </>
    );
  if (list.length === 0)
    return (
      <>
        {header}
        <EmptyState
          title="No sources yet"
          action={
            <Link className="button" to="/sources/new">
              Create a source
            </Link>
          }
        >
          Events are recorded per source and environment. Create a source, point WorkOS at its
          webhook address, and its events appear here.
        </EmptyState>
      </>
    );

  const open = (event: FormEvent) => {
    event.preventDefault();
    if (sourceKey !== '' && environment !== '') navigate(eventLogUrl(sourceKey, environment));
  };

  return (
    <>
      {header}
      <form className="card toolbar" onSubmit={open}>
        <Field label="Source">
          {(id) => (
            <select
              id={id}
              value={sourceKey}
              onChange={(event) => {
                const next = list.find((candidate) => candidate.key === event.target.value);
                setPicked({
                  source: event.target.value,
                  environment: next?.environments[0]?.environment ?? '',
                });
              }}
            >
              {list.map((candidate) => (
                <option key={candidate.key} value={candidate.key}>
                  {candidate.name} ({candidate.key})
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Environment">
          {(id) => (
            <select
              id={id}
              value={environment}
              onChange={(event) =>
                setPicked({ source: sourceKey, environment: event.target.value })
              }
            >
              {(source?.environments ?? []).map((candidate) => (
                <option key={candidate.environment}>{candidate.environment}</option>
              ))}
            </select>
          )}
        </Field>
        <button type="submit" disabled={environment === ''}>
          Open event log
        </button>
      </form>
      {source?.last_event_at ? (
        <p className="muted">
          {source.name} received {source.events_24h ?? 0}{' '}
          {(source.events_24h ?? 0) === 1 ? 'event' : 'events'} in the last 24 hours. The latest
          arrived <Time value={source.last_event_at} />.
        </p>
      ) : source?.last_event_at === null ? (
        <p className="muted">{source.name} has not received any events yet.</p>
      ) : null}
    </>
  );
}

/** Returns the source whose latest event is newest, or the first source when none has events. */
function latestSource(sources: SourceListItem[]): SourceListItem | undefined {
  let best: SourceListItem | undefined;
  for (const source of sources) {
    if (best === undefined) best = source;
    else if ((source.last_event_at ?? '') > (best.last_event_at ?? '')) best = source;
  }
  return best;
}

const FILTER_NAMES = ['event_type', 'status', 'since', 'until', 'provider_event_id'] as const;
type FilterName = (typeof FILTER_NAMES)[number];
type Filters = Partial<Record<FilterName, string>>;

function readFilters(params: URLSearchParams): Filters {
  const filters: Filters = {};
  for (const name of FILTER_NAMES) {
    const value = params.get(name);
    if (value) filters[name] = value;
  }
  return filters;
}

/** Converts an ISO time to the local "YYYY-MM-DDTHH:mm" that a datetime-local input shows. */
function toLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

/** Converts a datetime-local value, which has no zone and means local time, to ISO-8601 UTC. */
function fromLocalInput(value: string): string {
  if (value === '') return '';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? '' : date.toISOString();
}

const PAGE_SIZE = 50;
const LIVE_INTERVAL_MS = 3000;

/** Compares events newest first by receive time, then by id, whose order is also by time. */
function newestFirst(left: EventSummary, right: EventSummary): number {
  if (left.received_at !== right.received_at) return left.received_at < right.received_at ? 1 : -1;
  if (left.id === right.id) return 0;
  return left.id < right.id ? 1 : -1;
}

/**
 * Loads the event log for the given filters. The first page is polled while `live` is on. Rows
 * that later polls push off the first page stay listed, and "Load more" appends older pages.
 * `fresh` contains the ids that arrived after the first load, for highlighting.
 */
function useEventLog(sourceKey: string, environment: string, filters: Filters, live: boolean) {
  const base = `${environmentPath(sourceKey, environment)}/events`;
  const filterKey = JSON.stringify(filters);
  const first = useQuery({
    queryKey: ['events', sourceKey, environment, filters],
    queryFn: ({ signal }) =>
      api<Page<EventSummary>>('GET', base + query({ ...filters, limit: PAGE_SIZE }), undefined, {
        signal,
      }),
    refetchInterval: live ? LIVE_INTERVAL_MS : false,
  });

  const [kept, setKept] = useState<{
    filterKey: string;
    rows: Map<string, EventSummary>;
    older: EventSummary[];
    cursor: string | null | undefined;
    fresh: Set<string>;
  }>({ filterKey, rows: new Map(), older: [], cursor: undefined, fresh: new Set() });
  const current = kept.filterKey === filterKey ? kept : null;

  useEffect(() => {
    const page = first.data;
    if (page === undefined) return;
    setKept((previous) => {
      const same = previous.filterKey === filterKey;
      const rows = new Map(same ? previous.rows : []);
      const fresh = new Set(same ? previous.fresh : []);
      const firstLoad = rows.size === 0;
      for (const row of page.data) {
        if (!firstLoad && !rows.has(row.id)) fresh.add(row.id);
        rows.set(row.id, row);
      }
      return same
        ? { ...previous, rows, fresh }
        : { filterKey, rows, older: [], cursor: undefined, fresh };
    });
  }, [first.data, filterKey]);

  const more = useMutation({
    mutationFn: (cursor: string) =>
      api<Page<EventSummary>>('GET', base + query({ ...filters, after: cursor, limit: PAGE_SIZE })),
    onSuccess: (page) =>
      setKept((previous) =>
        previous.filterKey === filterKey
          ? { ...previous, older: [...previous.older, ...page.data], cursor: page.next_cursor }
          : previous,
      ),
  });

  const rows = useMemo(() => {
    const merged = new Map<string, EventSummary>();
    for (const row of current?.older ?? []) merged.set(row.id, row);
    for (const row of current?.rows.values() ?? []) merged.set(row.id, row);
    for (const row of first.data?.data ?? []) merged.set(row.id, row);
    return [...merged.values()].sort(newestFirst);
  }, [current, first.data]);

  const cursor = current?.cursor !== undefined ? current.cursor : (first.data?.next_cursor ?? null);
  return {
    first,
    rows,
    fresh: current?.fresh ?? new Set<string>(),
    more,
    loadMore: cursor === null ? null : () => more.mutate(cursor),
  };
}

/** Shows the event log of one source environment, newest first, with filters kept in the URL. */
export function EventLogPage() {
  const { key = '', environment = '' } = useParams();
  const [searchParams, setSearchParams] = useSearchParams();
  const location = useLocation();
  const navigate = useNavigate();
  const filters = useMemo(() => readFilters(searchParams), [searchParams]);
  const [live, setLive] = useState(true);
  const [replaying, setReplaying] = useState(false);
  const { first, rows, fresh, more, loadMore } = useEventLog(key, environment, filters, live);
  const filtered = Object.keys(filters).length > 0;

  const eventTypes = useSeenEventTypes(key, environment);
  const typeOptions = useMemo(() => {
    const names = (eventTypes.data?.data ?? []).map((type) => type.event_type).sort();
    if (filters.event_type && !names.includes(filters.event_type)) names.push(filters.event_type);
    return names;
  }, [eventTypes.data, filters.event_type]);

  const setFilter = (name: FilterName, value: string) => {
    const next = new URLSearchParams(searchParams);
    if (value === '') next.delete(name);
    else next.set(name, value);
    setSearchParams(next);
  };

  const linkState: EventLinkState = { logSearch: location.search };
  const openRow = (event: MouseEvent<HTMLTableRowElement>, id: string) => {
    // The link inside the row navigates by itself; this handles clicks elsewhere in the row.
    if ((event.target as HTMLElement).closest('a, button')) return;
    navigate(eventLogUrl(key, environment, id), { state: linkState });
  };

  return (
    <>
      <PageHeader
        title="Event log"
        subtitle={
          <>
            <Link to={`/sources/${seg(key)}/${seg(environment)}`}>
              {key} · {environment}
            </Link>
            {' — '}newest first
          </>
        }
        actions={
          <>
            <Switch checked={live} onChange={setLive} label="Live" />
            <button type="button" className="secondary" onClick={() => setReplaying(true)}>
              Replay matching events
            </button>
          </>
        }
      />
      <EventFilters
        filters={filters}
        typeOptions={typeOptions}
        onChange={setFilter}
        onClear={filtered ? () => setSearchParams(new URLSearchParams()) : undefined}
      />
      {first.isError ? (
        <ErrorMessage error={first.error} onRetry={() => void first.refetch()} />
      ) : null}
      <p className="visually-hidden" aria-live="polite">
        {describeFresh(fresh.size)}
      </p>
      {first.isPending ? (
        <Loading label="Loading events…" />
      ) : rows.length === 0 && !first.isError ? (
        filtered ? (
          <EmptyState
            title="No events match these filters"
            action={
              <button type="button" onClick={() => setSearchParams(new URLSearchParams())}>
                Clear filters
              </button>
            }
          >
            Widen the time range or choose another event type or status.
          </EmptyState>
        ) : (
          <EmptyState
            title="No events yet"
            action={
              <Link className="button" to={`/sources/${seg(key)}/${seg(environment)}`}>
                Open the setup tab
              </Link>
            }
          >
            Events appear here when WorkOS delivers a webhook to this environment. To try it now,
            open the setup tab and press “Send test event”.
            {live ? ' This list refreshes every 3 seconds.' : null}
          </EmptyState>
        )
      ) : rows.length > 0 ? (
        <>
          <div className="table-wrap">
            <table className="event-table">
              <thead>
                <tr>
                  <th scope="col">Received</th>
                  <th scope="col">Event type</th>
                  <th scope="col">Status</th>
                  <th scope="col">Error</th>
                  <th scope="col">Provider event id</th>
                  <th scope="col">Deliveries</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr
                    key={row.id}
                    className={`clickable ${fresh.has(row.id) ? 'new-row' : ''}`}
                    onClick={(event) => openRow(event, row.id)}
                  >
                    <td>
                      <Time value={row.received_at} />
                    </td>
                    <td>
                      <Link to={eventLogUrl(key, environment, row.id)} state={linkState}>
                        {row.event_type ?? 'event without a type'}
                      </Link>
                    </td>
                    <td>
                      <StatusBadge status={row.status} />
                    </td>
                    <td>
                      {row.error ? (
                        <code title={row.error.message ?? undefined}>{row.error.code}</code>
                      ) : row.status === 'failed' || row.status === 'partially_failed' ? (
                        // Action errors are kept on each action, shown on the event's page.
                        <Link to={eventLogUrl(key, environment, row.id)} state={linkState}>
                          see its actions
                        </Link>
                      ) : (
                        <span className="muted">—</span>
                      )}
                    </td>
                    <td>
                      <code>{row.provider_event_id ?? '—'}</code>
                    </td>
                    <td>{row.delivery_count}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {more.isError ? <ErrorMessage error={more.error} /> : null}
          {loadMore ? (
            <button
              type="button"
              className="secondary"
              onClick={loadMore}
              disabled={more.isPending}
            >
              {more.isPending ? 'Loading…' : 'Load more'}
            </button>
          ) : (
            <p className="muted">That is every matching event.</p>
          )}
        </>
      ) : null}
      {replaying ? (
        <ReplayMatchingDialog
          sourceKey={key}
          environment={environment}
          filters={filters}
          onClose={() => setReplaying(false)}
        />
      ) : null}
    </>
  );
}

function EventFilters(props: {
  filters: Filters;
  typeOptions: string[];
  onChange: (name: FilterName, value: string) => void;
  onClear: (() => void) | undefined;
}) {
  const { filters } = props;
  const [providerId, setProviderId] = useState(filters.provider_event_id ?? '');
  useEffect(() => setProviderId(filters.provider_event_id ?? ''), [filters.provider_event_id]);

  return (
    <div className="toolbar event-filters">
      <Field label="Event type">
        {(id) => (
          <select
            id={id}
            value={filters.event_type ?? ''}
            onChange={(event) => props.onChange('event_type', event.target.value)}
          >
            <option value="">All event types</option>
            {props.typeOptions.map((type) => (
              <option key={type}>{type}</option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Status">
        {(id) => (
          <select
            id={id}
            value={filters.status ?? ''}
            onChange={(event) => props.onChange('status', event.target.value)}
          >
            <option value="">All statuses</option>
            {EVENT_STATUSES.map((status) => (
              <option key={status} value={status}>
                {status.replace(/_/g, ' ')}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="From">
        {(id) => (
          <input
            id={id}
            type="datetime-local"
            value={toLocalInput(filters.since)}
            onChange={(event) => props.onChange('since', fromLocalInput(event.target.value))}
          />
        )}
      </Field>
      <Field label="To">
        {(id) => (
          <input
            id={id}
            type="datetime-local"
            value={toLocalInput(filters.until)}
            onChange={(event) => props.onChange('until', fromLocalInput(event.target.value))}
          />
        )}
      </Field>
      <form
        role="search"
        className="inline-search"
        onSubmit={(event) => {
          event.preventDefault();
          props.onChange('provider_event_id', providerId.trim());
        }}
      >
        <Field label="Provider event id">
          {(id) => (
            <input
              id={id}
              type="search"
              placeholder="event_01…"
              spellCheck={false}
              value={providerId}
              onChange={(event) => setProviderId(event.target.value)}
            />
          )}
        </Field>
        <button type="submit" className="secondary">
          Search
        </button>
      </form>
      {props.onClear ? (
        <button type="button" className="link" onClick={props.onClear}>
          Clear filters
        </button>
      ) : null}
    </div>
  );
}

function describeFresh(count: number): string {
  if (count === 0) return '';
  return `${count} new ${count === 1 ? 'event' : 'events'} since this page opened.`;
}

/** Describes the active filters in words, for the replay confirmation. */
function describeFilters(filters: Filters): string[] {
  const parts: string[] = [];
  if (filters.event_type) parts.push(`event type ${filters.event_type}`);
  if (filters.status) parts.push(`status ${filters.status.replace(/_/g, ' ')}`);
  if (filters.since) parts.push(`received from ${new Date(filters.since).toLocaleString()}`);
  if (filters.until) parts.push(`received before ${new Date(filters.until).toLocaleString()}`);
  return parts;
}

const MAX_REPLAY = 500;

function ReplayMatchingDialog(props: {
  sourceKey: string;
  environment: string;
  filters: Filters;
  onClose: () => void;
}) {
  const client = useQueryClient();
  const [limit, setLimit] = useState('100');
  const limitNumber = Number(limit);
  const limitValid = Number.isInteger(limitNumber) && limitNumber >= 1 && limitNumber <= MAX_REPLAY;
  const { provider_event_id: providerEventId, ...replayFilters } = props.filters;
  const described = describeFilters(props.filters);

  const replay = useMutation({
    mutationFn: () =>
      api<{ data: ReplayResult[] }>(
        'POST',
        `${environmentPath(props.sourceKey, props.environment)}/events/replay`,
        { ...replayFilters, limit: limitNumber },
      ),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['events', props.sourceKey, props.environment] });
      void client.invalidateQueries({ queryKey: ['event', props.sourceKey, props.environment] });
    },
  });

  const results = replay.data?.data;
  const counts = new Map<string, number>();
  for (const result of results ?? [])
    counts.set(result.status, (counts.get(result.status) ?? 0) + 1);

  return (
    <Dialog title="Replay matching events" onClose={props.onClose} wide={results !== undefined}>
      {results === undefined ? (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            if (limitValid) replay.mutate();
          }}
        >
          <p>
            This runs the mappings again for at most{' '}
            <strong>{limitValid ? limitNumber : '…'}</strong> events of {props.sourceKey} ·{' '}
            {props.environment}, oldest first, that match:{' '}
            {described.length > 0 ? described.join(', ') : 'all events (no filter is set)'}.
          </p>
          {providerEventId ? (
            <p className="notice-warn">
              The provider event id filter does not apply to replays. To replay only that event,
              open it and press “Replay”.
            </p>
          ) : null}
          <p className="muted">
            Each replay is a new run in the action log. Identify and set actions merge, and workflow
            triggers carry an idempotency key, so effects are not duplicated.
          </p>
          <Field
            label="Maximum events"
            hint={`From 1 to ${MAX_REPLAY}.`}
            error={limitValid ? undefined : `Enter a whole number from 1 to ${MAX_REPLAY}.`}
          >
            {(id, describedBy) => (
              <input
                id={id}
                type="number"
                min={1}
                max={MAX_REPLAY}
                step={1}
                value={limit}
                aria-describedby={describedBy}
                onChange={(event) => setLimit(event.target.value)}
                data-autofocus
              />
            )}
          </Field>
          <ErrorMessage error={replay.error} />
          <div className="actions dialog-actions">
            <button type="submit" disabled={!limitValid || replay.isPending}>
              {replay.isPending ? 'Replaying…' : 'Replay events'}
            </button>
            <button type="button" className="secondary" onClick={props.onClose}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <>
          <p role="status">
            {results.length === 0
              ? 'No stored event matched, so nothing was replayed.'
              : `Replayed ${results.length} ${results.length === 1 ? 'event' : 'events'}: ` +
                [...counts]
                  .map(([status, count]) => `${count} ${status.replace(/_/g, ' ')}`)
                  .join(', ') +
                '.'}
          </p>
          {results.length > 0 ? (
            <div className="table-wrap replay-results">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Event</th>
                    <th scope="col">Result</th>
                    <th scope="col">Actions</th>
                    <th scope="col">Error</th>
                  </tr>
                </thead>
                <tbody>
                  {results.map((result) => (
                    <tr key={result.event_id}>
                      <td>
                        <Link to={eventLogUrl(props.sourceKey, props.environment, result.event_id)}>
                          <code>{result.event_id}</code>
                        </Link>
                      </td>
                      <td>
                        <StatusBadge status={result.status} />
                      </td>
                      <td>
                        {result.actions} {result.actions === 1 ? 'action' : 'actions'}
                        {result.failed_actions > 0 ? `, ${result.failed_actions} failed` : ''}
                      </td>
                      <td>{result.error ?? <span className="muted">—</span>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
          <div className="actions dialog-actions">
            <button type="button" onClick={props.onClose} autoFocus>
              Done
            </button>
          </div>
        </>
      )}
    </Dialog>
  );
}

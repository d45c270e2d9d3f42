import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../api';
import {
  EmptyState,
  ErrorMessage,
  Field,
  Loading,
  StatusBadge,
  Switch,
  Time,
} from '../components/ui';
import {
  useProviderEventTypes,
  useSeenEventTypes,
  type CatalogueEventType,
  type SeenEventType,
} from './event-types';
import { environmentPath } from './events';
import { storeEnvironment } from './source-shared';
import { providerName, sourceQueryKey, type Source, type SourceEnvironment } from './sources';

type EventTypeFilter = 'all' | 'received' | 'disabled';

interface EventTypeRow {
  type: string;
  description: string | null;
  count: number;
  lastReceivedAt: string | null;
  enabled: boolean;
}

export function EventTypesTab(props: { source: Source; view: SourceEnvironment }) {
  const { source, view } = props;
  const client = useQueryClient();
  const path = environmentPath(source.key, view.environment);
  const catalogue = useProviderEventTypes(source.provider);
  const seen = useSeenEventTypes(source.key, view.environment);
  const [search, setSearch] = useState('');
  const [show, setShow] = useState<EventTypeFilter>('all');

  const toggle = useMutation({
    mutationFn: (change: { type: string; enabled: boolean }) =>
      api<SourceEnvironment>(
        'PUT',
        path,
        change.enabled
          ? { enabled_event_types: [change.type] }
          : { disabled_event_types: [change.type] },
      ),
    onSuccess: (updated) => storeEnvironment(client, source.key, updated),
    onSettled: () => void client.invalidateQueries({ queryKey: sourceQueryKey(source.key) }),
  });

  if (catalogue.isPending || seen.isPending) return <Loading label="Loading event types…" />;
  if (catalogue.isError)
    return <ErrorMessage error={catalogue.error} onRetry={() => void catalogue.refetch()} />;
  if (seen.isError) return <ErrorMessage error={seen.error} onRetry={() => void seen.refetch()} />;

  const rows = mergeEventTypes(catalogue.data.data, seen.data.data, view.disabled_event_types);
  const needle = search.trim().toLowerCase();
  const visible = rows.filter(
    (row) =>
      (show === 'all' ||
        (show === 'received' && row.count > 0) ||
        (show === 'disabled' && !row.enabled)) &&
      (needle === '' ||
        row.type.toLowerCase().includes(needle) ||
        (row.description ?? '').toLowerCase().includes(needle)),
  );
  const receivedCount = rows.filter((row) => row.count > 0).length;
  const disabledCount = rows.filter((row) => !row.enabled).length;
  const pendingType = toggle.isPending ? toggle.variables.type : undefined;

  return (
    <>
      <p className="muted">
        Every event type {providerName(source.provider)} can send, with what this environment
        received. A switched-off type is still recorded in the event log, with status{' '}
        <StatusBadge status="skipped" />, and runs no actions.
      </p>
      <div className="toolbar">
        <Field label="Filter event types">
          {(id) => (
            <input
              id={id}
              type="search"
              placeholder="dsync.user"
              value={search}
              onChange={(event) => setSearch(event.target.value)}
            />
          )}
        </Field>
        <Field label="Show">
          {(id) => (
            <select
              id={id}
              value={show}
              onChange={(event) => setShow(event.target.value as EventTypeFilter)}
            >
              <option value="all">All ({rows.length})</option>
              <option value="received">Received ({receivedCount})</option>
              <option value="disabled">Switched off ({disabledCount})</option>
            </select>
          )}
        </Field>
      </div>
      <ErrorMessage error={toggle.error} />
      {visible.length === 0 ? (
        <EmptyState title="No event types match">
          {show === 'received' && receivedCount === 0
            ? 'This environment has not received any event yet. Send a test event from the Setup tab.'
            : show === 'disabled' && disabledCount === 0
              ? 'Every event type is switched on.'
              : 'Change the filter text or choose “All”.'}
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table aria-label="Event types" className="source-event-types">
            <thead>
              <tr>
                <th scope="col">Event type</th>
                <th scope="col" className="source-wide-only">
                  Description
                </th>
                <th scope="col" className="source-count">
                  Received
                </th>
                <th scope="col" className="source-wide-only">
                  Last received
                </th>
                <th scope="col">Enabled</th>
              </tr>
            </thead>
            <tbody>
              {visible.map((row) => (
                <tr key={row.type} className={row.enabled ? undefined : 'source-disabled-row'}>
                  <td>
                    <code>{breakAtSeparators(row.type)}</code>
                    <div className="source-narrow-only muted">
                      <EventTypeDescription description={row.description} />
                    </div>
                  </td>
                  <td className="source-wide-only">
                    <EventTypeDescription description={row.description} />
                  </td>
                  <td className="source-count">{row.count.toLocaleString()}</td>
                  <td className="source-wide-only">
                    {row.lastReceivedAt ? <Time value={row.lastReceivedAt} /> : '–'}
                  </td>
                  <td>
                    <Switch
                      label={`Enable ${row.type}`}
                      hideLabel
                      checked={pendingType === row.type ? toggle.variables!.enabled : row.enabled}
                      disabled={pendingType === row.type}
                      onChange={(enabled) => toggle.mutate({ type: row.type, enabled })}
                    />
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

function EventTypeDescription(props: { description: string | null }) {
  if (props.description !== null) return <>{props.description}</>;
  return (
    <span className="muted">
      Not in the provider's catalogue. Events of this type are recorded as ignored while the type is
      switched on.
    </span>
  );
}

/** Lets a long event type name wrap after its dots and underscores, not inside a word. */
function breakAtSeparators(type: string) {
  return type.split(/(?<=[._])/).map((part, index) => (
    <span key={index}>
      {index > 0 ? <wbr /> : null}
      {part}
    </span>
  ));
}

/**
 * Joins the provider's catalogue with the types this environment received. Received types come
 * first, most recent first, then the rest in catalogue order. Received types missing from the
 * catalogue are kept, because the provider may have added them since.
 */
function mergeEventTypes(
  catalogue: CatalogueEventType[],
  seen: SeenEventType[],
  disabled: string[],
): EventTypeRow[] {
  const seenByType = new Map(seen.map((item) => [item.event_type, item]));
  const disabledTypes = new Set(disabled);
  const known = new Set(catalogue.map((item) => item.type));
  const row = (type: string, description: string | null): EventTypeRow => ({
    type,
    description,
    count: seenByType.get(type)?.count ?? 0,
    lastReceivedAt: seenByType.get(type)?.last_received_at ?? null,
    enabled: !disabledTypes.has(type),
  });
  const rows = [
    ...catalogue.map((item) => row(item.type, item.description)),
    ...seen.filter((item) => !known.has(item.event_type)).map((item) => row(item.event_type, null)),
    // A type switched off before it was received or catalogued still needs its switch.
    ...disabled
      .filter((type) => !known.has(type) && !seenByType.has(type))
      .map((type) => row(type, null)),
  ];
  const received = rows
    .filter((item) => item.lastReceivedAt !== null)
    .sort((a, b) => (b.lastReceivedAt ?? '').localeCompare(a.lastReceivedAt ?? ''));
  return [...received, ...rows.filter((item) => item.lastReceivedAt === null)];
}

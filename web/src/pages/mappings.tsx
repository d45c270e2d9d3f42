import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useMemo, useState } from 'react';
import { Link } from 'react-router';
import { api, seg } from '../api';
import {
  Dialog,
  EmptyState,
  ErrorMessage,
  Field,
  Loading,
  StatusBadge,
  Switch,
} from '../components/ui';
import { useProviderEventTypes } from './event-types';
import { environmentPath } from './events';
import { MappingEditor, summarizeSpec, type Condition, type MappingView } from './mapping-editor';
import { providerName, useSource } from './sources';

interface ProviderDefault {
  key: string;
  event_type: string;
  action_type: string;
}

function summarizeParameters(parameters: Record<string, unknown>): string {
  const entries = Object.entries(parameters);
  if (entries.length === 0) return 'no parameters';
  return entries.map(([name, spec]) => `${name} ← ${summarizeSpec(spec)}`).join('; ');
}

function summarizeConditions(conditions: Condition[]): string {
  return conditions
    .map((condition) => {
      const value = condition.value === undefined ? '' : ` ${JSON.stringify(condition.value)}`;
      return `${condition.path} ${condition.operator.replace(/_/g, ' ')}${value}`;
    })
    .join(' and ');
}

const mappingLabel = (mapping: { event_type: string; action_type: string }) =>
  `${mapping.event_type} → ${mapping.action_type}`;

function describeDefaults(missing: number, total: number, providerKey: string): string {
  const provider = providerName(providerKey);
  if (missing === 0) return `All ${total} ${provider} default mappings are installed.`;
  const verb = missing === 1 ? 'is' : 'are';
  return `${missing} of the ${total} ${provider} default mappings ${verb} not installed.`;
}

/**
 * Returns whether the mapping at `index` can swap with its neighbour in direction `step`. The
 * server orders mappings by action type first, so only neighbours with the same action swap.
 */
function canSwap(group: MappingView[], index: number, step: -1 | 1): boolean {
  const neighbour = group[index + step];
  return neighbour !== undefined && neighbour.action_type === group[index]?.action_type;
}

type EditorTarget = { mapping: MappingView } | { eventType: string };

/** Warns when a mapping triggers or cancels a workflow that does not exist, with a link to create it. */
function MissingWorkflowNotice(props: { mapping: MappingView; known: Set<string> | undefined }) {
  const spec = props.mapping.parameters.workflow;
  const key =
    typeof spec === 'object' && spec !== null && 'literal' in spec ? spec.literal : undefined;
  if (typeof key !== 'string' || props.known === undefined || props.known.has(key)) return null;
  return (
    <p className="notice-warn">
      Workflow <code>{key}</code> does not exist yet, so this action fails until it does.{' '}
      <Link to={`/workflows/new?key=${encodeURIComponent(key)}`}>Create it</Link>
    </p>
  );
}

/**
 * Lists the mappings of one source environment, grouped by event type in execution order, with an
 * editor that previews a mapping against stored events before it is saved.
 */
export function MappingsPanel(props: { sourceKey: string; environment: string; provider: string }) {
  const { sourceKey, environment, provider } = props;
  const client = useQueryClient();
  const base = `${environmentPath(sourceKey, environment)}/mappings`;
  const mappingsKey = ['mappings', sourceKey, environment];
  const filterId = useId();
  const [filter, setFilter] = useState('');
  const [editing, setEditing] = useState<EditorTarget | null>(null);
  const [deleting, setDeleting] = useState<MappingView | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const mappings = useQuery({
    queryKey: mappingsKey,
    queryFn: () => api<{ data: MappingView[] }>('GET', base),
  });
  const catalogue = useProviderEventTypes(provider);
  const defaults = useQuery({
    queryKey: ['default-mappings', provider],
    queryFn: () =>
      api<{ data: ProviderDefault[] }>('GET', `/v1/providers/${seg(provider)}/default-mappings`),
    retry: false,
  });

  const source = useSource(sourceKey);
  const disabledTypes = new Set(
    source.data?.environments.find((entry) => entry.environment === environment)
      ?.disabled_event_types ?? [],
  );
  const workflows = useQuery({
    queryKey: ['workflows'],
    queryFn: () => api<{ data: { key: string }[] }>('GET', '/v1/workflows'),
  });
  const knownWorkflows = workflows.data
    ? new Set(workflows.data.data.map((workflow) => workflow.key))
    : undefined;

  const refresh = () => client.invalidateQueries({ queryKey: mappingsKey });
  const toggle = useMutation({
    mutationFn: (input: { mapping: MappingView; active: boolean }) =>
      api<MappingView>('PATCH', `${base}/${seg(input.mapping.id)}`, { active: input.active }),
    onSuccess: () => void refresh(),
  });
  const reorder = useMutation({
    mutationFn: (input: { eventType: string; ids: string[] }) =>
      api<{ data: MappingView[] }>('POST', `${base}/reorder`, {
        event_type: input.eventType,
        mapping_ids: input.ids,
      }),
    onSuccess: () => void refresh(),
  });
  const install = useMutation({
    mutationFn: () => api<{ data: MappingView[] }>('POST', `${base}/defaults`),
    onSuccess: (result) => {
      const count = result.data.length;
      setNotice(
        count === 0
          ? 'Every provider default is already installed.'
          : `Installed ${count} default ${count === 1 ? 'mapping' : 'mappings'}.`,
      );
      void refresh();
    },
  });
  const rowError = toggle.error ?? reorder.error;

  const list = mappings.data?.data ?? [];
  const groups = useMemo(() => {
    const needle = filter.trim().toLowerCase();
    const byType = new Map<string, MappingView[]>();
    for (const mapping of list) {
      if (needle !== '' && !mapping.event_type.toLowerCase().includes(needle)) continue;
      byType.set(mapping.event_type, [...(byType.get(mapping.event_type) ?? []), mapping]);
    }
    return [...byType.entries()];
  }, [list, filter]);
  const mappedTypes = useMemo(() => [...new Set(list.map((m) => m.event_type))], [list]);
  const descriptions = useMemo(
    () => new Map((catalogue.data?.data ?? []).map((type) => [type.type, type.description])),
    [catalogue.data],
  );

  const installed = new Set(list.map((mapping) => mapping.default_key));
  const missingDefaults = defaults.data?.data.filter((entry) => !installed.has(entry.key));

  const move = (group: MappingView[], index: number, step: -1 | 1) => {
    const ids = group.map((mapping) => mapping.id);
    const [moved] = ids.splice(index, 1);
    if (moved === undefined) return;
    ids.splice(index + step, 0, moved);
    const eventType = group[0]?.event_type;
    if (eventType !== undefined) reorder.mutate({ eventType, ids });
  };

  const addMapping = () => {
    setNotice(null);
    const exact = mappedTypes.find((type) => type === filter.trim());
    setEditing({ eventType: exact ?? '' });
  };

  return (
    <section className="mappings-panel" aria-labelledby={`${filterId}-title`}>
      <div className="page-header">
        <div>
          <h2 id={`${filterId}-title`}>Mappings</h2>
          <p className="muted">
            When an event arrives, the active mappings of its type run their actions in the order
            listed here. Action types always run in a fixed order (users, then objects, tenants,
            subscriptions, audiences and workflows), so Up and Down reorder mappings that share an
            action.
          </p>
        </div>
        <div className="actions">
          <button type="button" onClick={addMapping}>
            Add mapping
          </button>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setNotice(null);
              install.mutate();
            }}
            disabled={install.isPending}
          >
            {install.isPending ? 'Installing…' : 'Install missing defaults'}
          </button>
        </div>
      </div>
      {missingDefaults !== undefined ? (
        <p className="muted">
          {describeDefaults(missingDefaults.length, defaults.data?.data.length ?? 0, provider)}
        </p>
      ) : null}
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      <ErrorMessage error={install.error} />

      <div className="toolbar">
        <Field label="Event type" hint="Shows the event types that contain this text.">
          {(id, describedBy) => (
            <>
              <input
                id={id}
                type="search"
                list={`${filterId}-types`}
                value={filter}
                aria-describedby={describedBy}
                onChange={(event) => setFilter(event.target.value)}
              />
              <datalist id={`${filterId}-types`}>
                {mappedTypes.map((type) => (
                  <option key={type} value={type} />
                ))}
              </datalist>
            </>
          )}
        </Field>
      </div>

      <ErrorMessage error={rowError} />
      {mappings.isPending ? (
        <Loading label="Loading mappings…" />
      ) : mappings.isError ? (
        <ErrorMessage error={mappings.error} onRetry={() => void mappings.refetch()} />
      ) : list.length === 0 ? (
        <EmptyState
          title="No mappings yet"
          action={
            <button type="button" onClick={addMapping}>
              Add mapping
            </button>
          }
        >
          A mapping runs an action, such as identifying a user or triggering a workflow, whenever an
          event of one type arrives. Add one, or install the provider defaults with “Install missing
          defaults” above.
        </EmptyState>
      ) : groups.length === 0 ? (
        <EmptyState title="No mappings match this filter">
          No event type with mappings contains “{filter.trim()}”. Clear the filter, or add a mapping
          for that event type.
        </EmptyState>
      ) : (
        groups.map(([eventType, group]) => (
          <section
            key={eventType}
            className="mapping-group"
            aria-label={`Mappings for ${eventType}`}
          >
            <h3>
              <code>{eventType}</code>
              {disabledTypes.has(eventType) ? (
                <>
                  {' '}
                  <StatusBadge status="disabled" />
                </>
              ) : null}
            </h3>
            {disabledTypes.has(eventType) ? (
              <p className="notice-warn">
                This event type is switched off, so its events are recorded as skipped and these
                mappings do not run. Switch it on in the{' '}
                <Link to={`/sources/${seg(sourceKey)}/${seg(environment)}/event-types`}>
                  Event types
                </Link>{' '}
                tab.
              </p>
            ) : null}
            {descriptions.get(eventType) ? (
              <p className="muted mapping-type-description">{descriptions.get(eventType)}</p>
            ) : null}
            <ol className="mapping-list">
              {group.map((mapping, index) => (
                <li
                  key={mapping.id}
                  className={`mapping-item ${mapping.active ? '' : 'inactive'}`}
                  aria-label={mappingLabel(mapping)}
                >
                  <div className="mapping-main">
                    <div className="mapping-title">
                      <code className="action-type">{mapping.action_type}</code>
                      {mapping.default_key ? (
                        <span className="badge" title={`Provider default ${mapping.default_key}`}>
                          default
                        </span>
                      ) : null}
                      {mapping.active ? null : <StatusBadge status="disabled" />}
                    </div>
                    <p className="mapping-summary" title={summarizeParameters(mapping.parameters)}>
                      {summarizeParameters(mapping.parameters)}
                    </p>
                    <MissingWorkflowNotice mapping={mapping} known={knownWorkflows} />
                    {mapping.conditions.length > 0 ? (
                      <p
                        className="mapping-summary muted"
                        title={summarizeConditions(mapping.conditions)}
                      >
                        Only when {summarizeConditions(mapping.conditions)}
                      </p>
                    ) : null}
                  </div>
                  <div className="mapping-controls">
                    <Switch
                      checked={mapping.active}
                      label={`Active: ${mappingLabel(mapping)}`}
                      hideLabel
                      disabled={toggle.isPending}
                      onChange={(active) => toggle.mutate({ mapping, active })}
                    />
                    {group.length > 1 ? (
                      <>
                        <button
                          type="button"
                          className="secondary"
                          aria-label="Move up"
                          disabled={!canSwap(group, index, -1) || reorder.isPending}
                          onClick={() => move(group, index, -1)}
                        >
                          Up
                        </button>
                        <button
                          type="button"
                          className="secondary"
                          aria-label="Move down"
                          disabled={!canSwap(group, index, 1) || reorder.isPending}
                          onClick={() => move(group, index, 1)}
                        >
                          Down
                        </button>
                      </>
                    ) : null}
                    <button
                      type="button"
                      className="secondary"
                      onClick={() => {
                        setNotice(null);
                        setEditing({ mapping });
                      }}
                    >
                      Edit
                    </button>
                    <button type="button" className="danger" onClick={() => setDeleting(mapping)}>
                      Delete
                    </button>
                  </div>
                </li>
              ))}
            </ol>
          </section>
        ))
      )}

      {editing ? (
        <MappingEditor
          sourceKey={sourceKey}
          environment={environment}
          provider={provider}
          mapping={'mapping' in editing ? editing.mapping : undefined}
          initialEventType={'eventType' in editing ? editing.eventType : ''}
          onClose={() => setEditing(null)}
          onSaved={(saved) => {
            setEditing(null);
            setNotice(`Saved the mapping ${mappingLabel(saved)}.`);
            void refresh();
          }}
        />
      ) : null}
      {deleting ? (
        <DeleteMappingDialog
          path={`${base}/${seg(deleting.id)}`}
          mapping={deleting}
          onClose={() => setDeleting(null)}
          onDeleted={() => {
            setDeleting(null);
            setNotice(`Deleted the mapping ${mappingLabel(deleting)}.`);
            void refresh();
          }}
        />
      ) : null}
    </section>
  );
}

function DeleteMappingDialog(props: {
  path: string;
  mapping: MappingView;
  onClose: () => void;
  onDeleted: () => void;
}) {
  const remove = useMutation({
    mutationFn: () => api('DELETE', props.path),
    onSuccess: props.onDeleted,
  });
  return (
    <Dialog title="Delete mapping" onClose={props.onClose}>
      <p>
        Delete the mapping <code>{mappingLabel(props.mapping)}</code>? Events that arrive afterwards
        no longer run it. Stored events and their action logs stay.
      </p>
      {props.mapping.default_key ? (
        <p className="muted">
          It is a provider default, so “Install missing defaults” can add it back later.
        </p>
      ) : null}
      <ErrorMessage error={remove.error} />
      <div className="actions dialog-actions">
        <button
          type="button"
          className="danger"
          onClick={() => remove.mutate()}
          disabled={remove.isPending}
        >
          {remove.isPending ? 'Deleting…' : 'Delete mapping'}
        </button>
        <button type="button" className="secondary" onClick={props.onClose} data-autofocus>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}

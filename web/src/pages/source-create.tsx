import { useMutation, useQuery, useQueryClient, type UseQueryResult } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, ApiError, seg } from '../api';
import { ErrorMessage, Field, Loading, PageHeader, Switch } from '../components/ui';
import { providerName, sourceQueryKey, sourcesQueryKey, type Source } from './sources';

/** The providers the server supports. WorkOS is the only one so far. */
const PROVIDERS = ['workos'];

/** The server's rule for source keys (src/sources/source-service.ts). */
const KEY_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const KEY_MAX_LENGTH = 64;
const NAME_MAX_LENGTH = 200;
const DESCRIPTION_MAX_LENGTH = 2000;

interface Condition {
  path: string;
  operator: string;
  value?: unknown;
}

interface DefaultMapping {
  key: string;
  event_type: string;
  action_type: string;
  parameters: Record<string, unknown>;
  conditions?: Condition[] | null;
}

interface ActionType {
  action_type: string;
  description: string;
}

/** Thrown before the PUT when the key is taken, because a PUT would update that source. */
class KeyTakenError extends Error {
  constructor(readonly key: string) {
    super(`A source with key "${key}" exists. Choose another key, or open the existing source.`);
    this.name = 'KeyTakenError';
  }
}

/** Derives a key from a name: "Acme WorkOS (EU)" becomes "acme-workos-eu". */
function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[-_]+/, '')
    .slice(0, KEY_MAX_LENGTH)
    .replace(/-+$/, '');
}

function keyProblem(key: string): string | undefined {
  if (key === '') return 'Enter a key.';
  if (!KEY_PATTERN.test(key)) {
    return `Use 1 to ${KEY_MAX_LENGTH} lower-case letters, digits, "-" or "_", starting with a letter or digit.`;
  }
  return undefined;
}

export function CreateSourcePage() {
  const navigate = useNavigate();
  const client = useQueryClient();
  const [provider, setProvider] = useState('workos');
  const [name, setName] = useState('');
  const [key, setKey] = useState('');
  const [keyEdited, setKeyEdited] = useState(false);
  const [description, setDescription] = useState('');
  /** Keys of the default mappings the user switched off. Every other default is installed. */
  const [excluded, setExcluded] = useState<ReadonlySet<string>>(new Set());
  const [submitted, setSubmitted] = useState(false);
  const nameInput = useRef<HTMLInputElement>(null);
  const keyInput = useRef<HTMLInputElement>(null);

  const defaults = useQuery({
    queryKey: ['default-mappings', provider],
    queryFn: () =>
      api<{ data: DefaultMapping[] }>('GET', `/v1/providers/${seg(provider)}/default-mappings`),
  });

  const create = useMutation({
    mutationFn: async (sourceKey: string) => {
      try {
        await api<Source>('GET', `/v1/sources/${seg(sourceKey)}`);
        throw new KeyTakenError(sourceKey);
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 404)) throw error;
      }
      const selected = defaults.data?.data
        .map((mapping) => mapping.key)
        .filter((mappingKey) => !excluded.has(mappingKey));
      return api<Source>('PUT', `/v1/sources/${seg(sourceKey)}`, {
        name: name.trim(),
        provider,
        ...(description.trim() !== '' ? { description: description.trim() } : {}),
        // Without the list the server's default applies, which installs every default mapping.
        ...(selected !== undefined ? { default_mappings: selected } : {}),
      });
    },
    onError: (error) => {
      if (error instanceof KeyTakenError) keyInput.current?.focus();
    },
    onSuccess: (source) => {
      client.setQueryData(sourceQueryKey(source.key), source);
      void client.invalidateQueries({ queryKey: sourcesQueryKey });
      const first = source.environments[0]?.environment;
      void navigate(first ? `/sources/${seg(source.key)}/${seg(first)}` : '/sources');
    },
  });

  const effectiveKey = keyEdited ? key : slugify(name);
  const nameProblem = name.trim() === '' ? 'Enter a name.' : undefined;
  // A key problem shows as soon as the user types a key, but empty fields show theirs after submit.
  const shownKeyProblem = effectiveKey !== '' || submitted ? keyProblem(effectiveKey) : undefined;
  const keyTaken = create.error instanceof KeyTakenError ? create.error : null;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (nameProblem) return nameInput.current?.focus();
    if (keyProblem(effectiveKey)) return keyInput.current?.focus();
    create.mutate(effectiveKey);
  };

  return (
    <>
      <PageHeader
        title="Create source"
        subtitle="A source receives the webhooks of one provider account, with a webhook URL for each environment."
      />
      <form className="card source-create" onSubmit={submit} noValidate>
        <Field label="Provider" hint="The service that sends the webhooks.">
          {(id, describedBy) => (
            <select
              id={id}
              value={provider}
              aria-describedby={describedBy}
              onChange={(event) => {
                setProvider(event.target.value);
                setExcluded(new Set());
              }}
            >
              {PROVIDERS.map((value) => (
                <option key={value} value={value}>
                  {providerName(value)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          label="Name"
          hint="Shown in the dashboard, for example “Acme WorkOS”."
          error={submitted ? nameProblem : undefined}
        >
          {(id, describedBy) => (
            <input
              id={id}
              ref={nameInput}
              required
              maxLength={NAME_MAX_LENGTH}
              autoComplete="off"
              value={name}
              aria-describedby={describedBy}
              aria-invalid={submitted && nameProblem !== undefined}
              onChange={(event) => setName(event.target.value)}
            />
          )}
        </Field>
        <Field
          label="Key"
          hint={`Used in URLs and the CLI, and cannot change later. Lower-case letters, digits, "-" and "_".`}
          error={keyTaken ? keyTaken.message : shownKeyProblem}
        >
          {(id, describedBy) => (
            <input
              id={id}
              ref={keyInput}
              required
              maxLength={KEY_MAX_LENGTH}
              autoComplete="off"
              spellCheck={false}
              value={effectiveKey}
              aria-describedby={describedBy}
              aria-invalid={keyTaken !== null || shownKeyProblem !== undefined}
              onChange={(event) => {
                setKeyEdited(true);
                setKey(event.target.value);
                if (keyTaken) create.reset();
              }}
            />
          )}
        </Field>
        {keyTaken ? (
          <p className="source-key-taken">
            <Link to={`/sources/${seg(keyTaken.key)}`}>Open source “{keyTaken.key}”</Link>
          </p>
        ) : null}
        <Field
          label="Description"
          hint="Optional. A note for your team, such as the WorkOS account."
        >
          {(id, describedBy) => (
            <textarea
              id={id}
              rows={2}
              maxLength={DESCRIPTION_MAX_LENGTH}
              value={description}
              aria-describedby={describedBy}
              onChange={(event) => setDescription(event.target.value)}
            />
          )}
        </Field>

        <DefaultMappingsFieldset
          provider={provider}
          defaults={defaults}
          excluded={excluded}
          onChange={setExcluded}
        />

        {create.error && !keyTaken ? <ErrorMessage error={create.error} /> : null}
        <div className="actions">
          <button type="submit" disabled={create.isPending}>
            {create.isPending ? 'Creating…' : 'Create source'}
          </button>
          <Link to="/sources">Cancel</Link>
        </div>
      </form>
    </>
  );
}

function DefaultMappingsFieldset(props: {
  provider: string;
  defaults: UseQueryResult<{ data: DefaultMapping[] }>;
  excluded: ReadonlySet<string>;
  onChange: (excluded: ReadonlySet<string>) => void;
}) {
  const { defaults, excluded } = props;
  const actions = useQuery({
    queryKey: ['actions'],
    queryFn: () => api<{ data: ActionType[] }>('GET', '/v1/actions'),
    staleTime: Infinity,
  });
  const actionDescriptions = new Map(
    (actions.data?.data ?? []).map((action) => [action.action_type, action.description]),
  );
  const mappings = defaults.data?.data ?? [];
  const groups = groupByEventType(mappings);
  const selectedCount = mappings.filter((mapping) => !excluded.has(mapping.key)).length;

  const toggle = (mappingKey: string, on: boolean) => {
    const next = new Set(excluded);
    if (on) next.delete(mappingKey);
    else next.add(mappingKey);
    props.onChange(next);
  };

  return (
    <fieldset className="source-defaults">
      <legend>Default mappings</legend>
      <p className="hint">
        Mappings turn events into actions, such as creating a user when{' '}
        {providerName(props.provider)} reports a new directory user. The selected defaults are
        installed in every environment, and the Mappings tab can change them later.
      </p>
      {defaults.isPending ? <Loading label="Loading default mappings…" /> : null}
      {defaults.error ? (
        <>
          <ErrorMessage error={defaults.error} onRetry={() => void defaults.refetch()} />
          <p className="hint">
            Without this list, creating the source installs every default mapping of the provider.
          </p>
        </>
      ) : null}
      {defaults.data && mappings.length === 0 ? (
        <p className="muted">This provider has no default mappings.</p>
      ) : null}
      {mappings.length > 0 ? (
        <>
          <div className="actions source-defaults-actions">
            <button type="button" className="secondary" onClick={() => props.onChange(new Set())}>
              All on
            </button>
            <button
              type="button"
              className="secondary"
              onClick={() => props.onChange(new Set(mappings.map((mapping) => mapping.key)))}
            >
              All off
            </button>
            <span className="muted" aria-live="polite">
              {selectedCount} of {mappings.length} selected
            </span>
          </div>
          {groups.map(([eventType, group]) => (
            <section key={eventType} className="source-defaults-group" aria-label={eventType}>
              <h3>
                <code>{eventType}</code>
              </h3>
              <ul>
                {group.map((mapping) => (
                  <li key={mapping.key}>
                    <Switch
                      label={`${mapping.event_type} → ${mapping.action_type}`}
                      checked={!excluded.has(mapping.key)}
                      onChange={(on) => toggle(mapping.key, on)}
                    />
                    <MappingSummary
                      mapping={mapping}
                      actionDescription={actionDescriptions.get(mapping.action_type)}
                    />
                  </li>
                ))}
              </ul>
            </section>
          ))}
        </>
      ) : null}
    </fieldset>
  );
}

function MappingSummary(props: { mapping: DefaultMapping; actionDescription: string | undefined }) {
  const conditions = props.mapping.conditions ?? [];
  return (
    <p className="hint">
      {props.actionDescription ? `${props.actionDescription} ` : null}
      {conditions.length > 0 ? (
        <>
          Only when{' '}
          {conditions.map((condition, index) => (
            <span key={index}>
              {index > 0 ? ' and ' : null}
              <code>{describeCondition(condition)}</code>
            </span>
          ))}
          .
        </>
      ) : null}
    </p>
  );
}

function describeCondition(condition: Condition): string {
  const operator = condition.operator.replace(/_/g, ' ');
  return condition.value === undefined
    ? `${condition.path} ${operator}`
    : `${condition.path} ${operator} ${JSON.stringify(condition.value)}`;
}

/** Groups mappings by event type, keeping the order in which each type first appears. */
function groupByEventType(mappings: DefaultMapping[]): [string, DefaultMapping[]][] {
  const groups = new Map<string, DefaultMapping[]>();
  for (const mapping of mappings) {
    const group = groups.get(mapping.event_type);
    if (group) group.push(mapping);
    else groups.set(mapping.event_type, [mapping]);
  }
  return [...groups.entries()];
}

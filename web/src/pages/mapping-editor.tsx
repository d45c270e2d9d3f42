import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import { useDebouncedValue } from '../hooks';
import { api, ApiError, query, seg, type Page } from '../api';
import { collectPaths, PathField, type PathSuggestion } from '../components/path-field';
import { Dialog, ErrorMessage, Field, Loading, Switch } from '../components/ui';
import { useProviderEventTypes, useSeenEventTypes } from './event-types';
import { environmentPath, type EventSummary } from './events';

/** A mapping as the API returns it: run `action_type` when an event of `event_type` arrives. */
export interface MappingView {
  id: string;
  event_type: string;
  action_type: string;
  parameters: Record<string, unknown>;
  conditions: Condition[];
  active: boolean;
  default_key: string | null;
  created_at: string;
  updated_at: string;
}

export interface Condition {
  path: string;
  operator: string;
  value?: unknown;
}

interface ActionInfo {
  action_type: string;
  description: string;
  parameters: string[];
  required: string[];
}

/** One action of a rehearsal: the values a mapping resolves for an event, and its errors. */
interface RehearsedAction {
  mapping_id: string | null;
  action_type: string;
  status: 'ok' | 'error' | 'skipped';
  reason?: string;
  resolved: Record<string, unknown> | null;
  errors: { field: string; message: string }[];
}

interface Rehearsal {
  event_type: string;
  status: 'ok' | 'error';
  actions: RehearsedAction[];
}

/** The mapping fields that preview and save send. */
interface MappingDraft {
  action_type: string;
  parameters: Record<string, unknown>;
  conditions: Condition[];
}

const CONDITION_OPERATORS = [
  'equal_to',
  'not_equal_to',
  'exists',
  'not_exists',
  'is_in',
  'not_in',
  'contains',
  'greater_than',
  'less_than',
];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Returns a short, readable form of a value spec for the mapping list. */
export function summarizeSpec(spec: unknown): string {
  if (typeof spec === 'string') return spec;
  if (!isRecord(spec)) return JSON.stringify(spec);
  if ('literal' in spec) return JSON.stringify(spec.literal);
  if ('path' in spec) {
    const fallback = 'default' in spec ? `, else ${JSON.stringify(spec.default)}` : '';
    return `${String(spec.path)}${fallback}`;
  }
  if ('first_of' in spec && Array.isArray(spec.first_of))
    return `first of (${spec.first_of.map(summarizeSpec).join(' | ')})`;
  if ('template' in spec) return `template ${JSON.stringify(spec.template)}`;
  if ('object' in spec && isRecord(spec.object))
    return `{ ${Object.keys(spec.object).join(', ')} }`;
  if ('find' in spec) {
    const where = isRecord(spec.where) ? ` where ${JSON.stringify(spec.where)}` : '';
    const select = typeof spec.select === 'string' ? ` → ${spec.select}` : '';
    return `find in ${String(spec.find)}${where}${select}`;
  }
  return JSON.stringify(spec);
}

/** Input mode of one parameter: an event path, a fixed text, or any value spec as JSON. */
type ParameterMode = 'path' | 'text' | 'json';

interface ParameterInput {
  mode: ParameterMode;
  text: string;
}

function specToInput(spec: unknown): ParameterInput {
  if (typeof spec === 'string') return { mode: 'path', text: spec };
  if (isRecord(spec) && Object.keys(spec).length === 1 && typeof spec.literal === 'string')
    return { mode: 'text', text: spec.literal };
  return { mode: 'json', text: JSON.stringify(spec, null, 2) };
}

/** Converts the text of a parameter when its mode changes, keeping the value where it can. */
function switchMode(input: ParameterInput, mode: ParameterMode): ParameterInput {
  if (input.mode === mode || input.text.trim() === '') return { mode, text: input.text };
  if (mode === 'json') {
    const spec = input.mode === 'path' ? input.text.trim() : { literal: input.text };
    return { mode, text: JSON.stringify(spec) };
  }
  if (input.mode === 'json') {
    try {
      const converted = specToInput(JSON.parse(input.text));
      if (converted.mode === mode) return converted;
    } catch {
      // Text that is not JSON stays as typed.
    }
  }
  return { mode, text: input.text };
}

/** Returns the value spec of a parameter, undefined when it is empty, or throws for bad JSON. */
function inputToSpec(input: ParameterInput): unknown {
  if (input.mode === 'text') return input.text === '' ? undefined : { literal: input.text };
  const text = input.text.trim();
  if (text === '') return undefined;
  if (input.mode === 'path') return text;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`Invalid JSON: ${(error as Error).message}`);
  }
}

function parseConditions(text: string): Condition[] {
  if (text.trim() === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`Invalid JSON: ${(error as Error).message}`);
  }
  if (isRecord(parsed)) return [parsed as unknown as Condition];
  if (!Array.isArray(parsed))
    throw new Error(
      'Invalid conditions: expected a JSON list of objects with path, operator and value.',
    );
  return parsed as Condition[];
}

/** Field keys of the editor, used to place API validation errors. */
type FieldKey = 'event_type' | 'action_type' | 'conditions' | `parameter:${string}`;

/**
 * Places the messages of a validation error at the fields they name. The API lists problems as
 * "parameters.email: …" strings in `details`, or names the field in an "Invalid body:
 * body/action_type …" message.
 */
function fieldErrorsFrom(error: unknown): Partial<Record<FieldKey, string>> {
  if (!(error instanceof ApiError)) return {};
  const messages: string[] = [];
  if (Array.isArray(error.details))
    messages.push(...error.details.filter((item): item is string => typeof item === 'string'));
  if (isRecord(error.details) && Array.isArray(error.details.errors)) {
    for (const item of error.details.errors)
      if (isRecord(item)) messages.push(`${String(item.path)}: ${String(item.message)}`);
  }
  const bodyField = /body\/(\w+)/.exec(error.message);
  if (messages.length === 0 && bodyField) messages.push(`${bodyField[1]}: ${error.message}`);

  const errors: Partial<Record<FieldKey, string>> = {};
  const add = (key: FieldKey, message: string) => {
    errors[key] = errors[key] ? `${errors[key]} ${message}` : message;
  };
  for (const message of messages) {
    const parameter = /^parameters\.([^.[:\s]+)/.exec(message);
    if (parameter?.[1]) add(`parameter:${parameter[1]}`, message);
    else if (message.startsWith('conditions')) add('conditions', message);
    else if (message.startsWith('event_type')) add('event_type', message);
    else if (message.startsWith('action_type')) add('action_type', message);
  }
  return errors;
}

/** Payload of a preview: a stored event, the recorded sample of the type, or a pasted body. */
type PreviewTarget = { kind: 'event'; id: string } | { kind: 'sample' } | { kind: 'pasted' };

export function MappingEditor(props: {
  sourceKey: string;
  environment: string;
  provider: string;
  mapping: MappingView | undefined;
  initialEventType: string;
  onClose: () => void;
  onSaved: (mapping: MappingView) => void;
}) {
  const { mapping } = props;
  const envPath = environmentPath(props.sourceKey, props.environment);
  const formId = useId();
  const [eventType, setEventType] = useState(mapping?.event_type ?? props.initialEventType);
  const [actionType, setActionType] = useState(mapping?.action_type ?? '');
  const [inputs, setInputs] = useState<Record<string, ParameterInput>>(() =>
    Object.fromEntries(
      Object.entries(mapping?.parameters ?? {}).map(([name, spec]) => [name, specToInput(spec)]),
    ),
  );
  const [conditionsText, setConditionsText] = useState(
    mapping && mapping.conditions.length > 0 ? JSON.stringify(mapping.conditions, null, 2) : '',
  );
  const [active, setActive] = useState(mapping?.active ?? true);
  const [localErrors, setLocalErrors] = useState<Partial<Record<FieldKey, string>>>({});
  // A message about a field goes away once that field changes; the rest stay until checked again.
  const clearError = (key: FieldKey) =>
    setLocalErrors((errors) => {
      if (!(key in errors)) return errors;
      const { [key]: _cleared, ...rest } = errors;
      return rest;
    });
  useEffect(() => clearError('event_type'), [eventType]);
  useEffect(() => clearError('action_type'), [actionType]);
  useEffect(() => clearError('conditions'), [conditionsText]);

  const actions = useQuery({
    queryKey: ['actions'],
    queryFn: () => api<{ data: ActionInfo[] }>('GET', '/v1/actions'),
    staleTime: Infinity,
  });
  const catalogue = useProviderEventTypes(props.provider);
  const action = actions.data?.data.find((candidate) => candidate.action_type === actionType);
  const trimmedType = eventType.trim();
  const catalogueEntry = catalogue.data?.data.find((type) => type.type === trimmedType);

  const samples = useSamples(props.sourceKey, props.environment, props.provider, trimmedType);
  const [previewChoice, setPreviewChoice] = useState<string>('');
  const [pastedText, setPastedText] = useState('');
  const pasted = useMemo(() => {
    if (pastedText.trim() === '') return { value: undefined, error: undefined };
    try {
      const value: unknown = JSON.parse(pastedText);
      if (!isRecord(value))
        return { value: undefined, error: 'The payload must be a JSON object.' };
      return { value, error: undefined };
    } catch (error) {
      return { value: undefined, error: `Invalid JSON: ${(error as Error).message}` };
    }
  }, [pastedText]);
  const target = resolvePreviewTarget(previewChoice, samples.events, samples.sample !== undefined);
  const suggestionSource =
    target.kind === 'pasted' && pasted.value !== undefined ? pasted.value : samples.sample;
  const suggestions = useMemo(() => collectPaths(suggestionSource), [suggestionSource]);

  /** Builds the mapping from the form, recording a message per field that cannot be read. */
  const buildDraft = (): MappingDraft | null => {
    const errors: Partial<Record<FieldKey, string>> = {};
    const parameters: Record<string, unknown> = {};
    for (const name of action?.parameters ?? []) {
      const input = inputs[name];
      if (input === undefined) continue;
      try {
        const spec = inputToSpec(input);
        if (spec !== undefined) parameters[name] = spec;
      } catch (error) {
        errors[`parameter:${name}`] = (error as Error).message;
      }
    }
    let conditions: Condition[] = [];
    try {
      conditions = parseConditions(conditionsText);
    } catch (error) {
      errors.conditions = (error as Error).message;
    }
    if (actionType === '') errors.action_type = 'Choose the action this mapping runs.';
    setLocalErrors(errors);
    return Object.keys(errors).length > 0
      ? null
      : { action_type: actionType, parameters, conditions };
  };

  const save = useMutation({
    mutationFn: (draft: MappingDraft) => {
      const body = { event_type: trimmedType, ...draft, active };
      return mapping
        ? api<MappingView>('PATCH', `${envPath}/mappings/${seg(mapping.id)}`, body)
        : api<MappingView>('POST', `${envPath}/mappings`, body);
    },
    onSuccess: props.onSaved,
  });

  const preview = useMutation({
    mutationFn: (draft: MappingDraft) => {
      const body =
        target.kind === 'event'
          ? { event_id: target.id, mapping: draft }
          : {
              event_type: trimmedType,
              body: target.kind === 'sample' ? samples.sample : pasted.value,
              mapping: draft,
            };
      return api<Rehearsal>('POST', `${envPath}/rehearse`, body);
    },
  });
  const previewedDraft = preview.variables;
  const currentDraftJson = JSON.stringify({
    actionType,
    inputs,
    conditionsText,
    target,
    pastedText,
  });
  const [previewedJson, setPreviewedJson] = useState<string | null>(null);
  const formJson = JSON.stringify({ eventType, actionType, inputs, conditionsText, active });
  const [openedJson] = useState(formJson);
  const close = () => {
    const unsaved = formJson !== openedJson;
    if (!unsaved || window.confirm('Discard the changes to this mapping?')) props.onClose();
  };

  const apiErrors = fieldErrorsFrom(save.error);
  const errorFor = (key: FieldKey) => localErrors[key] ?? apiErrors[key];
  const unplacedSaveError =
    save.error && Object.keys(apiErrors).length === 0 ? save.error : undefined;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (trimmedType === '') {
      buildDraft();
      setLocalErrors((errors) => ({ ...errors, event_type: 'Enter the event type.' }));
      return;
    }
    const draft = buildDraft();
    if (draft) save.mutate(draft);
  };

  const runPreview = () => {
    const draft = buildDraft();
    if (draft === null) return;
    if (target.kind === 'pasted' && pasted.value === undefined) return;
    setPreviewedJson(currentDraftJson);
    preview.mutate(draft);
  };

  return (
    <Dialog title={mapping ? 'Edit mapping' : 'Add mapping'} onClose={close} wide>
      <form id={formId} className="mapping-editor" onSubmit={submit} noValidate>
        {mapping?.default_key ? (
          <p className="muted">
            This mapping is the provider default <code>{mapping.default_key}</code>. Your changes
            stay: installing defaults only adds defaults that are missing.
          </p>
        ) : null}
        <Field
          label="Event type"
          hint={
            catalogueEntry
              ? catalogueEntry.description
              : trimmedType !== '' && catalogue.data
                ? `Not in the ${props.provider} catalogue. Events of unknown types are recorded as ignored and run no mappings.`
                : `Type or pick an event type from the ${props.provider} catalogue, such as dsync.user.created.`
          }
          error={errorFor('event_type')}
        >
          {(id, describedBy) => (
            <>
              <input
                id={id}
                type="text"
                list={`${formId}-catalogue`}
                value={eventType}
                spellCheck={false}
                autoComplete="off"
                aria-describedby={describedBy}
                aria-invalid={errorFor('event_type') ? true : undefined}
                onChange={(event) => setEventType(event.target.value)}
                data-autofocus
              />
              <datalist id={`${formId}-catalogue`}>
                {(catalogue.data?.data ?? []).map((type) => (
                  <option key={type.type} value={type.type}>
                    {type.description}
                  </option>
                ))}
              </datalist>
            </>
          )}
        </Field>
        <ErrorMessage error={catalogue.error} />

        <Field
          label="Action"
          hint={action?.description ?? 'What the mapping does with each event of this type.'}
          error={errorFor('action_type')}
        >
          {(id, describedBy) => (
            <select
              id={id}
              value={actionType}
              aria-describedby={describedBy}
              aria-invalid={errorFor('action_type') ? true : undefined}
              onChange={(event) => setActionType(event.target.value)}
            >
              <option value="">Choose an action</option>
              {(actions.data?.data ?? []).map((candidate) => (
                <option key={candidate.action_type} value={candidate.action_type}>
                  {candidate.action_type}
                </option>
              ))}
            </select>
          )}
        </Field>
        {actions.isPending ? <Loading label="Loading actions…" /> : null}
        <ErrorMessage error={actions.error} onRetry={() => void actions.refetch()} />

        {action ? (
          <fieldset className="parameters">
            <legend>Parameters</legend>
            <p className="hint">
              Each parameter reads a value from the event. Type a path such as{' '}
              <code>body.data.email</code>
              {suggestions.length > 0
                ? ' (the list offers the paths of a sample payload)'
                : ' (no sample payload of this type is stored, so there are no suggestions)'}
              , choose Text for a fixed value, or JSON for a value spec with <code>first_of</code>,{' '}
              <code>template</code>, <code>object</code> or <code>find</code>, as described in
              docs/mappings.md. Leave a parameter empty to leave it out.
            </p>
            {action.parameters.map((name) => (
              <ParameterRow
                key={name}
                name={name}
                required={action.required.includes(name)}
                input={inputs[name] ?? { mode: 'path', text: '' }}
                suggestions={suggestions}
                error={errorFor(`parameter:${name}`)}
                onChange={(input) => setInputs((current) => ({ ...current, [name]: input }))}
              />
            ))}
          </fieldset>
        ) : null}

        <Field
          label="Conditions (optional)"
          hint={
            <>
              A JSON list; the mapping runs only when every condition holds, for example{' '}
              <code>
                [{'{'}"path": "body.data.role.slug", "operator": "equal_to", "value": "admin"{'}'}]
              </code>
              . Operators: {CONDITION_OPERATORS.join(', ')}. <code>is_in</code> and{' '}
              <code>not_in</code> take a list, and <code>exists</code> and <code>not_exists</code>{' '}
              take no value. See “Conditions” in docs/mappings.md.
            </>
          }
          error={errorFor('conditions')}
        >
          {(id, describedBy) => (
            <textarea
              id={id}
              rows={4}
              spellCheck={false}
              value={conditionsText}
              aria-describedby={describedBy}
              aria-invalid={errorFor('conditions') ? true : undefined}
              onChange={(event) => setConditionsText(event.target.value)}
            />
          )}
        </Field>

        <div className="field">
          <Switch checked={active} onChange={setActive} label="Active" />
          <p className="hint">A mapping that is not active never runs.</p>
        </div>

        <section className="preview" aria-label="Preview">
          <h3>Preview</h3>
          <PreviewTargetPicker
            eventType={trimmedType}
            samples={samples}
            choice={target.kind === 'event' ? target.id : target.kind}
            onChoose={setPreviewChoice}
            pastedText={pastedText}
            pastedError={pasted.error}
            onPaste={setPastedText}
          />
          <div className="actions">
            <button
              type="button"
              className="secondary"
              onClick={runPreview}
              disabled={
                preview.isPending ||
                trimmedType === '' ||
                !samples.settled ||
                (target.kind === 'pasted' && pasted.value === undefined)
              }
            >
              {preview.isPending ? 'Previewing…' : 'Preview'}
            </button>
          </div>
          <ErrorMessage error={preview.error} />
          {preview.data && previewedDraft ? (
            <PreviewResult
              rehearsal={preview.data}
              draft={previewedDraft}
              parameterNames={action?.parameters ?? Object.keys(previewedDraft.parameters)}
              stale={previewedJson !== currentDraftJson}
            />
          ) : null}
        </section>

        <ErrorMessage error={unplacedSaveError} />
        {save.error && !unplacedSaveError ? (
          <p className="field-error" role="alert">
            The mapping was not saved: {Object.keys(apiErrors).length} field
            {Object.keys(apiErrors).length === 1 ? ' has' : 's have'} a problem, shown above.
          </p>
        ) : null}
        <div className="actions dialog-actions">
          <button type="submit" disabled={save.isPending}>
            {save.isPending ? 'Saving…' : 'Save mapping'}
          </button>
          <button type="button" className="secondary" onClick={close}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function ParameterRow(props: {
  name: string;
  required: boolean;
  input: ParameterInput;
  suggestions: PathSuggestion[];
  error: string | undefined;
  onChange: (input: ParameterInput) => void;
}) {
  const { input } = props;
  const text = input.text.trim();
  const sampleValue =
    input.mode === 'path' ? props.suggestions.find((item) => item.path === text) : undefined;
  const hint =
    input.mode === 'path' && text !== '' && !/^(body|headers)([.[]|$)/.test(text)
      ? 'Paths start with body or headers. For a fixed value, choose Text.'
      : sampleValue
        ? `In the sample: ${sampleValue.preview}`
        : input.mode === 'json'
          ? 'A value spec, such as {"first_of": ["body.data.email", "body.data.emails[0].value"]}.'
          : undefined;

  return (
    <Field
      label={props.required ? `${props.name} (required)` : props.name}
      hint={hint}
      error={props.error}
    >
      {(id, describedBy) => (
        <div className="parameter-input">
          {input.mode === 'path' ? (
            <PathField
              id={id}
              value={input.text}
              suggestions={props.suggestions}
              describedBy={describedBy}
              invalid={props.error !== undefined}
              placeholder="body.data.…"
              onChange={(value) => props.onChange({ mode: 'path', text: value })}
            />
          ) : input.mode === 'text' ? (
            <input
              id={id}
              type="text"
              value={input.text}
              aria-describedby={describedBy}
              aria-invalid={props.error ? true : undefined}
              onChange={(event) => props.onChange({ mode: 'text', text: event.target.value })}
            />
          ) : (
            <textarea
              id={id}
              rows={Math.min(10, Math.max(3, input.text.split('\n').length))}
              spellCheck={false}
              value={input.text}
              aria-describedby={describedBy}
              aria-invalid={props.error ? true : undefined}
              onChange={(event) => props.onChange({ mode: 'json', text: event.target.value })}
            />
          )}
          <select
            aria-label={`Value type of ${props.name}`}
            value={input.mode}
            onChange={(event) =>
              props.onChange(switchMode(input, event.target.value as ParameterMode))
            }
          >
            <option value="path">Path</option>
            <option value="text">Text</option>
            <option value="json">JSON</option>
          </select>
        </div>
      )}
    </Field>
  );
}

interface Samples {
  /** The last 20 stored events of the type, newest first. */
  events: EventSummary[];
  eventsLoading: boolean;
  eventsError: unknown;
  /** False while the typed event type is newer than the one the lists were loaded for. */
  settled: boolean;
  /**
   * A body of this event type: the recorded sample, else the latest stored event's body, else
   * the provider's shipped sample.
   */
  sample: unknown;
}

const PREVIEW_EVENTS = 20;

/** Loads what the editor needs to suggest paths and preview: recent events and a sample body. */
function useSamples(
  sourceKey: string,
  environment: string,
  provider: string,
  eventType: string,
): Samples {
  const envPath = environmentPath(sourceKey, environment);
  const settledType = useDebouncedValue(eventType, 300);
  const seen = useSeenEventTypes(sourceKey, environment);

  const recent = useQuery({
    queryKey: ['events', sourceKey, environment, 'recent', settledType],
    queryFn: () =>
      api<Page<EventSummary>>(
        'GET',
        `${envPath}/events${query({ event_type: settledType, limit: PREVIEW_EVENTS })}`,
      ),
    enabled: settledType !== '',
  });

  const recorded = seen.data?.data.find((type) => type.event_type === settledType)?.sample;
  const latestId = recent.data?.data[0]?.id;
  const latest = useQuery({
    queryKey: ['event', sourceKey, environment, latestId],
    queryFn: () => api<{ body: unknown }>('GET', `${envPath}/events/${seg(latestId ?? '')}`),
    enabled: latestId !== undefined && (recorded === null || recorded === undefined),
  });

  const stored = recorded ?? latest.data?.body ?? undefined;
  // With nothing received of this type yet, the provider's shipped sample still gives paths.
  const shipped = useQuery({
    queryKey: ['provider-sample', provider, settledType],
    queryFn: () =>
      api<{ body: unknown }>(
        'GET',
        `/v1/providers/${seg(provider)}/event-types/${seg(settledType)}/sample`,
      ),
    enabled:
      settledType !== '' &&
      seen.isSuccess &&
      recent.isSuccess &&
      recent.data.data.length === 0 &&
      (recorded === null || recorded === undefined),
    retry: false,
  });

  const sample = stored ?? shipped.data?.body ?? undefined;
  return {
    events: settledType === '' ? [] : (recent.data?.data ?? []),
    eventsLoading: settledType !== '' && recent.isPending,
    eventsError: recent.error,
    settled: settledType === eventType,
    sample: isRecord(sample) ? sample : undefined,
  };
}

/**
 * Returns the preview target for the value of the "Preview against" select. The empty value picks
 * the latest stored event, else the recorded sample, else a pasted payload.
 */
function resolvePreviewTarget(
  choice: string,
  events: EventSummary[],
  hasSample: boolean,
): PreviewTarget {
  if (choice === 'pasted') return { kind: 'pasted' };
  if (choice === 'sample' && hasSample) return { kind: 'sample' };
  const picked = events.find((event) => event.id === choice) ?? events[0];
  if (picked) return { kind: 'event', id: picked.id };
  return hasSample ? { kind: 'sample' } : { kind: 'pasted' };
}

function PreviewTargetPicker(props: {
  eventType: string;
  samples: Samples;
  choice: string;
  onChoose: (choice: string) => void;
  pastedText: string;
  pastedError: string | undefined;
  onPaste: (text: string) => void;
}) {
  const { samples } = props;
  if (props.eventType === '')
    return <p className="muted">Enter an event type to preview the mapping against its events.</p>;
  return (
    <>
      {samples.eventsLoading ? <Loading label="Loading stored events of this type…" /> : null}
      <ErrorMessage error={samples.eventsError} />
      {!samples.eventsLoading && samples.events.length === 0 ? (
        <p className="muted">
          No event of type <code>{props.eventType}</code> is stored in this environment yet.{' '}
          {samples.sample !== undefined
            ? 'You can preview against a sample payload of this type, or paste one.'
            : 'Send a test event from the setup tab of this environment, or paste a payload below.'}
        </p>
      ) : null}
      <Field
        label="Preview against"
        hint="Preview resolves the parameters against this payload without saving or running anything."
      >
        {(id, describedBy) => (
          <select
            id={id}
            value={props.choice}
            aria-describedby={describedBy}
            onChange={(event) => props.onChoose(event.target.value)}
          >
            {samples.events.map((event, index) => (
              <option key={event.id} value={event.id}>
                {index === 0 ? 'Latest: ' : ''}
                {event.provider_event_id ?? event.id} ·{' '}
                {new Date(event.received_at).toLocaleString()}
              </option>
            ))}
            {samples.events.length === 0 && samples.sample !== undefined ? (
              <option value="sample">A sample payload of this type</option>
            ) : null}
            <option value="pasted">A payload I paste</option>
          </select>
        )}
      </Field>
      {props.choice === 'pasted' ? (
        <Field
          label="Payload to preview against (JSON)"
          hint="The webhook body, as WorkOS would send it. Its paths are offered in the parameter fields."
          error={props.pastedError}
        >
          {(id, describedBy) => (
            <textarea
              id={id}
              rows={6}
              spellCheck={false}
              value={props.pastedText}
              aria-describedby={describedBy}
              onChange={(event) => props.onPaste(event.target.value)}
            />
          )}
        </Field>
      ) : null}
    </>
  );
}

function PreviewResult(props: {
  rehearsal: Rehearsal;
  draft: MappingDraft;
  parameterNames: string[];
  stale: boolean;
}) {
  const action = props.rehearsal.actions[0];
  if (action === undefined)
    return (
      <p className="notice-warn" role="status">
        The preview returned no action. The server may not support previewing unsaved mappings yet.
      </p>
    );

  const errorsByField = new Map<string, string[]>();
  for (const error of action.errors)
    errorsByField.set(error.field, [...(errorsByField.get(error.field) ?? []), error.message]);
  const names = props.parameterNames.filter(
    (name) =>
      name in props.draft.parameters ||
      errorsByField.has(name) ||
      (action.resolved !== null && name in action.resolved),
  );
  const otherErrors = action.errors.filter((error) => !props.parameterNames.includes(error.field));

  return (
    <div className="preview-result" role="status">
      {props.stale ? (
        <p className="notice-warn">The form changed after this preview; press Preview again.</p>
      ) : null}
      {action.status === 'skipped' ? (
        <p className="notice-warn">
          The conditions do not hold for this event, so the mapping would be skipped
          {action.reason ? ` (${action.reason})` : ''}.
        </p>
      ) : action.status === 'ok' ? (
        <p className="notice">
          Every parameter resolved and is valid for <code>{action.action_type}</code>.
        </p>
      ) : (
        <p className="notice-error">
          {action.errors.length} {action.errors.length === 1 ? 'problem' : 'problems'}: the action
          would not run as configured.
        </p>
      )}
      {action.status !== 'skipped' && names.length > 0 ? (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Resolved parameters</caption>
            <thead>
              <tr>
                <th scope="col">Parameter</th>
                <th scope="col">Configured</th>
                <th scope="col">Resolved value</th>
              </tr>
            </thead>
            <tbody>
              {names.map((name) => {
                const resolved = action.resolved ?? {};
                const errors = errorsByField.get(name);
                return (
                  <tr key={name} className={errors ? 'has-error' : undefined}>
                    <th scope="row">
                      <code>{name}</code>
                    </th>
                    <td className="preview-configured">
                      {name in props.draft.parameters ? (
                        <code>{summarizeSpec(props.draft.parameters[name])}</code>
                      ) : (
                        <span className="muted">not set</span>
                      )}
                    </td>
                    <td>
                      {name in resolved ? (
                        <pre className="preview-value">
                          {JSON.stringify(resolved[name], null, 2)}
                        </pre>
                      ) : (
                        <span className="muted">did not resolve</span>
                      )}
                      {errors?.map((message) => (
                        <p key={message} className="field-error">
                          {message}
                        </p>
                      ))}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
      {otherErrors.length > 0 ? (
        <ul className="preview-errors">
          {otherErrors.map((error) => (
            <li key={`${error.field}:${error.message}`} className="field-error">
              {error.field ? <code>{error.field}</code> : null} {error.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

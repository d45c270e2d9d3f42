import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, seg } from '../api';
import { ErrorMessage, JsonView, Loading, Switch } from '../components/ui';
import { CHANNEL_TYPE_LABELS, CHANNEL_TYPES } from './messages';

/** A user's notification preferences. A missing entry or true means opted in. */
export interface Preferences {
  workflows: Record<string, boolean>;
  categories: Record<string, boolean>;
  channel_types: Record<string, boolean>;
}

/** Returns the rules that opt the user out, such as `categories.marketing`. */
function optOuts(preferences: Preferences): string[] {
  const rules: string[] = [];
  for (const group of ['workflows', 'categories', 'channel_types'] as const) {
    for (const [name, enabled] of Object.entries(preferences[group])) {
      if (!enabled) rules.push(`${group}.${name}`);
    }
  }
  return rules;
}

export function PreferencesSection(props: { userId: string; environment: string }) {
  const { userId, environment } = props;
  const client = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState(false);
  const queryKey = ['user-preferences', environment, userId];
  const preferences = useQuery({
    queryKey,
    queryFn: ({ signal }) =>
      api<Preferences>('GET', `/v1/users/${seg(userId)}/preferences`, undefined, {
        environment,
        signal,
      }),
  });

  return (
    <section className="card" aria-labelledby="user-preferences">
      <div className="section-header">
        <h2 id="user-preferences">Preferences</h2>
        {!editing && preferences.isSuccess ? (
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setSaved(false);
              setEditing(true);
            }}
          >
            Edit preferences
          </button>
        ) : null}
      </div>
      <p className="hint">
        Before each channel step sends, Inlet checks the workflow, then its categories, then the
        channel type. The first opt-out wins and the message is stored as not sent.
      </p>
      {preferences.isPending ? (
        <Loading label="Loading preferences…" />
      ) : preferences.isError ? (
        <ErrorMessage error={preferences.error} onRetry={() => void preferences.refetch()} />
      ) : editing ? (
        <PreferencesEditor
          initial={preferences.data}
          userId={userId}
          environment={environment}
          onCancel={() => setEditing(false)}
          onSaved={(updated) => {
            client.setQueryData(queryKey, updated);
            setEditing(false);
            setSaved(true);
          }}
        />
      ) : (
        <>
          {saved ? (
            <p className="notice" role="status">
              Preferences saved.
            </p>
          ) : null}
          <p>
            {optOuts(preferences.data).length === 0 ? (
              'Opted in to everything.'
            ) : (
              <>
                Opted out of{' '}
                {optOuts(preferences.data).map((rule, index) => (
                  <span key={rule}>
                    {index > 0 ? ', ' : ''}
                    <code>{rule}</code>
                  </span>
                ))}
                .
              </>
            )}
          </p>
          <JsonView value={preferences.data} label="Preferences" />
        </>
      )}
    </section>
  );
}

function PreferencesEditor(props: {
  initial: Preferences;
  userId: string;
  environment: string;
  onCancel: () => void;
  onSaved: (preferences: Preferences) => void;
}) {
  const [draft, setDraft] = useState<Preferences>(props.initial);
  const workflows = useQuery({
    queryKey: ['workflows'],
    queryFn: ({ signal }) =>
      api<{ data: { key: string; name: string; categories: string[] }[] }>(
        'GET',
        '/v1/workflows',
        undefined,
        { signal },
      ),
  });
  const save = useMutation({
    mutationFn: (preferences: Preferences) =>
      api<Preferences>('PUT', `/v1/users/${seg(props.userId)}/preferences`, preferences, {
        environment: props.environment,
      }),
    onSuccess: props.onSaved,
  });

  const setEntry = (group: keyof Preferences, name: string, value: boolean | undefined) =>
    setDraft((current) => {
      const entries = { ...current[group] };
      if (value === undefined) delete entries[name];
      else entries[name] = value;
      return { ...current, [group]: entries };
    });

  const knownCategories = [
    ...new Set((workflows.data?.data ?? []).flatMap((workflow) => workflow.categories)),
  ];

  return (
    <form
      className="preferences-editor"
      onSubmit={(event: FormEvent) => {
        event.preventDefault();
        save.mutate(draft);
      }}
    >
      <fieldset>
        <legend>Channel types</legend>
        <div className="switch-list">
          {CHANNEL_TYPES.map((type) => (
            <Switch
              key={type}
              label={CHANNEL_TYPE_LABELS[type] ?? type}
              checked={draft.channel_types[type] !== false}
              onChange={(checked) => setEntry('channel_types', type, checked ? undefined : false)}
            />
          ))}
        </div>
      </fieldset>
      <ToggleGroup
        legend="Workflows"
        group="workflows"
        entries={draft.workflows}
        onChange={(name, value) => setEntry('workflows', name, value)}
        options={(workflows.data?.data ?? []).map((workflow) => workflow.key)}
        addLabel="Workflow to opt out of"
        addHint="A workflow key."
        addButton="Add workflow opt-out"
      />
      <ToggleGroup
        legend="Categories"
        group="categories"
        entries={draft.categories}
        onChange={(name, value) => setEntry('categories', name, value)}
        options={knownCategories}
        addLabel="Category to opt out of"
        addHint="A category that workflows list in their categories field."
        addButton="Add category opt-out"
      />
      <ErrorMessage error={save.error} />
      <div className="actions">
        <button type="submit" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : 'Save preferences'}
        </button>
        <button type="button" className="secondary" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** Entries of one preference group, each with an on/off switch and a remove button. */
function ToggleGroup(props: {
  legend: string;
  group: string;
  entries: Record<string, boolean>;
  onChange: (name: string, value: boolean | undefined) => void;
  options: string[];
  addLabel: string;
  addHint: string;
  addButton: string;
}) {
  const [name, setName] = useState('');
  const listId = `preference-${props.group}-options`;
  const inputId = `preference-${props.group}-new`;
  const names = Object.keys(props.entries);
  const add = () => {
    const trimmed = name.trim();
    if (trimmed === '') return;
    props.onChange(trimmed, false);
    setName('');
  };
  return (
    <fieldset>
      <legend>{props.legend}</legend>
      {names.length === 0 ? (
        <p className="muted">No entries: all {props.legend.toLowerCase()} are opted in.</p>
      ) : (
        <ul className="toggle-list">
          {names.map((entry) => (
            <li key={entry}>
              <Switch
                label={entry}
                checked={props.entries[entry] !== false}
                onChange={(checked) => props.onChange(entry, checked)}
              />
              <button
                type="button"
                className="link"
                aria-label={`Remove ${entry} from ${props.legend.toLowerCase()}`}
                onClick={() => props.onChange(entry, undefined)}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="inline-add">
        <div className="field">
          <label htmlFor={inputId}>{props.addLabel}</label>
          <input
            id={inputId}
            list={listId}
            value={name}
            aria-describedby={`${inputId}-hint`}
            onChange={(event) => setName(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === 'Enter') {
                event.preventDefault();
                add();
              }
            }}
          />
          <p className="hint" id={`${inputId}-hint`}>
            {props.addHint}
          </p>
          <datalist id={listId}>
            {props.options
              .filter((option) => !(option in props.entries))
              .map((option) => (
                <option key={option} value={option} />
              ))}
          </datalist>
        </div>
        <button type="button" className="secondary" disabled={name.trim() === ''} onClick={add}>
          {props.addButton}
        </button>
      </div>
    </fieldset>
  );
}

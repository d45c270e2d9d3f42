import { useEffect, useId, useMemo, useState, type KeyboardEvent } from 'react';

/** One path that a sample payload contains, with a short preview of its value. */
export interface PathSuggestion {
  path: string;
  preview: string;
}

/** Maximum depth and count of suggested paths, so a large payload keeps the list usable. */
const MAX_DEPTH = 10;
const MAX_SUGGESTIONS = 500;
/** Array elements offered per array. Later elements are reachable by typing another index. */
const ARRAY_ELEMENTS = 3;
/** Maximum number of suggestions listed at once. */
const VISIBLE_SUGGESTIONS = 60;

/**
 * Walks a sample event body and returns the paths under `body` that a mapping can use, parents
 * before children, within the limits above. Keys that contain ".", "[" or "]" are written in
 * quoted brackets, the notation the server's path parser reads.
 */
export function collectPaths(sample: unknown): PathSuggestion[] {
  const suggestions: PathSuggestion[] = [];
  const visit = (value: unknown, path: string, depth: number) => {
    if (suggestions.length >= MAX_SUGGESTIONS) return;
    suggestions.push({ path, preview: previewValue(value) });
    if (depth >= MAX_DEPTH || typeof value !== 'object' || value === null) return;
    if (Array.isArray(value)) {
      value.slice(0, ARRAY_ELEMENTS).forEach((item, index) => {
        visit(item, `${path}[${index}]`, depth + 1);
      });
      return;
    }
    for (const [key, item] of Object.entries(value)) visit(item, appendKey(path, key), depth + 1);
  };
  if (typeof sample === 'object' && sample !== null) visit(sample, 'body', 0);
  return suggestions;
}

function appendKey(path: string, key: string): string {
  if (key !== '' && !/[.[\]]/.test(key)) return `${path}.${key}`;
  return `${path}["${key.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"]`;
}

/** Returns a one-line preview of a JSON value, cut to about 60 characters. */
export function previewValue(value: unknown): string {
  if (Array.isArray(value)) return `list of ${value.length}`;
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value).length;
    return `object, ${keys} ${keys === 1 ? 'key' : 'keys'}`;
  }
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/**
 * Orders suggestions for the typed text: paths that start with it first, then paths that contain
 * it anywhere, each group in payload order. The comparison ignores case.
 */
function rankSuggestions(suggestions: PathSuggestion[], text: string): PathSuggestion[] {
  const needle = text.trim().toLowerCase();
  if (needle === '') return suggestions;
  const starting: PathSuggestion[] = [];
  const containing: PathSuggestion[] = [];
  for (const suggestion of suggestions) {
    const path = suggestion.path.toLowerCase();
    if (path === needle) continue;
    if (path.startsWith(needle)) starting.push(suggestion);
    else if (path.includes(needle)) containing.push(suggestion);
  }
  return [...starting, ...containing];
}

/**
 * Renders a text input for an event path, such as `body.data.email`, with a list of the paths in
 * a sample payload. It follows the ARIA combobox pattern: typing or the down arrow opens the list, arrow
 * keys move through it, Enter picks the highlighted path, and Escape closes the list before it
 * closes any dialog around it.
 */
export function PathField(props: {
  id: string;
  value: string;
  onChange: (value: string) => void;
  suggestions: PathSuggestion[];
  describedBy?: string | undefined;
  invalid?: boolean;
  placeholder?: string;
}) {
  const listId = useId();
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const ranked = useMemo(
    () => rankSuggestions(props.suggestions, props.value),
    [props.suggestions, props.value],
  );
  const visible = ranked.slice(0, VISIBLE_SUGGESTIONS);
  const expanded = open && visible.length > 0;
  const optionId = (index: number) => `${listId}-option-${index}`;

  useEffect(() => {
    if (active >= 0)
      document.getElementById(`${listId}-option-${active}`)?.scrollIntoView({ block: 'nearest' });
  }, [active, listId]);

  const choose = (suggestion: PathSuggestion) => {
    props.onChange(suggestion.path);
    setOpen(false);
    setActive(-1);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      if (visible.length === 0) return;
      event.preventDefault();
      setOpen(true);
      const step = event.key === 'ArrowDown' ? 1 : -1;
      setActive((current) => {
        if (!expanded) return step === 1 ? 0 : visible.length - 1;
        return (current + step + visible.length) % visible.length;
      });
    } else if (event.key === 'Enter' && expanded && active >= 0) {
      const suggestion = visible[active];
      if (suggestion) {
        event.preventDefault();
        choose(suggestion);
      }
    } else if (event.key === 'Escape' && expanded) {
      // Keeps a surrounding <dialog> open, because the first Escape only closes this list.
      event.preventDefault();
      event.stopPropagation();
      setOpen(false);
      setActive(-1);
    }
  };

  return (
    <div className="path-field">
      <input
        id={props.id}
        type="text"
        role="combobox"
        autoComplete="off"
        spellCheck={false}
        aria-autocomplete="list"
        aria-expanded={expanded}
        aria-controls={listId}
        aria-activedescendant={expanded && active >= 0 ? optionId(active) : undefined}
        aria-describedby={props.describedBy}
        aria-invalid={props.invalid || undefined}
        placeholder={props.placeholder}
        value={props.value}
        onChange={(event) => {
          props.onChange(event.target.value);
          setOpen(true);
          setActive(-1);
        }}
        onBlur={() => {
          setOpen(false);
          setActive(-1);
        }}
        onKeyDown={onKeyDown}
      />
      {/* tabIndex -1: Chromium makes scrolling boxes tab stops, and this one hides on blur. */}
      <div className="path-popup" hidden={!expanded} tabIndex={-1}>
        <ul id={listId} role="listbox" aria-label="Paths in the sample payload" tabIndex={-1}>
          {visible.map((suggestion, index) => (
            <li
              key={suggestion.path}
              id={optionId(index)}
              role="option"
              aria-selected={index === active}
              className={index === active ? 'active' : undefined}
              // mousedown, not click, so the input keeps focus and does not close the list first.
              onMouseDown={(event) => {
                event.preventDefault();
                choose(suggestion);
              }}
            >
              <code>{suggestion.path}</code>
              <span className="muted">{suggestion.preview}</span>
            </li>
          ))}
        </ul>
        {ranked.length > visible.length ? (
          <p className="muted">
            {ranked.length - visible.length} more paths match. Keep typing to narrow the list.
          </p>
        ) : null}
      </div>
    </div>
  );
}

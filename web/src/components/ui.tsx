import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { ApiError } from '../api';

/** Title row of a page, with optional actions on the right. */
export function PageHeader(props: { title: ReactNode; subtitle?: ReactNode; actions?: ReactNode }) {
  return (
    <header className="page-header">
      <div>
        <h1>{props.title}</h1>
        {props.subtitle ? <p className="muted">{props.subtitle}</p> : null}
      </div>
      {props.actions ? <div className="actions">{props.actions}</div> : null}
    </header>
  );
}

/** Renders what an empty list shows: what is missing and what to do next. */
export function EmptyState(props: { title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="empty-state" role="status">
      <h2>{props.title}</h2>
      {props.children ? <div className="muted">{props.children}</div> : null}
      {props.action ? <div className="actions">{props.action}</div> : null}
    </div>
  );
}

export function Loading(props: { label?: string }) {
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {props.label ?? 'Loading…'}
    </div>
  );
}

/** Shows an API error with its code, or any other error's message. */
export function ErrorMessage(props: { error: unknown; onRetry?: () => void }) {
  if (props.error === null || props.error === undefined) return null;
  const error = props.error;
  const code = error instanceof ApiError ? error.code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div className="error-message" role="alert">
      <strong>{message}</strong>
      {code ? <code className="error-code">{code}</code> : null}
      {props.onRetry ? (
        <button type="button" className="link" onClick={props.onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

/** Renders an on/off switch: a button with role "switch", so keyboards and screen readers work. */
export function Switch(props: {
  checked: boolean;
  onChange: (checked: boolean) => void;
  label: string;
  hideLabel?: boolean;
  disabled?: boolean;
}) {
  return (
    <button
      type="button"
      role="switch"
      aria-checked={props.checked}
      aria-label={props.hideLabel ? props.label : undefined}
      className={`switch ${props.checked ? 'on' : 'off'}`}
      disabled={props.disabled}
      onClick={() => props.onChange(!props.checked)}
    >
      <span className="track" aria-hidden="true">
        <span className="thumb" />
      </span>
      {props.hideLabel ? null : <span className="switch-label">{props.label}</span>}
    </button>
  );
}

/** Renders a button that copies `value` to the clipboard and shows "Copied" for two seconds. */
export function CopyButton(props: { value: string; label?: string }) {
  const [copied, setCopied] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (copied === 'idle') return;
    const timer = setTimeout(() => setCopied('idle'), 2000);
    return () => clearTimeout(timer);
  }, [copied]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.value);
      setCopied('copied');
    } catch {
      setCopied('failed');
    }
  };
  return (
    <button type="button" className="secondary" onClick={() => void copy()}>
      {copied === 'copied'
        ? 'Copied'
        : copied === 'failed'
          ? 'Copy failed'
          : (props.label ?? 'Copy')}
    </button>
  );
}

/** Renders a labelled form field, with `hint` under the input and linked for screen readers. */
export function Field(props: {
  label: string;
  hint?: ReactNode;
  error?: string | undefined;
  children: (id: string, describedBy: string | undefined) => ReactNode;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  return (
    <div className={`field ${props.error ? 'invalid' : ''}`}>
      <label htmlFor={id}>{props.label}</label>
      {props.children(id, props.hint || props.error ? hintId : undefined)}
      {props.error ? (
        <p id={hintId} className="field-error">
          {props.error}
        </p>
      ) : props.hint ? (
        <p id={hintId} className="hint">
          {props.hint}
        </p>
      ) : null}
    </div>
  );
}

/** Coloured label for an event, action, run or message status. */
export function StatusBadge(props: { status: string }) {
  return <span className={`badge status-${props.status}`}>{props.status.replace(/_/g, ' ')}</span>;
}

/** Renders a time relative to now, with the exact local time on hover. */
export function Time(props: { value: string | null | undefined }) {
  if (!props.value) return <span className="muted">never</span>;
  const date = new Date(props.value);
  return (
    <time dateTime={props.value} title={date.toLocaleString()}>
      {relativeTime(date)}
    </time>
  );
}

export function relativeTime(date: Date, now = Date.now()): string {
  const seconds = Math.round((date.getTime() - now) / 1000);
  const format = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  const steps: [Intl.RelativeTimeFormatUnit, number][] = [
    ['second', 60],
    ['minute', 60],
    ['hour', 24],
    ['day', 30],
    ['month', 12],
  ];
  let value = seconds;
  for (const [unit, size] of steps) {
    if (Math.abs(value) < size) return format.format(value, unit);
    value = Math.round(value / size);
  }
  return format.format(value, 'year');
}

/** Pretty-printed JSON in a scrollable block. */
export function JsonView(props: { value: unknown; label?: string }) {
  return (
    <pre className="json" aria-label={props.label} tabIndex={0}>
      {JSON.stringify(props.value, null, 2)}
    </pre>
  );
}

/** Tabs as links or buttons; the caller renders the selected panel. */
export function Tabs<T extends string>(props: {
  tabs: { key: T; label: string }[];
  selected: T;
  onSelect: (key: T) => void;
  label: string;
}) {
  // Arrow keys, Home and End select another tab and move focus to it, as tab lists usually do.
  const select = (index: number, from: HTMLElement) => {
    const wrapped = (index + props.tabs.length) % props.tabs.length;
    const tab = props.tabs[wrapped];
    if (tab === undefined) return;
    props.onSelect(tab.key);
    from.parentElement?.querySelectorAll<HTMLElement>('[role="tab"]')[wrapped]?.focus();
  };
  const keyTargets: Record<string, (index: number) => number> = {
    ArrowRight: (index) => index + 1,
    ArrowLeft: (index) => index - 1,
    Home: () => 0,
    End: () => props.tabs.length - 1,
  };
  return (
    <div className="tabs" role="tablist" aria-label={props.label}>
      {props.tabs.map((tab, index) => (
        <button
          key={tab.key}
          type="button"
          role="tab"
          id={`tab-${tab.key}`}
          aria-selected={tab.key === props.selected}
          tabIndex={tab.key === props.selected ? 0 : -1}
          onClick={() => props.onSelect(tab.key)}
          onKeyDown={(event) => {
            const target = keyTargets[event.key];
            if (target === undefined) return;
            event.preventDefault();
            select(target(index), event.currentTarget);
          }}
        >
          {tab.label}
        </button>
      ))}
    </div>
  );
}

/**
 * Shows a modal dialog on the native <dialog> element, which keeps focus inside it and closes on
 * Escape. Focus moves to the element marked `data-autofocus` (else the first control), and back
 * to the control that opened the dialog when it closes.
 */
export function Dialog(props: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  wide?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) dialog.showModal();
    dialog.querySelector<HTMLElement>('[data-autofocus]')?.focus();
    return () => {
      dialog.close();
      opener?.focus();
    };
  }, []);

  return (
    <dialog
      ref={ref}
      className={`dialog ${props.wide ? 'wide' : ''}`}
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        props.onClose();
      }}
    >
      <div className="dialog-header">
        <h2 id={titleId}>{props.title}</h2>
        <button type="button" className="secondary" aria-label="Close" onClick={props.onClose}>
          ×
        </button>
      </div>
      {props.children}
    </dialog>
  );
}

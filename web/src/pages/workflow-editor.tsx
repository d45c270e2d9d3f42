import { useMutation } from '@tanstack/react-query';
import { useId, useRef, useState, type KeyboardEvent } from 'react';
import { api, ApiError, seg } from '../api';
import { ErrorMessage } from '../components/ui';
import { findSpan, parseIssuePath, parseJsonText, type JsonSyntaxProblem } from './workflow-json';
import { definitionOf, type ValidationIssue, type WorkflowView } from './workflow-types';

type CheckResult =
  | { kind: 'syntax'; problem: JsonSyntaxProblem }
  | { kind: 'issues'; issues: ValidationIssue[]; action: 'validate' | 'save' }
  | { kind: 'valid' }
  | { kind: 'saved'; version: number; created: boolean };

/** Formats a definition the way the editor shows it. */
export const formatDefinition = (definition: unknown) => JSON.stringify(definition, null, 2);

/**
 * Renders a JSON editor for a workflow definition with line numbers, "Validate" and "Save".
 * Problems are listed beside the text, and choosing one selects the text it is about.
 */
export function DefinitionEditor(props: {
  initialText: string;
  /** Text of the saved definition, used to detect unsaved changes, or null for a new workflow. */
  savedText: string | null;
  /** Returns the workflow key to use, or null after showing the user why there is none. */
  resolveKey: () => string | null;
  /** Called before saving. Returning false cancels the save. */
  confirmSave?: (key: string) => Promise<boolean>;
  onSaved: (workflow: WorkflowView) => void;
}) {
  const editorId = useId();
  const hintId = `${editorId}-hint`;
  const problemsId = `${editorId}-problems`;
  const textarea = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLDivElement>(null);
  const [text, setText] = useState(props.initialText);
  const [savedText, setSavedText] = useState(props.savedText);
  const [check, setCheck] = useState<CheckResult | null>(null);
  const [checkedText, setCheckedText] = useState<string | null>(null);

  const validate = useMutation({
    mutationFn: (input: { key: string; definition: unknown }) =>
      api<{ valid: boolean; errors: ValidationIssue[] }>(
        'POST',
        `/v1/workflows/${seg(input.key)}/validate`,
        input.definition,
      ),
  });
  const save = useMutation({
    mutationFn: (input: { key: string; definition: unknown }) =>
      api<WorkflowView>('PUT', `/v1/workflows/${seg(input.key)}`, input.definition),
  });
  const busy = validate.isPending || save.isPending;
  const apiError = validate.error ?? save.error;

  /** Parses the text and resolves the key. Shows the problem and returns null when either fails. */
  const prepare = (): { key: string; definition: unknown } | null => {
    validate.reset();
    save.reset();
    setCheckedText(text);
    const parsed = parseJsonText(text);
    if (!parsed.ok) {
      setCheck({ kind: 'syntax', problem: parsed.problem });
      return null;
    }
    const value = parsed.value;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      setCheck({
        kind: 'issues',
        action: 'validate',
        issues: [
          { path: '', message: 'The definition must be a JSON object with name and steps.' },
        ],
      });
      return null;
    }
    setCheck(null);
    const key = props.resolveKey();
    return key === null ? null : { key, definition: value };
  };

  const runValidate = async () => {
    const input = prepare();
    if (input === null) return;
    try {
      const result = await validate.mutateAsync(input);
      setCheck(
        result.valid
          ? { kind: 'valid' }
          : { kind: 'issues', issues: result.errors, action: 'validate' },
      );
    } catch {
      // The mutation keeps the error, which ErrorMessage shows.
    }
  };

  const runSave = async () => {
    const input = prepare();
    if (input === null) return;
    if (props.confirmSave && !(await props.confirmSave(input.key))) return;
    try {
      const workflow = await save.mutateAsync(input);
      const stored = formatDefinition(definitionOf(workflow));
      setText(stored);
      setSavedText(stored);
      setCheckedText(stored);
      setCheck({ kind: 'saved', version: workflow.version, created: workflow.version === 1 });
      props.onSaved(workflow);
    } catch (error) {
      const issues = validationIssues(error);
      if (issues !== null) {
        save.reset();
        setCheck({ kind: 'issues', issues, action: 'save' });
      }
    }
  };

  /** Focuses the editor and selects `start`..`end`, scrolling it into view. */
  const select = (start: number, end: number) => {
    const area = textarea.current;
    if (area === null) return;
    area.focus();
    area.setSelectionRange(start, end);
    const line = area.value.slice(0, start).split('\n').length - 1;
    const lineHeight = Number.parseFloat(getComputedStyle(area).lineHeight) || 20;
    area.scrollTop = Math.max(0, line * lineHeight - area.clientHeight / 3);
  };

  const reveal = (path: string) => {
    const area = textarea.current;
    if (area === null) return;
    const parsed = parseJsonText(area.value);
    const span = parsed.ok ? findSpan(parsed.spans, parseIssuePath(path)) : undefined;
    if (span) select(span.start, span.end);
    else area.focus();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 's') {
      event.preventDefault();
      if (!busy) void runSave();
    }
  };

  const format = () => {
    const parsed = parseJsonText(text);
    setCheckedText(text);
    if (!parsed.ok) setCheck({ kind: 'syntax', problem: parsed.problem });
    else setText(formatDefinition(parsed.value));
  };

  const lineCount = text.split('\n').length;
  const errorLine = check?.kind === 'syntax' ? check.problem.line : null;
  const dirty = savedText !== null && text !== savedText;
  const stale = check !== null && check.kind !== 'saved' && checkedText !== text;

  return (
    <div className="definition-editor">
      <div className="editor-main">
        <div className="editor-label-row">
          <label htmlFor={editorId}>Definition (JSON)</label>
          {dirty ? <span className="badge status-pending">unsaved changes</span> : null}
        </div>
        <div className="code-editor">
          <div className="line-numbers" aria-hidden="true" ref={gutter}>
            <pre>
              {Array.from({ length: lineCount }, (_, index) => (
                <span key={index} className={index + 1 === errorLine ? 'error-line' : undefined}>
                  {index + 1}
                  {'\n'}
                </span>
              ))}
            </pre>
          </div>
          <textarea
            id={editorId}
            ref={textarea}
            value={text}
            rows={26}
            wrap="off"
            spellCheck={false}
            autoCapitalize="off"
            autoCorrect="off"
            aria-describedby={`${hintId} ${problemsId}`}
            aria-invalid={check?.kind === 'syntax' || check?.kind === 'issues'}
            onChange={(event) => setText(event.target.value)}
            onScroll={(event) => {
              if (gutter.current) gutter.current.scrollTop = event.currentTarget.scrollTop;
            }}
            onKeyDown={onKeyDown}
          />
        </div>
        <p className="hint" id={hintId}>
          Fields: <code>name</code>, <code>description</code>, <code>active</code>,{' '}
          <code>categories</code> and <code>steps</code>; docs/workflows.md lists the step types.
          Ctrl+S or ⌘S saves. Tab moves the focus out of the editor.
        </p>
        <div className="actions">
          <button
            type="button"
            className="secondary"
            disabled={busy}
            onClick={() => void runValidate()}
          >
            {validate.isPending ? 'Validating…' : 'Validate'}
          </button>
          <button type="button" disabled={busy} onClick={() => void runSave()}>
            {save.isPending ? 'Saving…' : 'Save'}
          </button>
          <button type="button" className="secondary" disabled={busy} onClick={format}>
            Format JSON
          </button>
          {dirty ? (
            <button
              type="button"
              className="secondary"
              disabled={busy}
              onClick={() => {
                setText(savedText ?? '');
                setCheck(null);
              }}
            >
              Discard changes
            </button>
          ) : null}
        </div>
      </div>
      <aside className="editor-problems" id={problemsId} aria-label="Check results">
        <div role="status" aria-live="polite">
          <CheckView check={check} onReveal={reveal} onSelect={select} />
          {stale ? <p className="hint">You edited the definition after this check.</p> : null}
        </div>
        <ErrorMessage error={apiError} />
      </aside>
    </div>
  );
}

/** Returns the issues of a `validation_failed` response that lists them, else null. */
function validationIssues(error: unknown): ValidationIssue[] | null {
  if (!(error instanceof ApiError) || error.code !== 'validation_failed') return null;
  const issues = (error.details as { errors?: unknown } | undefined)?.errors;
  if (!Array.isArray(issues)) return null;
  return issues.filter(
    (issue): issue is ValidationIssue =>
      typeof issue === 'object' &&
      issue !== null &&
      typeof (issue as ValidationIssue).message === 'string',
  );
}

function CheckView(props: {
  check: CheckResult | null;
  onReveal: (path: string) => void;
  onSelect: (start: number, end: number) => void;
}) {
  const { check } = props;
  if (check === null) {
    return <p className="muted">Validate checks every step and Liquid template without saving.</p>;
  }
  switch (check.kind) {
    case 'valid':
      return <p className="notice">The definition is valid.</p>;
    case 'saved':
      return (
        <p className="notice">
          {check.created ? 'Created' : 'Saved'} version {check.version}. New runs use it; runs
          already started keep their version.
        </p>
      );
    case 'syntax':
      return (
        <div className="problem-list">
          <h3>Invalid JSON</h3>
          <ul>
            <li>
              <button
                type="button"
                className="link"
                onClick={() => props.onSelect(check.problem.offset, check.problem.offset + 1)}
              >
                Line {check.problem.line}, column {check.problem.column}
              </button>
              <div>{check.problem.message}</div>
            </li>
          </ul>
        </div>
      );
    case 'issues':
      return (
        <div className="problem-list">
          <h3>
            {check.issues.length === 1 ? '1 problem' : `${check.issues.length} problems`}
            {check.action === 'save' ? '; nothing was saved' : ''}
          </h3>
          <ul>
            {check.issues.map((issue, index) => (
              <li key={`${issue.path}-${index}`}>
                <button type="button" className="link" onClick={() => props.onReveal(issue.path)}>
                  <code>{issue.path === '' ? 'definition' : issue.path}</code>
                </button>
                <div>{issue.message}</div>
              </li>
            ))}
          </ul>
          <p className="hint">Choose a location to select it in the editor.</p>
        </div>
      );
  }
}

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { api, seg } from '../api';
import { ErrorMessage, Field } from '../components/ui';
import { userPath } from './data-shared';
import { messagesLink } from './messages';
import { parseJsonText } from './workflow-json';

interface TriggerResponse {
  workflow_run_ids: string[];
  skipped_recipients: { recipient: unknown; reason: string }[];
}

interface TriggerInput {
  body: {
    recipients: string[];
    actor?: string;
    tenant?: string;
    data?: unknown;
  };
  idempotencyKey: string;
}

/** Splits a comma- or line-separated list of ids, dropping empty entries and repeats. */
function splitIds(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[,\n]/)
        .map((id) => id.trim())
        .filter((id) => id !== ''),
    ),
  ];
}

/** Sends a trigger; a non-empty idempotency key goes in the `Idempotency-Key` header. */
function sendTrigger(key: string, environment: string, input: TriggerInput) {
  return api<TriggerResponse>('POST', `/v1/workflows/${seg(key)}/trigger`, input.body, {
    environment,
    ...(input.idempotencyKey === ''
      ? {}
      : { headers: { 'idempotency-key': input.idempotencyKey } }),
  });
}

/** Renders the "Test trigger" form, which starts one run per recipient and links to what it created. */
export function TriggerForm(props: { workflowKey: string; environment: string; active: boolean }) {
  const client = useQueryClient();
  const [recipients, setRecipients] = useState('');
  const [actor, setActor] = useState('');
  const [tenant, setTenant] = useState('');
  const [data, setData] = useState('{\n  \n}');
  const [idempotencyKey, setIdempotencyKey] = useState('');
  const [fieldErrors, setFieldErrors] = useState<{ recipients?: string; data?: string }>({});

  const resultRef = useRef<HTMLElement>(null);
  const trigger = useMutation({
    mutationFn: (input: TriggerInput) => sendTrigger(props.workflowKey, props.environment, input),
    onSuccess: () => {
      // On a phone the result is below the long form, out of sight without this.
      requestAnimationFrame(() => resultRef.current?.scrollIntoView({ block: 'nearest' }));
      void client.invalidateQueries({ queryKey: ['workflow-runs'] });
      void client.invalidateQueries({ queryKey: ['messages'] });
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const errors: { recipients?: string; data?: string } = {};
    const ids = splitIds(recipients);
    if (ids.length === 0) errors.recipients = 'Enter at least one user id.';

    let parsedData: unknown;
    if (data.trim() !== '') {
      const parsed = parseJsonText(data);
      if (!parsed.ok) {
        const { line, column, message } = parsed.problem;
        errors.data = `Invalid JSON at line ${line}, column ${column}: ${message}`;
      } else if (
        typeof parsed.value !== 'object' ||
        parsed.value === null ||
        Array.isArray(parsed.value)
      ) {
        errors.data = 'Data must be a JSON object, such as {"plan": "pro"}.';
      } else {
        parsedData = parsed.value;
      }
    }
    setFieldErrors(errors);
    if (errors.recipients || errors.data) return;

    trigger.mutate({
      body: {
        recipients: ids,
        ...(actor.trim() ? { actor: actor.trim() } : {}),
        ...(tenant.trim() ? { tenant: tenant.trim() } : {}),
        ...(parsedData !== undefined ? { data: parsedData } : {}),
      },
      idempotencyKey: idempotencyKey.trim(),
    });
  };

  return (
    <div className="grid trigger-layout">
      <form className="card" onSubmit={submit} aria-labelledby="trigger-title" noValidate>
        <h2 id="trigger-title">Test trigger</h2>
        <p className="hint">
          Starts one run per recipient in the {props.environment} environment, like{' '}
          <code>POST /v1/workflows/{props.workflowKey}/trigger</code>. Messages are really sent
          through the configured channels.
        </p>
        {props.active ? null : (
          <p className="error-message" role="note">
            This workflow is inactive, so a trigger fails with workflow_inactive. Set
            &quot;active&quot;: true in the Edit tab first.
          </p>
        )}
        <Field
          label="Recipients"
          hint="User ids, separated by commas. Users that were never identified are skipped."
          error={fieldErrors.recipients}
        >
          {(id, describedBy) => (
            <input
              id={id}
              value={recipients}
              aria-describedby={describedBy}
              aria-invalid={fieldErrors.recipients ? true : undefined}
              placeholder="user_1, user_2"
              onChange={(event) => setRecipients(event.target.value)}
            />
          )}
        </Field>
        <Field label="Actor" hint="Optional: the id of the user who caused the notification.">
          {(id, describedBy) => (
            <input
              id={id}
              value={actor}
              aria-describedby={describedBy}
              onChange={(event) => setActor(event.target.value)}
            />
          )}
        </Field>
        <Field label="Tenant" hint="Optional: a tenant id; templates read it as tenant.">
          {(id, describedBy) => (
            <input
              id={id}
              value={tenant}
              aria-describedby={describedBy}
              onChange={(event) => setTenant(event.target.value)}
            />
          )}
        </Field>
        <Field
          label="Data"
          hint="A JSON object; templates read it as data."
          error={fieldErrors.data}
        >
          {(id, describedBy) => (
            <textarea
              id={id}
              rows={6}
              spellCheck={false}
              value={data}
              aria-describedby={describedBy}
              aria-invalid={fieldErrors.data ? true : undefined}
              onChange={(event) => setData(event.target.value)}
            />
          )}
        </Field>
        <Field
          label="Idempotency key"
          hint="Optional: the same key and body within 24 hours return the first response and start nothing."
        >
          {(id, describedBy) => (
            <input
              id={id}
              value={idempotencyKey}
              aria-describedby={describedBy}
              onChange={(event) => setIdempotencyKey(event.target.value)}
            />
          )}
        </Field>
        <ErrorMessage error={trigger.error} />
        <button type="submit" disabled={trigger.isPending}>
          {trigger.isPending ? 'Triggering…' : 'Trigger workflow'}
        </button>
      </form>
      <section
        className="card"
        aria-labelledby="trigger-result-title"
        aria-live="polite"
        ref={resultRef}
      >
        <h2 id="trigger-result-title">Result</h2>
        {trigger.data ? (
          <TriggerResult response={trigger.data} workflowKey={props.workflowKey} />
        ) : (
          <p className="muted">The run ids of a trigger appear here.</p>
        )}
      </section>
    </div>
  );
}

function TriggerResult(props: { response: TriggerResponse; workflowKey: string }) {
  const { response } = props;
  return (
    <>
      <p>
        {response.workflow_run_ids.length === 1
          ? 'Started 1 run.'
          : `Started ${response.workflow_run_ids.length} runs.`}{' '}
        <Link to={messagesLink({ workflow: props.workflowKey })}>Messages of this workflow</Link>
      </p>
      {response.workflow_run_ids.length > 0 ? (
        <ul className="run-ids">
          {response.workflow_run_ids.map((runId) => (
            <li key={runId}>
              <code>{runId}</code>:{' '}
              <Link to={`?tab=runs&run=${seg(runId)}`} aria-label={`Steps of run ${runId}`}>
                steps
              </Link>
              ,{' '}
              <Link to={messagesLink({ run_id: runId })} aria-label={`Messages of run ${runId}`}>
                messages
              </Link>
            </li>
          ))}
        </ul>
      ) : null}
      {response.skipped_recipients.length > 0 ? (
        <>
          <h3>Skipped recipients</h3>
          <ul>
            {response.skipped_recipients.map((skipped, index) => (
              <li key={index}>
                {typeof skipped.recipient === 'string' ? (
                  <Link to={userPath(skipped.recipient)}>{skipped.recipient}</Link>
                ) : (
                  <code>{JSON.stringify(skipped.recipient)}</code>
                )}
                : {skipped.reason.replace(/_/g, ' ')}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </>
  );
}

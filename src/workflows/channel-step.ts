import type { Tx } from '../db/database.js';
import { TemplateError } from '../deliver/render.js';
import { newId } from '../ids.js';
import type { JobQueue } from '../queue/job-queue.js';
import type { ChannelStore } from './channel-store.js';
import type { ChannelStep } from './definition.js';
import { JOB_KINDS, type DeliverJobPayload } from './jobs.js';
import type { MessageStatus, MessageStore, NewMessage } from './message-store.js';
import { checkPreferences, toPreferenceSet } from './preferences.js';
import { renderContent, type MessageContent } from './render-content.js';
import type { RunRow } from './run-store.js';
import type { RunScope } from './run-scope.js';
import type { WorkflowVersion } from './workflow-store.js';

export interface CreatedMessage {
  messageId: string;
  status: MessageStatus;
  /** Whether a delivery job was enqueued. */
  enqueued: boolean;
}

/** Outcome of a message, decided before any delivery attempt. */
interface Outcome {
  status: MessageStatus;
  reason?: string;
  detail?: string;
  error?: { code: string; message: string };
  content?: MessageContent;
}

/**
 * Creates the message of a channel step. The recipient's preferences are checked first, then the
 * channel configuration, then the templates render. In-app feed messages are delivered at once;
 * other channels get a delivery job. Messages that cannot be sent are stored too, with the reason.
 */
export async function createMessage(
  tx: Tx,
  deps: { channels: ChannelStore; messages: MessageStore; queue: JobQueue },
  run: RunRow,
  workflow: WorkflowVersion,
  step: ChannelStep,
  scope: RunScope,
  now: Date,
): Promise<CreatedMessage> {
  const messageId = newId('msg');
  const outcome = await decide(tx, deps.channels, run, workflow, step, scope);
  const nowIso = now.toISOString();

  const row: NewMessage = {
    id: messageId,
    environment: run.environment,
    workflow_key: run.workflow_key,
    run_id: run.id,
    step_ref: step.ref,
    channel_type: step.type,
    channel_key: step.channel,
    recipient_id: run.recipient_id,
    tenant_id: (scope.template.tenant?.id as string | undefined) ?? null,
    status: outcome.status,
    status_reason: outcome.reason ?? null,
    status_detail: outcome.detail ?? null,
    content: JSON.stringify(outcome.content ?? {}),
    provider_response: null,
    attempts: 0,
    error_code: outcome.error?.code ?? null,
    error_message: outcome.error?.message ?? null,
    source_event_id: run.source_event_id,
    seen_at: null,
    read_at: null,
    archived_at: null,
    sent_at: outcome.status === 'delivered' ? nowIso : null,
    created_at: nowIso,
    updated_at: nowIso,
  };
  await deps.messages.insert(tx, row);

  if (outcome.status !== 'queued') return { messageId, status: outcome.status, enqueued: false };
  const payload: DeliverJobPayload = { messageId };
  await deps.queue.enqueue(tx, {
    kind: JOB_KINDS.deliver,
    payload,
    dedupeKey: `deliver:${messageId}`,
  });
  return { messageId, status: 'queued', enqueued: true };
}

async function decide(
  tx: Tx,
  channels: ChannelStore,
  run: RunRow,
  workflow: WorkflowVersion,
  step: ChannelStep,
  scope: RunScope,
): Promise<Outcome> {
  const preferences = checkPreferences(toPreferenceSet(scope.preferences), workflow, step.type);
  if (!preferences.allowed) {
    return {
      status: 'not_sent',
      reason: 'preference',
      detail: `The recipient opted out: ${preferences.rule}.`,
    };
  }

  const channel = await channels.resolve(tx, run.environment, step.channel);
  if (channel === undefined && step.type !== 'in_app_feed') {
    return {
      status: 'not_sent',
      reason: 'channel_not_configured',
      detail: `Channel "${step.channel}" is not configured in environment "${run.environment}"; create it with PUT /v1/channels/${step.channel}.`,
    };
  }
  if (channel !== undefined && channel.type !== step.type) {
    return {
      status: 'not_sent',
      reason: 'channel_type_mismatch',
      detail: `Channel "${step.channel}" is a ${channel.type} channel, but step "${step.ref}" is a ${step.type} step.`,
    };
  }

  const email = scope.recipient?.email ?? null;
  if (step.type === 'email' && (email === null || email === '')) {
    return {
      status: 'not_sent',
      reason: 'missing_email',
      detail: `User "${run.recipient_id}" has no email address.`,
    };
  }

  let content: MessageContent;
  try {
    content = renderContent(step, scope.template, email);
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    return { status: 'undelivered', error: { code: 'template_error', message: error.message } };
  }
  return { status: step.type === 'in_app_feed' ? 'delivered' : 'queued', content };
}

import { sendChat } from '../deliver/channels/chat.js';
import { sendEmail, type SmtpSettings } from '../deliver/channels/email.js';
import { sendWebhook } from '../deliver/channels/webhook.js';
import { DeliveryError } from '../deliver/delivery-error.js';
import type { HttpResponse } from '../deliver/http-post.js';
import type { JobRow } from '../db/schema.js';
import type { Logger } from '../logger.js';
import { JobFailure, type JobContext } from '../queue/worker.js';
import type { ResolvedChannel } from './channel-store.js';
import type { EngineContext } from './context.js';
import type { DeliverJobPayload } from './jobs.js';
import type { MessageRow, MessageStatus } from './message-store.js';
import type { ChatContent, EmailContent, WebhookContent } from './render-content.js';

interface SendResult {
  status: MessageStatus;
  response: unknown;
}

/**
 * Creates the job handler of `workflow.deliver`, which makes one delivery attempt of a queued
 * message. Retryable failures (network errors, timeouts, 5xx, 408, 429 and SMTP 4xx) throw a
 * retryable JobFailure that honours Retry-After. Other failures mark the message `undelivered`
 * without a retry, and so does a retryable failure on the job's last attempt.
 */
export function createDeliverHandler(engine: EngineContext) {
  return async (payload: DeliverJobPayload, _job: JobRow, context: JobContext): Promise<void> => {
    const log = context.log.child({ messageId: payload.messageId });
    const message = await engine.db
      .selectFrom('messages')
      .selectAll()
      .where('id', '=', payload.messageId)
      .executeTakeFirst();
    if (message === undefined || message.status !== 'queued') return;

    const attempts = Number(message.attempts) + 1;
    const channel = await engine.channels.resolve(
      engine.db,
      message.environment,
      message.channel_key,
    );
    if (channel === undefined || channel.type !== message.channel_type) {
      await finish(engine, message.id, attempts, 'undelivered', null, {
        code: 'channel_not_configured',
        message: `Channel "${message.channel_key}" of type ${message.channel_type} is not configured in environment "${message.environment}" any more.`,
      });
      log.warn({ channel: message.channel_key }, 'message undelivered: channel not configured');
      return;
    }

    // NOTE: delivery is at least once. If the process dies after the provider accepted a message
    // but before the status below is stored, the job runs again and sends the message again.
    // Webhook receivers can drop the repeat because its Inlet-Webhook-Id stays the same.
    let result: SendResult;
    try {
      result = await send(channel, message, engine.outboundAllowHosts);
    } catch (error) {
      await recordFailure(engine, message, attempts, error, context, log);
      return;
    }
    await finish(engine, message.id, attempts, result.status, result.response);
    log.debug(
      {
        channel: message.channel_key,
        channelType: message.channel_type,
        status: result.status,
        attempts,
      },
      'message delivered',
    );
  };
}

async function send(
  channel: ResolvedChannel,
  message: MessageRow,
  allow: readonly string[],
): Promise<SendResult> {
  const content = JSON.parse(message.content) as unknown;
  switch (channel.type) {
    case 'email': {
      const email = content as EmailContent;
      const result = await sendEmail(channel.settings as unknown as SmtpSettings, email);
      return { status: 'sent', response: result };
    }
    case 'chat': {
      const response = await sendChat(
        { url: String(channel.settings.url) },
        content as ChatContent,
        { allow },
      );
      return { status: 'delivered', response: httpSummary(response) };
    }
    case 'webhook': {
      const settings = {
        url: String(channel.settings.url),
        secret: String(channel.settings.signing_secret),
        headers: channel.settings.headers as Record<string, string> | undefined,
      };
      const response = await sendWebhook(
        settings,
        { id: message.id, payload: (content as WebhookContent).body },
        { allow },
      );
      return { status: 'delivered', response: httpSummary(response) };
    }
    case 'in_app_feed':
      return { status: 'delivered', response: null };
  }
}

/**
 * Stores a failed attempt. Throws a retryable JobFailure while retries remain, so the queue
 * schedules the next attempt; otherwise the message ends `undelivered`.
 */
async function recordFailure(
  engine: EngineContext,
  message: MessageRow,
  attempts: number,
  error: unknown,
  context: JobContext,
  log: Logger,
): Promise<void> {
  const delivery = error instanceof DeliveryError ? error : undefined;
  const code = delivery?.code ?? 'delivery_failed';
  const text = error instanceof Error ? error.message : String(error);
  const response = delivery?.response === undefined ? null : responseSummary(delivery.response);
  // A TypeError means the message itself cannot be sent (such as a body without JSON form).
  const retryable = delivery === undefined ? !(error instanceof TypeError) : delivery.retryable;
  const retry = retryable && !context.isLastAttempt;

  if (retry) {
    await finish(engine, message.id, attempts, 'queued', response, { code, message: text });
    log.warn({ err: error, code, attempt: attempts }, 'message delivery failed; retrying later');
    throw new JobFailure(text, { retryable: true, retryAt: delivery?.retryAt, cause: error });
  }
  await finish(engine, message.id, attempts, 'undelivered', response, { code, message: text });
  log.warn({ err: error, code, attempts }, 'message undelivered');
}

async function finish(
  engine: EngineContext,
  messageId: string,
  attempts: number,
  status: MessageStatus,
  response: unknown,
  error?: { code: string; message: string },
): Promise<void> {
  const now = engine.clock().toISOString();
  const sent = status === 'sent' || status === 'delivered';
  await engine.db
    .updateTable('messages')
    .set({
      status,
      attempts,
      provider_response:
        response === null || response === undefined ? null : JSON.stringify(response),
      error_code: error?.code ?? null,
      error_message: error?.message.slice(0, 2000) ?? null,
      ...(sent ? { sent_at: now } : {}),
      updated_at: now,
    })
    .where('id', '=', messageId)
    .execute();
}

function httpSummary(response: HttpResponse): { status: number; body: string } {
  return { status: response.status, body: response.bodyText };
}

function responseSummary(response: NonNullable<DeliveryError['response']>): unknown {
  return 'bodyText' in response ? httpSummary(response) : response;
}

import { createHmac, timingSafeEqual } from 'node:crypto';
import { assertSuccessfulResponse } from '../delivery-error.js';
import { postRawJson, type ChannelHttpOptions, type HttpResponse } from '../http-post.js';

/*
 * Signing scheme for outgoing webhooks (docs/webhook-signatures.md is the receiver's guide):
 *
 *   Inlet-Webhook-Id: <message id>
 *   Inlet-Webhook-Timestamp: <unix seconds>
 *   Inlet-Signature: t=<unix seconds>,v1=<hex signature>[,v1=<hex signature>...]
 *
 * Each v1 is the lower-case hex HMAC-SHA256 of `<id>.<t>.<raw body>`, keyed by the UTF-8
 * bytes of a signing secret. During secret rotation a delivery carries one v1 per secret.
 * Receivers recompute the HMAC over the exact bytes received, compare in constant time, and
 * reject a `t` more than 5 minutes from their clock in either direction. Message ids cannot
 * contain `.`, so the id and the timestamp cannot be shifted into each other.
 */

export const WEBHOOK_ID_HEADER = 'Inlet-Webhook-Id';
export const WEBHOOK_TIMESTAMP_HEADER = 'Inlet-Webhook-Timestamp';
export const WEBHOOK_SIGNATURE_HEADER = 'Inlet-Signature';
export const DEFAULT_TOLERANCE_SECONDS = 300;

const MESSAGE_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

export interface WebhookSettings {
  url: string;
  /** Signing secret, or several while receivers move to a new one. */
  secret: string | readonly string[];
  /** Extra request headers. They cannot replace the signature or content headers. */
  headers?: Record<string, string>;
}

export interface WebhookMessage {
  /** Stable across retries so receivers can drop duplicates. Letters, digits, `_` and `-`. */
  id: string;
  payload: unknown;
}

export interface WebhookSendOptions extends ChannelHttpOptions {
  /** Signing time. Defaults to the current time. */
  now?: Date;
}

/** Request headers as Node (`IncomingHttpHeaders`) or the Fetch API (`Headers`) provides them. */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

export type WebhookVerificationFailure =
  | 'signature_missing'
  | 'signature_malformed'
  | 'signature_mismatch'
  | 'timestamp_outside_tolerance';

export type WebhookVerification =
  | { ok: true; id: string; timestampSeconds: number }
  | { ok: false; reason: WebhookVerificationFailure; message: string };

/**
 * Signs `message.payload` as JSON and POSTs it to the webhook URL, returning the response.
 * Throws TypeError for an invalid message id and DeliveryError for blocked destinations,
 * network failures and non-2xx statuses.
 */
export async function sendWebhook(
  settings: WebhookSettings,
  message: WebhookMessage,
  options: WebhookSendOptions,
): Promise<HttpResponse> {
  if (!MESSAGE_ID_PATTERN.test(message.id)) {
    throw new TypeError(
      `Invalid webhook message id "${message.id}": use 1 to 128 letters, digits, "_" or "-".`,
    );
  }
  const rawBody = JSON.stringify(message.payload);
  if (rawBody === undefined) {
    throw new TypeError(`Webhook message ${message.id} has no JSON payload.`);
  }

  const timestampSeconds = Math.floor((options.now ?? new Date()).getTime() / 1000);
  // postRawJson applies headers in order and case-insensitively, so the signature headers
  // replace any caller header of the same name.
  const headers = {
    ...settings.headers,
    [WEBHOOK_ID_HEADER]: message.id,
    [WEBHOOK_TIMESTAMP_HEADER]: String(timestampSeconds),
    [WEBHOOK_SIGNATURE_HEADER]: signWebhook(message.id, timestampSeconds, rawBody, settings.secret),
  };

  const response = await postRawJson(settings.url, rawBody, {
    headers,
    allow: options.allow,
    timeoutMs: options.timeoutMs,
  });
  assertSuccessfulResponse(response);
  return response;
}

/** Builds the Inlet-Signature header value, with one v1 per secret. */
export function signWebhook(
  id: string,
  timestampSeconds: number,
  rawBody: string | Buffer,
  secret: string | readonly string[],
): string {
  const secrets = typeof secret === 'string' ? [secret] : secret;
  const signatures = secrets.map(
    (key) => `v1=${computeSignature(id, timestampSeconds, rawBody, key).toString('hex')}`,
  );
  return [`t=${timestampSeconds}`, ...signatures].join(',');
}

/**
 * Verifies an Inlet webhook delivery: the reference implementation for receivers.
 * `rawBody` must be the exact bytes received, before any JSON parsing. `secret` may list
 * several secrets during rotation, and any match is accepted. The timestamp may differ from
 * `nowSeconds` by at most `toleranceSeconds` in either direction.
 */
export function verifyInletWebhook(
  rawBody: string | Buffer,
  headers: WebhookHeaders,
  secret: string | readonly string[],
  toleranceSeconds: number = DEFAULT_TOLERANCE_SECONDS,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): WebhookVerification {
  const id = readHeader(headers, WEBHOOK_ID_HEADER);
  const signatureHeader = readHeader(headers, WEBHOOK_SIGNATURE_HEADER);
  if (id === undefined || signatureHeader === undefined) {
    return failure(
      'signature_missing',
      `The ${WEBHOOK_ID_HEADER} or ${WEBHOOK_SIGNATURE_HEADER} header is missing.`,
    );
  }
  if (!MESSAGE_ID_PATTERN.test(id)) {
    return failure(
      'signature_malformed',
      `The ${WEBHOOK_ID_HEADER} header is not a valid message id.`,
    );
  }

  const parsed = parseSignatureHeader(signatureHeader);
  if (typeof parsed === 'string') {
    return failure('signature_malformed', parsed);
  }
  const timestampHeader = readHeader(headers, WEBHOOK_TIMESTAMP_HEADER);
  if (timestampHeader !== undefined && timestampHeader !== String(parsed.timestampSeconds)) {
    return failure(
      'signature_malformed',
      `The ${WEBHOOK_TIMESTAMP_HEADER} header does not match t in ${WEBHOOK_SIGNATURE_HEADER}.`,
    );
  }

  const skewSeconds = Math.abs(nowSeconds - parsed.timestampSeconds);
  if (skewSeconds > toleranceSeconds) {
    return failure(
      'timestamp_outside_tolerance',
      `The signature timestamp is ${skewSeconds} s from the current time; the tolerance is ${toleranceSeconds} s.`,
    );
  }

  const secrets = typeof secret === 'string' ? [secret] : secret;
  for (const key of secrets) {
    const expected = computeSignature(id, parsed.timestampSeconds, rawBody, key);
    if (parsed.signatures.some((candidate) => constantTimeEqual(candidate, expected))) {
      return { ok: true, id, timestampSeconds: parsed.timestampSeconds };
    }
  }
  return failure(
    'signature_mismatch',
    'No v1 signature matches the body with the configured secrets.',
  );
}

function computeSignature(
  id: string,
  timestampSeconds: number,
  rawBody: string | Buffer,
  secret: string,
): Buffer {
  return createHmac('sha256', secret)
    .update(`${id}.${timestampSeconds}.`)
    .update(typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody)
    .digest();
}

/** Parses `t=<seconds>,v1=<hex>[,v1=<hex>...]`, or returns a message naming the defect. */
function parseSignatureHeader(
  header: string,
): { timestampSeconds: number; signatures: Buffer[] } | string {
  let timestamp: string | undefined;
  const signatures: Buffer[] = [];

  for (const part of header.split(',')) {
    const separator = part.indexOf('=');
    if (separator === -1) continue;
    const name = part.slice(0, separator).trim();
    const value = part.slice(separator + 1).trim();

    if (name === 't') {
      if (timestamp !== undefined)
        return `The ${WEBHOOK_SIGNATURE_HEADER} header has more than one t value.`;
      timestamp = value;
    } else if (name === 'v1' && /^[0-9a-f]{64}$/i.test(value)) {
      signatures.push(Buffer.from(value, 'hex'));
    }
  }

  if (timestamp === undefined || !/^\d{1,12}$/.test(timestamp)) {
    return `The ${WEBHOOK_SIGNATURE_HEADER} header needs t=<unix seconds>.`;
  }
  if (signatures.length === 0) {
    return `The ${WEBHOOK_SIGNATURE_HEADER} header has no v1 value of 64 hex characters.`;
  }
  return { timestampSeconds: Number(timestamp), signatures };
}

function readHeader(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof Headers !== 'undefined' && headers instanceof Headers) {
    return headers.get(name) ?? undefined;
  }

  const lowerName = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === lowerName) {
      return Array.isArray(value) ? value.join(',') : value;
    }
  }
  return undefined;
}

// timingSafeEqual throws when the lengths differ. Both sides are 32-byte digests after parsing,
// and the length check keeps the call safe if that ever changes.
function constantTimeEqual(candidate: Buffer, expected: Buffer): boolean {
  return candidate.length === expected.length && timingSafeEqual(candidate, expected);
}

function failure(reason: WebhookVerificationFailure, message: string): WebhookVerification {
  return { ok: false, reason, message };
}

import type { ErrorCode } from '../errors.js';
import type { Logger } from '../logger.js';
import { isKnownEventType } from '../providers/registry.js';
import type { EventStatus, EventStore } from '../record/event-store.js';
import type { IngestDirectory, IngestTarget } from './ingest-directory.js';
import type { RejectionLog } from './rejection-log.js';

export interface Delivery {
  ingestId: string;
  rawBody: Buffer;
  /** Request headers as Node delivers them: names lower-cased. */
  headers: Record<string, string | string[] | undefined>;
  log: Logger;
  /** Id of the HTTP request, added to every log line of the delivery. */
  requestId?: string;
}

export interface DeliveryResponse {
  status: number;
  body:
    | { code: ErrorCode | 'not_found'; message: string }
    | { id: string; status: string; duplicate: boolean };
}

/** Headers that are never stored: credentials and the signature itself. */
const UNSTORED_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);

/**
 * The receiving pipeline for one delivery: find the environment, verify the signature over the
 * raw bytes, parse, and record. It returns the HTTP response, and only a committed record gets a 2xx.
 */
export class IngestService {
  constructor(
    private readonly directory: IngestDirectory,
    private readonly store: EventStore,
    private readonly rejections: RejectionLog,
  ) {}

  async receive(delivery: Delivery): Promise<DeliveryResponse> {
    const target = await this.directory.lookup(delivery.ingestId);
    if (target === null) {
      return { status: 404, body: { code: 'not_found', message: 'Not found.' } };
    }
    // Spread into each log line, because a pino child logger per request costs more.
    const logFields = {
      reqId: delivery.requestId,
      source: target.sourceKey,
      environment: target.environment,
    };
    const headers = storableHeaders(delivery.headers, target.provider.signatureHeader);

    const verification = target.provider.verify({
      rawBody: delivery.rawBody,
      headers: delivery.headers,
      secrets: target.secrets,
      toleranceSeconds: target.toleranceSeconds,
      nowMs: Date.now(),
    });
    if (!verification.ok) {
      delivery.log.info({ ...logFields, reason: verification.reason }, 'delivery rejected');
      this.rejections.record({
        sourceEnvironmentId: target.environmentId,
        reasonCode: verification.reason,
        detail: verification.detail,
        headers,
        bodyBytes: delivery.rawBody.length,
      });
      return { status: 401, body: { code: verification.reason, message: verification.detail } };
    }

    const parsed = parseObject(delivery.rawBody);
    if (!parsed.ok) {
      return this.recordInvalid(target, delivery, headers, parsed.code, parsed.message, logFields);
    }
    const described = target.provider.describeEvent(parsed.body);
    if (!described.ok) {
      return this.recordInvalid(
        target,
        delivery,
        headers,
        described.reason,
        described.detail,
        logFields,
      );
    }

    const status = initialStatus(target, described.type);
    const result = await this.store.record({
      sourceEnvironmentId: target.environmentId,
      providerEventId: described.id,
      eventType: described.type,
      providerCreatedAt: described.createdAt,
      verification: 'verified',
      status,
      rawBody: delivery.rawBody,
      headers,
    });
    // Debug level: at webhook rates one line per accepted delivery was a tenth of the ingest CPU
    // in profiles of bench/ingest, and the event log already records every delivery.
    delivery.log.debug(
      {
        ...logFields,
        eventId: result.eventId,
        providerEventId: described.id,
        eventType: described.type,
        duplicate: result.duplicate,
      },
      result.duplicate ? 'duplicate delivery counted' : 'event recorded',
    );
    return {
      status: 200,
      body: {
        id: result.eventId,
        status: result.duplicate ? 'duplicate' : status,
        duplicate: result.duplicate,
      },
    };
  }

  private async recordInvalid(
    target: IngestTarget,
    delivery: Delivery,
    headers: Record<string, string>,
    code: ErrorCode,
    message: string,
    logFields: { source: string; environment: string },
  ): Promise<DeliveryResponse> {
    const result = await this.store.record({
      sourceEnvironmentId: target.environmentId,
      providerEventId: null,
      eventType: null,
      providerCreatedAt: null,
      verification: 'verified',
      status: 'invalid',
      errorCode: code,
      errorMessage: message,
      rawBody: delivery.rawBody,
      headers,
    });
    delivery.log.info(
      { ...logFields, eventId: result.eventId, reason: code },
      'invalid delivery recorded',
    );
    return { status: 400, body: { code, message } };
  }
}

function initialStatus(target: IngestTarget, eventType: string): EventStatus {
  if (target.disabledEventTypes.has(eventType)) return 'skipped';
  return isKnownEventType(target.provider, eventType) ? 'received' : 'ignored';
}

type ParseResult =
  | { ok: true; body: Record<string, unknown> }
  | { ok: false; code: 'body_not_json' | 'body_not_object' | 'body_too_deep'; message: string };

/**
 * Deepest nesting accepted in a body. Provider payloads nest a few levels; far deeper ones would
 * overflow the stack when the event is copied or serialized later.
 */
const MAX_BODY_DEPTH = 64;

function parseObject(rawBody: Buffer): ParseResult {
  const text = rawBody.toString('utf8');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, code: 'body_not_json', message: 'The body is not valid JSON.' };
  }
  if (jsonDepth(text) > MAX_BODY_DEPTH) {
    const message = `The body nests objects or arrays more than ${MAX_BODY_DEPTH} levels deep.`;
    return { ok: false, code: 'body_too_deep', message };
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, code: 'body_not_object', message: 'The body must be a JSON object.' };
  }
  return { ok: true, body: body as Record<string, unknown> };
}

function storableHeaders(
  headers: Record<string, string | string[] | undefined>,
  signatureHeader: string,
): Record<string, string> {
  const stored: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || name === signatureHeader || UNSTORED_HEADERS.has(name)) continue;
    stored[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return stored;
}

/** Returns the deepest nesting of objects and arrays in valid JSON text, without recursion. */
function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const char = text.charCodeAt(index);
    if (inString) {
      if (char === 0x5c)
        index += 1; // a backslash escapes the next character
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) {
      inString = true;
    } else if (char === 0x7b || char === 0x5b) {
      depth += 1;
      if (depth > deepest) deepest = depth;
    } else if (char === 0x7d || char === 0x5d) {
      depth -= 1;
    }
  }
  return deepest;
}

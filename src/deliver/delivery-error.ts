import type { SmtpReply } from './channels/email.js';
import type { HttpResponse } from './http-post.js';

/**
 * Stable reasons for a failed delivery. Retry logic branches on `retryable`, and `code` is for
 * logs, metrics and the delivery record.
 */
export type DeliveryErrorCode =
  | 'invalid_url'
  | 'invalid_request'
  | 'destination_blocked'
  | 'http_3xx'
  | 'http_4xx'
  | 'http_5xx'
  | 'network_error'
  | 'timeout'
  | 'smtp_transient'
  | 'smtp_permanent'
  | 'invalid_address';

/** Response of the receiving HTTP or SMTP server, when it sent one. */
export type ProviderResponse = HttpResponse | SmtpReply;

export interface DeliveryErrorOptions {
  retryable: boolean;
  /** Earliest time the provider asked us to retry, from its Retry-After header. */
  retryAt?: Date;
  response?: ProviderResponse;
  cause?: unknown;
}

/** Maximum delay that a Retry-After header can impose, so a receiver cannot park a message. */
export const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;

/** A failed delivery attempt, with whether a later attempt may succeed. */
export class DeliveryError extends Error {
  override name = 'DeliveryError';
  readonly retryable: boolean;
  readonly retryAt: Date | undefined;
  readonly response: ProviderResponse | undefined;

  constructor(
    readonly code: DeliveryErrorCode,
    message: string,
    options: DeliveryErrorOptions,
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable;
    this.retryAt = options.retryAt;
    this.response = options.response;
  }
}

/**
 * Throws a DeliveryError unless the response status is 2xx. 5xx, 408 and 429 are retryable
 * and carry `retryAt` when the receiver sent Retry-After. Redirects and other 4xx are
 * permanent because repeating the same request will get the same response.
 */
export function assertSuccessfulResponse(response: HttpResponse, now: Date = new Date()): void {
  const { status } = response;
  if (status >= 200 && status < 300) return;

  if (status >= 300 && status < 400) {
    const location = headerValue(response.headers['location']) ?? 'no Location header';
    throw new DeliveryError(
      'http_3xx',
      `The receiver responded ${status} (redirect to ${location}). Redirects are not followed, so configure the final URL.`,
      { retryable: false, response },
    );
  }

  if (status >= 500 || status === 429 || status === 408) {
    const retryAt = parseRetryAfter(headerValue(response.headers['retry-after']), now);
    let code: DeliveryErrorCode = 'http_4xx';
    if (status >= 500) code = 'http_5xx';
    if (status === 408) code = 'timeout';
    throw new DeliveryError(
      code,
      `The receiver responded with status ${status}, which is retryable.`,
      {
        retryable: true,
        retryAt,
        response,
      },
    );
  }

  // Node's HTTP client handles 1xx responses itself, so only 4xx statuses reach this point.
  throw new DeliveryError('http_4xx', `The receiver rejected the delivery with status ${status}.`, {
    retryable: false,
    response,
  });
}

/**
 * Parses a Retry-After value, either delay seconds or an HTTP date (RFC 9110 section 10.2.3).
 * Returns undefined when the value is missing or invalid. The delay is capped at
 * MAX_RETRY_AFTER_MS, and a date in the past means "now".
 */
export function parseRetryAfter(value: string | undefined, now: Date): Date | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();

  let delayMs: number;
  if (/^\d+$/.test(trimmed)) {
    delayMs = Number(trimmed) * 1000;
  } else {
    const dateMs = Date.parse(trimmed);
    if (Number.isNaN(dateMs)) return undefined;
    delayMs = Math.max(0, dateMs - now.getTime());
  }

  return new Date(now.getTime() + Math.min(delayMs, MAX_RETRY_AFTER_MS));
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

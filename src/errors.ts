/**
 * The registry of stable error codes. Each code has one HTTP status; response bodies are
 * `{code, message}` and clients may branch on `code`. Codes are never renamed or reused.
 */
export const ERROR_CODES = {
  internal_error: 500,

  // Management API
  unauthorized: 401,
  validation_failed: 400,
  invalid_json: 400,
  not_found: 404,
  conflict: 409,
  unsupported_provider: 400,
  unknown_environment: 404,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rehearse_failed: 422,

  // Dashboard sign-in
  invalid_credentials: 401,
  too_many_attempts: 429,
  csrf_header_missing: 403,

  // Receiving deliveries
  signature_missing: 401,
  signature_malformed: 401,
  signature_mismatch: 401,
  timestamp_outside_tolerance: 401,
  no_signing_secret: 401,
  body_not_json: 400,
  body_not_object: 400,
  body_too_deep: 400,
  event_id_missing: 400,
  event_type_missing: 400,

  // Workflows
  workflow_not_found: 404,
  workflow_inactive: 422,
  too_many_recipients: 422,
  idempotency_conflict: 409,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class InletError extends Error {
  override name = 'InletError';
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; details?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.status = ERROR_CODES[code];
    this.details = options?.details;
  }

  readonly details: unknown;

  toJSON(): { code: ErrorCode; message: string; details?: unknown } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function notFound(what: string): InletError {
  return new InletError('not_found', `${what} was not found.`);
}

import { InletError } from '../errors.js';

/** Maximum length of ids, collection names and audience keys, in characters. */
export const MAX_KEY_LENGTH = 255;
/** Maximum size of one record's `properties` (or tenant `settings`), serialized as UTF-8 JSON. */
export const MAX_PROPERTIES_BYTES = 64 * 1024;
/**
 * Maximum nesting of objects and arrays in one record's `properties` (or tenant `settings`). It
 * keeps a hostile value from exhausting the call stack when the record is serialized.
 */
export const MAX_PROPERTIES_DEPTH = 100;
/** Maximum length of a text attribute such as `name` or `avatar`, in characters. */
export const MAX_ATTRIBUTE_LENGTH = 2048;

export type JsonObject = Record<string, unknown>;

// C0 controls, DEL and C1 controls: they break logs, URLs and terminal output.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;
const EMAIL = /^[^\s@]+@[^\s@]+$/;
const PHONE = /^\+?[0-9][0-9 ().-]*$/;

function validationError(message: string): InletError {
  return new InletError('validation_failed', message);
}

/**
 * Validates an id, collection name, audience key or environment slug: a string of 1 to 255
 * characters without control characters. Throws `validation_failed` naming `field`.
 */
export function assertKey(value: unknown, field: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) {
    throw validationError(`${field} must be a non-empty string; got ${describe(value)}.`);
  }
  if (value.length > MAX_KEY_LENGTH) {
    throw validationError(
      `${field} is ${value.length} characters long; use at most ${MAX_KEY_LENGTH}.`,
    );
  }
  if (CONTROL_CHARACTERS.test(value)) {
    throw validationError(
      `${field} ${JSON.stringify(value)} contains a control character; remove it.`,
    );
  }
}

/** Validates a text attribute: a string up to 2048 characters, or null to clear it. */
export function assertTextAttribute(value: unknown, field: string): asserts value is string | null {
  if (value === null) return;
  if (typeof value !== 'string') {
    throw validationError(`${field} must be a string or null; got ${describe(value)}.`);
  }
  if (value.length > MAX_ATTRIBUTE_LENGTH) {
    throw validationError(
      `${field} is ${value.length} characters long; use at most ${MAX_ATTRIBUTE_LENGTH}.`,
    );
  }
}

/** Loosely checks an email address: one `@` with text on both sides and no spaces. */
export function assertEmail(value: string | null, field: string): void {
  if (value !== null && !EMAIL.test(value)) {
    throw validationError(
      `${field} ${JSON.stringify(value)} is not an email address such as ada@example.com.`,
    );
  }
}

/**
 * Loosely checks a phone number: digits with optional leading `+`, spaces, dots, dashes and
 * parentheses, and 4 to 20 digits in all. E.164 (`+14155550123`) is the recommended form.
 */
export function assertPhoneNumber(value: string | null, field: string): void {
  if (value === null) return;
  const digits = value.replace(/[^0-9]/g, '').length;
  if (!PHONE.test(value) || digits < 4 || digits > 20) {
    throw validationError(
      `${field} ${JSON.stringify(value)} is not a phone number; use the E.164 form such as +14155550123.`,
    );
  }
}

/** Validates a JSON object patch such as `properties`; arrays and null are rejected. */
export function assertJsonObject(value: unknown, field: string): asserts value is JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw validationError(`${field} must be a JSON object; got ${describe(value)}.`);
  }
}

/**
 * Serializes a stored JSON object and checks its nesting depth and its size against 64 KiB.
 * `subject` names the record, such as `user "u_1"`, so the message points at what to shrink.
 */
export function serializeObject(value: JsonObject, field: string, subject: string): string {
  if (nestsDeeperThan(value, MAX_PROPERTIES_DEPTH)) {
    throw validationError(
      `${field} of ${subject} is nested more than ${MAX_PROPERTIES_DEPTH} levels deep; flatten it.`,
    );
  }
  const text = JSON.stringify(value);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_PROPERTIES_BYTES) {
    throw validationError(
      `${field} of ${subject} would be ${bytes} bytes serialized, above the ${MAX_PROPERTIES_BYTES}-byte limit; remove keys by setting them to null.`,
    );
  }
  return text;
}

/** Validates an ISO-8601 time and returns it normalized to UTC with milliseconds. */
export function parseSourceTime(value: string | undefined, field: string): string | undefined {
  if (value === undefined) return undefined;
  const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(time)) {
    throw validationError(
      `${field} must be an ISO-8601 time such as 2025-03-11T09:15:27.000Z; got ${describe(value)}.`,
    );
  }
  return new Date(time).toISOString();
}

/** Checks the number of items of a batch call such as subscribe. */
export function assertBatchSize(
  items: unknown,
  field: string,
  max: number,
): asserts items is unknown[] {
  if (!Array.isArray(items) || items.length === 0) {
    throw validationError(`${field} must be a non-empty array; got ${describe(items)}.`);
  }
  if (items.length > max) {
    throw validationError(
      `${field} has ${items.length} entries; send at most ${max} per call and split the rest.`,
    );
  }
}

/** Returns whether objects and arrays nest more than `max` levels; walks with its own stack. */
function nestsDeeperThan(value: unknown, max: number): boolean {
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  for (let entry = pending.pop(); entry !== undefined; entry = pending.pop()) {
    if (typeof entry.value !== 'object' || entry.value === null) continue;
    if (entry.depth + 1 > max) return true;
    for (const item of Object.values(entry.value)) {
      pending.push({ value: item, depth: entry.depth + 1 });
    }
  }
  return false;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string')
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return typeof value;
}

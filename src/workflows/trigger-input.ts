import { createHash } from 'node:crypto';
import { z } from 'zod';
import { InletError } from '../errors.js';
import type { InlineUser } from './recipients.js';

/** Maximum number of recipients of one trigger, after objects fan out to their subscribers. */
export const MAX_RECIPIENTS = 1000;

/** The collection name that makes an object reference a user reference, `{collection: "$users", id}`. */
export const USERS_COLLECTION = '$users';

/** A recipient as a trigger sends it: a user id, an inline user, or an object reference. */
export type RecipientInput = string | InlineUser | { collection: string; id: string };

export interface TriggerInput {
  recipients: RecipientInput[];
  actor?: string | InlineUser | null;
  data?: Record<string, unknown> | null;
  tenant?: string | ({ id: string } & Record<string, unknown>) | null;
  cancellation_key?: string | null;
}

/** A recipient after parsing: which kind it is and what it carries. */
export type ParsedRecipient =
  | { kind: 'user'; id: string; inline?: InlineUser }
  | { kind: 'object'; collection: string; id: string };

export interface ParsedTrigger {
  recipients: ParsedRecipient[];
  actor: { id: string; inline?: InlineUser } | null;
  data: Record<string, unknown>;
  tenant: ({ id: string } & Record<string, unknown>) | null;
  cancellationKey: string | null;
}

const id = z.string().min(1).max(255);
const objectWithId = z.object({ id }).passthrough();

const triggerSchema = z
  .object({
    recipients: z.array(z.unknown()).min(1),
    actor: z.union([id, objectWithId]).nullish(),
    data: z.record(z.unknown()).nullish(),
    tenant: z.union([id, objectWithId]).nullish(),
    cancellation_key: z.string().min(1).max(255).nullish(),
  })
  .strict();

/** Validates a trigger body. Throws InletError `validation_failed` naming the invalid field. */
export function parseTriggerInput(input: unknown): ParsedTrigger {
  const parsed = triggerSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`,
    );
    throw new InletError('validation_failed', `Invalid trigger: ${problems.join('; ')}`);
  }
  const body = parsed.data;
  assertRecipientCount(body.recipients.length);
  return {
    recipients: body.recipients.map(parseRecipient),
    actor: body.actor == null ? null : parseActor(body.actor),
    data: body.data ?? {},
    tenant:
      body.tenant == null
        ? null
        : typeof body.tenant === 'string'
          ? { id: body.tenant }
          : body.tenant,
    cancellationKey: body.cancellation_key ?? null,
  };
}

/** Throws InletError `too_many_recipients` when a trigger reaches more than MAX_RECIPIENTS. */
export function assertRecipientCount(count: number): void {
  if (count > MAX_RECIPIENTS) {
    throw new InletError(
      'too_many_recipients',
      `The trigger reaches ${count} recipients; the maximum is ${MAX_RECIPIENTS} after objects fan out to their subscribers. Split it into several triggers.`,
    );
  }
}

/**
 * Hashes the workflow key and the body with object keys sorted, so that the same request sent
 * again matches however its JSON was formatted.
 */
export function fingerprintTrigger(workflowKey: string, input: unknown): string {
  return createHash('sha256')
    .update(workflowKey)
    .update('\n')
    .update(stableStringify(input))
    .digest('hex');
}

function parseRecipient(value: unknown, index: number): ParsedRecipient {
  if (typeof value === 'string' && value.length > 0 && value.length <= 255)
    return { kind: 'user', id: value };

  const record =
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  const recordId = record?.id;
  if (
    record !== undefined &&
    typeof recordId === 'string' &&
    recordId.length > 0 &&
    recordId.length <= 255
  ) {
    const collection = record.collection;
    if (collection === undefined)
      return { kind: 'user', id: recordId, inline: record as InlineUser };
    if (collection === USERS_COLLECTION) return userReference(record, recordId);
    if (typeof collection === 'string' && collection.length > 0 && collection.length <= 255) {
      return { kind: 'object', collection, id: recordId };
    }
  }
  throw new InletError(
    'validation_failed',
    `Invalid trigger: recipients[${index}] must be a user id, a user object with a string "id", or an object reference {"collection", "id"}; got ${JSON.stringify(value)?.slice(0, 200)}.`,
  );
}

/** `{collection: "$users", id, ...}` is a user; extra properties make it an inline user. */
function userReference(record: Record<string, unknown>, userId: string): ParsedRecipient {
  const { collection: _collection, ...user } = record;
  const hasProperties = Object.keys(user).some((name) => name !== 'id');
  return hasProperties
    ? { kind: 'user', id: userId, inline: user as InlineUser }
    : { kind: 'user', id: userId };
}

function parseActor(actor: string | InlineUser): { id: string; inline?: InlineUser } {
  if (typeof actor === 'string') return { id: actor };
  const hasProperties = Object.keys(actor).some((name) => name !== 'id');
  return hasProperties ? { id: actor.id, inline: actor } : { id: actor.id };
}

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${stableStringify(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

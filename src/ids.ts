import { randomBytes } from 'node:crypto';
import { monotonicFactory } from 'ulid';

const nextUlid = monotonicFactory();

/**
 * Creates a time-sortable id such as `evt_01JP27SM84YXEK1SK9XRFPV10A`. Ids from one process sort in
 * creation order, which the event log's cursor pagination relies on.
 */
export function newId(prefix: string): string {
  return `${prefix}_${nextUlid()}`;
}

/** Creates an opaque, unguessable token (144 random bits, base64url). */
export function newToken(bytes = 18): string {
  return randomBytes(bytes).toString('base64url');
}

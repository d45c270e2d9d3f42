import { randomBytes } from 'node:crypto';
import { monotonicFactory } from 'ulid';

const RANDOM_POOL_BYTES = 4096;
let pool = randomBytes(RANDOM_POOL_BYTES);
let offset = 0;

/**
 * Returns a cryptographically random float in [0, 1) from a pool of random bytes. The default
 * generator of ulid 3 calls crypto.getRandomValues for each single byte, which costs more than
 * the rest of an id. Drawing from a refilled 4 KiB pool keeps the same source of randomness.
 */
function pooledRandom(): number {
  if (offset >= RANDOM_POOL_BYTES) {
    pool = randomBytes(RANDOM_POOL_BYTES);
    offset = 0;
  }
  const byte = pool[offset]!;
  offset += 1;
  return byte / 256;
}

const nextUlid = monotonicFactory(pooledRandom);

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

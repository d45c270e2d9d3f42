import type { JsonObject } from './validation.js';

/** The result of a write; `stale` and `unchanged` leave the stored data as it was. */
export type WriteOutcome = 'created' | 'updated' | 'stale' | 'unchanged';
export type DeleteOutcome = 'deleted' | 'not_found' | 'stale';

export interface WriteOptions {
  /**
   * Provider time of the snapshot being applied, ISO-8601 (for WorkOS the object's `updated_at`).
   * A write older than the stored one is skipped as stale; an equal one applies again.
   */
  sourceUpdatedAt?: string;
  /**
   * Whether a write without `sourceUpdatedAt` revives a deleted record. The REST API sets it,
   * because a PUT by an operator is an explicit request to bring the record back.
   */
  revive?: boolean;
}

export interface DeleteOptions {
  /** Provider time of the deletion, ISO-8601; stored on the tombstone. */
  sourceTime?: string;
}

/** The bookkeeping columns every user, object and tenant row has. */
export interface VersionColumns {
  source_updated_at: string | null;
  deleted_at: string | null;
}

/**
 * The plan for a write: `insert` a new row, `revive` a tombstone, `update` a live row, or skip it
 * as `stale`.
 */
export type WritePlan = 'insert' | 'revive' | 'update' | 'stale';

/**
 * The plan for a delete: tombstone a live row, keep (or add) a tombstone, or skip it as `stale`.
 */
export type DeletePlan = 'tombstone' | 'already_deleted' | 'missing' | 'stale';

/** Returns whether ISO-8601 time `a` is strictly later than `b`. */
export function isLater(a: string, b: string): boolean {
  return Date.parse(a) > Date.parse(b);
}

/** Returns the time a tombstone was deleted at: the delete's source time when it carried one. */
export function tombstoneTime(row: VersionColumns & { deleted_at: string }): string {
  return row.source_updated_at ?? row.deleted_at;
}

/**
 * Decides how a write applies. A live row takes any write unless its stored source time is
 * strictly later. A tombstone is revived only by a write whose source time is strictly later than
 * the deletion, or by a write without source time that sets `revive`.
 */
export function planWrite(
  existing: VersionColumns | undefined,
  sourceTime: string | undefined,
  revive: boolean,
): WritePlan {
  if (existing === undefined) return 'insert';

  if (existing.deleted_at !== null) {
    const deletedAt = tombstoneTime({ ...existing, deleted_at: existing.deleted_at });
    if (sourceTime !== undefined) return isLater(sourceTime, deletedAt) ? 'revive' : 'stale';
    return revive ? 'revive' : 'stale';
  }

  const stored = existing.source_updated_at;
  if (sourceTime !== undefined && stored !== null && isLater(stored, sourceTime)) return 'stale';
  return 'update';
}

/** Decides how a delete applies; a delete older than the stored snapshot is stale. */
export function planDelete(
  existing: VersionColumns | undefined,
  sourceTime: string | undefined,
): DeletePlan {
  if (existing === undefined) return 'missing';
  if (existing.deleted_at !== null) return 'already_deleted';

  const stored = existing.source_updated_at;
  if (sourceTime !== undefined && stored !== null && isLater(stored, sourceTime)) return 'stale';
  return 'tombstone';
}

/**
 * Merges a patch into a stored JSON object key by key: given keys replace stored ones and a key
 * set to null is removed. Undefined values are ignored. Nested objects are replaced whole.
 */
export function mergeObject(stored: JsonObject, patch: JsonObject | undefined): JsonObject {
  if (patch === undefined) return stored;
  const merged: JsonObject = { ...stored };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  return merged;
}

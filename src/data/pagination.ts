import { sql } from 'kysely';
import { InletError } from '../errors.js';
import type { Page } from '../events/event-log.js';

export type { Page };

export interface PageOptions {
  /** Cursor: the `next_cursor` of the previous page. */
  after?: string;
  /** Items per page, 1 to 200; default 50. */
  limit?: number;
  /** Case-insensitive substring that listings with search columns match. */
  search?: string;
}

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 200;

/** Returns the page size to use, clamped to 1..200. */
export function pageLimit(options: PageOptions): number {
  return Math.min(Math.max(options.limit ?? DEFAULT_LIMIT, 1), MAX_LIMIT);
}

/**
 * Encodes the sort key of the last item of a page. Lists sort by their key columns, so the
 * cursor stores those values, such as `[recipient_id]` or `[collection, object_id]`.
 */
export function encodeCursor(keyParts: string[]): string {
  return Buffer.from(JSON.stringify(keyParts)).toString('base64url');
}

/** Decodes a cursor made by `encodeCursor` with `size` key parts; throws `validation_failed`. */
export function decodeCursor(cursor: string, size: number): string[] {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parts = undefined;
  }
  const valid =
    Array.isArray(parts) &&
    parts.length === size &&
    parts.every((part) => typeof part === 'string');
  if (!valid) {
    throw new InletError(
      'validation_failed',
      `The cursor "${cursor}" is invalid; pass the next_cursor of a previous page of the same list.`,
    );
  }
  return parts as string[];
}

/**
 * Builds a page from rows fetched with `limit + 1`. The extra row is dropped; it only shows that
 * another page exists.
 */
export function toPage<Row, Item>(
  rows: Row[],
  limit: number,
  toItem: (row: Row) => Item,
  cursorOf: (row: Row) => string[],
): Page<Item> {
  const pageRows = rows.slice(0, limit);
  const last = pageRows[pageRows.length - 1];
  const hasMore = rows.length > limit && last !== undefined;
  return {
    data: pageRows.map(toItem),
    next_cursor: hasMore ? encodeCursor(cursorOf(last)) : null,
  };
}

/**
 * Returns a condition that `column` contains `text`, ignoring case. On SQLite `lower` folds only
 * ASCII letters, so there "É" and "é" differ.
 */
export function containsText(column: string, text: string) {
  const pattern = `%${escapeLike(text.toLowerCase())}%`;
  return sql<boolean>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`;
}

/** Escapes the LIKE wildcards `%` and `_`, and the escape character itself. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

import { InletError } from '../errors.js';

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 200;

/** Clamps a requested page size to 1..200, defaulting to 50. */
export function pageLimit(limit: number | undefined): number {
  return Math.min(Math.max(limit ?? DEFAULT_LIMIT, 1), MAX_LIMIT);
}

/** Encodes the id of the last row of a page as an opaque cursor. */
export function encodeCursor(id: string): string {
  return Buffer.from(id).toString('base64url');
}

/** Decodes a cursor from `encodeCursor`; throws `validation_failed` for anything else. */
export function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[a-z]+_[0-9A-Z]{26}$/.test(id)) {
    throw new InletError(
      'validation_failed',
      'The cursor is invalid; pass the next_cursor of a previous page.',
    );
  }
  return id;
}

import { isDeepStrictEqual } from 'node:util';
import { SqliteAdapter, type Kysely } from 'kysely';
import type { Tx } from '../db/database.js';
import { inTransaction, type Executor } from './executor.js';
import {
  containsText,
  decodeCursor,
  pageLimit,
  toPage,
  type Page,
  type PageOptions,
} from './pagination.js';
import {
  isLater,
  mergeObject,
  planDelete,
  planWrite,
  tombstoneTime,
  type DeleteOutcome,
  type VersionColumns,
  type WriteOptions,
  type WriteOutcome,
} from './record-rules.js';
import { parseSourceTime, serializeObject, type JsonObject } from './validation.js';

/** Description of a table of versioned records: users, objects or tenants. */
export interface VersionedTableSpec {
  table: 'users' | 'objects' | 'tenants';
  /** Nullable text columns that a write sets or keeps, such as `name` and `email`. */
  textColumns: readonly string[];
  /** JSON object columns that a write merges key by key, such as `properties`. */
  jsonColumns: readonly string[];
  /** Other columns with the value a new row or a tombstone gets, such as users' preferences. */
  resetColumns?: Readonly<Record<string, string>>;
  /** Text columns that a listing's `search` matches, case-insensitively, as a substring. */
  searchColumns: readonly string[];
}

/** The changes of one write; an undefined entry keeps the stored value. */
export interface RecordPatch {
  text: Record<string, string | null | undefined>;
  json: Record<string, JsonObject | undefined>;
}

export interface TableWriteOptions {
  /** Normalized ISO-8601 source time, or undefined for a write without one. */
  sourceTime: string | undefined;
  revive: boolean;
  /** Record name for error messages, such as `user "u_1"`. */
  subject: string;
}

export type StoredRow = VersionColumns & { id: string; created_at: string; updated_at: string };

/** Column values that identify one row, such as `{environment, collection, id}`. */
export type RowKey = Record<string, string>;

type Values = Record<string, string | null>;

/**
 * The SQL shared by users, objects and tenants: merge writes with staleness checks and
 * tombstones. The decisions themselves are in record-rules.ts. Methods that write take a
 * transaction, because each one reads a row and then writes it.
 */
export class VersionedTable<Row extends StoredRow> {
  constructor(private readonly spec: VersionedTableSpec) {}

  /** Applies a patch; returns the outcome and the live row afterwards (null for a tombstone). */
  async write(
    tx: Tx,
    key: RowKey,
    patch: RecordPatch,
    options: TableWriteOptions,
  ): Promise<{ outcome: WriteOutcome; row: Row | null }> {
    // Two attempts: a concurrent transaction may insert the same key between our read and insert.
    for (let attempt = 1; attempt <= 2; attempt++) {
      const existing = await this.lock(tx, key);
      const plan = planWrite(existing, options.sourceTime, options.revive);

      if (plan === 'stale') return { outcome: 'stale', row: liveOrNull(existing) };
      if (plan === 'update') return this.update(tx, key, existing!, patch, options);

      const values = this.buildValues(undefined, patch, options.subject);
      if (plan === 'revive') {
        const sourceTime = options.sourceTime ?? existing!.source_updated_at;
        return { outcome: 'created', row: await this.revive(tx, key, values, sourceTime) };
      }
      const inserted = await this.insert(tx, key, values, options.sourceTime);
      if (inserted !== undefined) return { outcome: 'created', row: inserted };
    }
    throw new Error(
      `Writing ${options.subject} failed: the row was inserted and removed concurrently`,
    );
  }

  /**
   * Turns a live row into a tombstone. A delete with a source time for a missing row leaves a
   * tombstone too, so that an older create delivered late does not bring the record back.
   */
  /**
   * Writes `patch` with the options of a store call: checks the source time, then writes in the
   * caller's transaction or in a new one.
   */
  async writeRecord(
    executor: Executor,
    key: RowKey,
    patch: RecordPatch,
    options: WriteOptions,
    subject: string,
  ): Promise<{ outcome: WriteOutcome; row: Row | null }> {
    const sourceTime = parseSourceTime(options.sourceUpdatedAt, 'sourceUpdatedAt');
    const revive = options.revive ?? false;
    return inTransaction(executor, (tx) =>
      this.write(tx, key, patch, { sourceTime, revive, subject }),
    );
  }

  async delete(tx: Tx, key: RowKey, sourceTime: string | undefined): Promise<DeleteOutcome> {
    // Two attempts, as in `write`. A concurrent transaction may insert the row after our read, so
    // our tombstone insert does nothing. The second attempt then deletes the row it inserted.
    for (let attempt = 1; attempt <= 2; attempt++) {
      const existing = await this.lock(tx, key);
      const plan = planDelete(existing, sourceTime);
      if (plan !== 'missing') return this.applyDelete(tx, key, existing!, plan, sourceTime);
      if (sourceTime === undefined) return 'not_found';
      const now = new Date().toISOString();
      if (await this.insertTombstone(tx, key, sourceTime, now)) return 'not_found';
    }
    throw new Error('Deleting a row failed: it was inserted and removed concurrently');
  }

  private async applyDelete(
    tx: Tx,
    key: RowKey,
    existing: Row,
    plan: Exclude<ReturnType<typeof planDelete>, 'missing'>,
    sourceTime: string | undefined,
  ): Promise<DeleteOutcome> {
    const now = new Date().toISOString();
    switch (plan) {
      case 'stale':
        return 'stale';
      case 'already_deleted': {
        const deletedAt = tombstoneTime({ ...existing!, deleted_at: existing!.deleted_at! });
        if (sourceTime !== undefined && isLater(sourceTime, deletedAt)) {
          await this.set(tx, key, { source_updated_at: sourceTime });
        }
        return 'not_found';
      }
      case 'tombstone':
        await this.set(
          tx,
          key,
          this.tombstoneValues(deletionTime(existing!, sourceTime, now), now),
        );
        return 'deleted';
    }
  }

  /** Returns the live row, or undefined when it is missing or a tombstone. */
  async get(executor: Executor, key: RowKey): Promise<Row | undefined> {
    const query = this.where(db(executor).selectFrom(this.spec.table).selectAll(), key);
    return (await query.where('deleted_at', 'is', null).executeTakeFirst()) as Row | undefined;
  }

  /** Lists live rows within `scope` (such as one environment), sorted by id. */
  async list<Item>(
    executor: Executor,
    scope: RowKey,
    page: PageOptions,
    toItem: (row: Row) => Item,
  ): Promise<Page<Item>> {
    const limit = pageLimit(page);
    let query = this.where(db(executor).selectFrom(this.spec.table).selectAll(), scope)
      .where('deleted_at', 'is', null)
      .orderBy('id')
      .limit(limit + 1);
    if (page.after !== undefined) {
      const [afterId] = decodeCursor(page.after, 1);
      query = query.where('id', '>', afterId!);
    }
    if (page.search !== undefined && page.search !== '') {
      const search = page.search;
      query = query.where((eb) =>
        eb.or(this.spec.searchColumns.map((column) => containsText(column, search))),
      );
    }
    const rows = (await query.execute()) as Row[];
    return toPage(rows, limit, toItem, (row) => [row.id]);
  }

  /**
   * Reads the row and locks it until the transaction ends. The no-op UPDATE takes a row lock on
   * PostgreSQL and the write lock on SQLite, which a `SELECT … FOR UPDATE` cannot do on both.
   */
  private async lock(tx: Tx, key: RowKey): Promise<Row | undefined> {
    // SQLite has one writer at a time and Inlet writes through one connection, so a plain read
    // inside the transaction is enough there. A no-op update would rewrite the row's page.
    if (db(tx).getExecutor().adapter instanceof SqliteAdapter) {
      const select = db(tx).selectFrom(this.spec.table).selectAll();
      return (await this.where(select, key).executeTakeFirst()) as Row | undefined;
    }
    const update = db(tx)
      .updateTable(this.spec.table)
      .set((eb) => ({ updated_at: eb.ref('updated_at') }));
    return (await this.where(update, key).returningAll().executeTakeFirst()) as Row | undefined;
  }

  private async update(
    tx: Tx,
    key: RowKey,
    existing: Row,
    patch: RecordPatch,
    options: TableWriteOptions,
  ): Promise<{ outcome: WriteOutcome; row: Row }> {
    const values = this.buildValues(existing, patch, options.subject);
    const stored = existing.source_updated_at;
    const advances =
      options.sourceTime !== undefined && (stored === null || isLater(options.sourceTime, stored));
    const sourceTime = advances ? options.sourceTime! : stored;

    if (this.sameData(existing, values)) {
      // Recording the newer source time still lets later retries of older snapshots be skipped.
      if (!advances) return { outcome: 'unchanged', row: existing };
      return {
        outcome: 'unchanged',
        row: await this.set(tx, key, { source_updated_at: sourceTime }),
      };
    }
    const now = new Date().toISOString();
    const row = await this.set(tx, key, {
      ...values,
      source_updated_at: sourceTime,
      updated_at: now,
    });
    return { outcome: 'updated', row };
  }

  private async revive(
    tx: Tx,
    key: RowKey,
    values: Values,
    sourceTime: string | null,
  ): Promise<Row> {
    const now = new Date().toISOString();
    return this.set(tx, key, {
      ...values,
      ...this.spec.resetColumns,
      source_updated_at: sourceTime,
      deleted_at: null,
      created_at: now,
      updated_at: now,
    });
  }

  private async insert(
    tx: Tx,
    key: RowKey,
    values: Values,
    sourceTime: string | undefined,
  ): Promise<Row | undefined> {
    const now = new Date().toISOString();
    const row = {
      ...key,
      ...values,
      ...this.spec.resetColumns,
      source_updated_at: sourceTime ?? null,
      created_at: now,
      updated_at: now,
      deleted_at: null,
    };
    const inserted = await db(tx)
      .insertInto(this.spec.table)
      .values(row)
      .onConflict((conflict) => conflict.columns(Object.keys(key)).doNothing())
      .returningAll()
      .executeTakeFirst();
    return inserted as Row | undefined;
  }

  private async insertTombstone(
    tx: Tx,
    key: RowKey,
    sourceTime: string,
    now: string,
  ): Promise<boolean> {
    const row = { ...key, ...this.tombstoneValues(sourceTime, now), created_at: now };
    const result = await db(tx)
      .insertInto(this.spec.table)
      .values(row)
      .onConflict((conflict) => conflict.columns(Object.keys(key)).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  private async set(tx: Tx, key: RowKey, values: Values): Promise<Row> {
    const update = db(tx).updateTable(this.spec.table).set(values);
    return (await this.where(update, key).returningAll().executeTakeFirstOrThrow()) as Row;
  }

  /** Computes the columns after a write: text columns replaced, JSON columns merged. */
  private buildValues(base: Row | undefined, patch: RecordPatch, subject: string): Values {
    const stored = base as Record<string, unknown> | undefined;
    const values: Values = {};
    for (const column of this.spec.textColumns) {
      const given = patch.text[column];
      values[column] = given !== undefined ? given : ((stored?.[column] as string | null) ?? null);
    }
    for (const column of this.spec.jsonColumns) {
      const current =
        stored === undefined ? {} : (JSON.parse(stored[column] as string) as JsonObject);
      values[column] = serializeObject(mergeObject(current, patch.json[column]), column, subject);
    }
    return values;
  }

  private sameData(existing: Row, values: Values): boolean {
    const stored = existing as Record<string, unknown>;
    const textSame = this.spec.textColumns.every((column) => stored[column] === values[column]);
    const jsonSame = this.spec.jsonColumns.every((column) =>
      isDeepStrictEqual(JSON.parse(stored[column] as string), JSON.parse(values[column]!)),
    );
    return textSame && jsonSame;
  }

  private tombstoneValues(sourceTime: string, now: string): Values {
    const values: Values = {};
    for (const column of this.spec.textColumns) values[column] = null;
    for (const column of this.spec.jsonColumns) values[column] = '{}';
    return {
      ...values,
      ...this.spec.resetColumns,
      source_updated_at: sourceTime,
      deleted_at: now,
      updated_at: now,
    };
  }

  private where<Query extends { where(column: string, operator: '=', value: string): Query }>(
    query: Query,
    key: RowKey,
  ): Query {
    let filtered = query;
    for (const [column, value] of Object.entries(key))
      filtered = filtered.where(column, '=', value);
    return filtered;
  }
}

/**
 * Returns the time a delete records on the tombstone: its source time when given, or else the later of
 * now and the stored source time, so that a retry of the last applied snapshot stays stale.
 */
function deletionTime(
  existing: VersionColumns,
  sourceTime: string | undefined,
  now: string,
): string {
  if (sourceTime !== undefined) return sourceTime;
  const stored = existing.source_updated_at;
  return stored !== null && isLater(stored, now) ? stored : now;
}

function liveOrNull<Row extends VersionColumns>(row: Row | undefined): Row | null {
  return row !== undefined && row.deleted_at === null ? row : null;
}

// The table and its columns come from a spec, so queries here use Kysely's untyped form. The
// typed row shapes are in src/data/tables.ts, and each store maps rows to typed records.
function db(executor: Executor): Kysely<any> {
  return executor as unknown as Kysely<any>;
}

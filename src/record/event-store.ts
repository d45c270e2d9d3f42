import type BetterSqlite3 from 'better-sqlite3';
import type { Insertable } from 'kysely';
import { sqliteConnectionOf, type Db, type Tx } from '../db/database.js';
import type { EventRow, JobsTable, NewEvent } from '../db/schema.js';
import { newId } from '../ids.js';
import type { JobQueue, NewJob } from '../queue/job-queue.js';

/**
 * Status of a recorded event. `received` events have a processing job queued; the others need
 * no further work or have finished it.
 */
export type EventStatus =
  | 'received'
  | 'processing'
  | 'processed'
  | 'partially_failed'
  | 'failed'
  | 'skipped'
  | 'ignored'
  | 'invalid';

export const EVENT_STATUSES: readonly EventStatus[] = [
  'received',
  'processing',
  'processed',
  'partially_failed',
  'failed',
  'skipped',
  'ignored',
  'invalid',
];

export const PROCESS_EVENT_JOB = 'event.process';

export interface IncomingEvent {
  sourceEnvironmentId: string;
  providerEventId: string | null;
  eventType: string | null;
  providerCreatedAt: string | null;
  verification: string;
  status: EventStatus;
  errorCode?: string;
  errorMessage?: string;
  rawBody: Buffer;
  headers: Record<string, string>;
}

export interface RecordResult {
  eventId: string;
  duplicate: boolean;
}

/**
 * Maximum number of events committed in one transaction. 200 rows of 15 columns stay far below
 * PostgreSQL's limit of 65,535 bind parameters.
 */
const MAX_BATCH_SIZE = 200;

interface PendingRecord {
  event: IncomingEvent;
  now: Date;
  resolve(result: RecordResult): void;
  reject(error: unknown): void;
}

type Outcome = { ok: true; result: RecordResult } | { ok: false; error: unknown };

interface BatchWriter {
  /** Batches that may be in flight at once. */
  readonly maxConcurrentBatches: number;
  /** Writes the events and returns one outcome per event, in batch order. */
  write(batch: readonly PendingRecord[]): Promise<Outcome[]>;
}

/**
 * Writes deliveries to the event log exactly once per provider event id and environment. The
 * event row, its event-type statistics and its processing job commit in one transaction, so an
 * acknowledged event always has its work scheduled.
 *
 * Concurrent `record` calls share transactions (group commit): the calls made while a batch is
 * being written are committed together in the next one, so a busy server pays for one commit
 * per batch instead of one per event. A call on an idle store is written in the event loop's next
 * check phase (setImmediate), without waiting for other calls. Each event still succeeds or
 * fails on its own.
 */
export class EventStore {
  private readonly writer: BatchWriter;
  private readonly pending: PendingRecord[] = [];
  private activeFlushes = 0;

  constructor(
    private readonly db: Db,
    private readonly queue: JobQueue,
  ) {
    const sqlite = sqliteConnectionOf(db);
    this.writer =
      sqlite === undefined
        ? new KyselyBatchWriter(db, queue)
        : new SqliteBatchWriter(db, sqlite, queue);
  }

  /**
   * Records one delivery and resolves once it is committed. A delivery whose provider event id is
   * already recorded for the environment is a duplicate: only its `delivery_count` and
   * `last_delivered_at` change, and the result carries the first event's id.
   */
  record(event: IncomingEvent, now = new Date()): Promise<RecordResult> {
    return new Promise((resolve, reject) => {
      this.pending.push({ event, now, resolve, reject });
      this.startFlush();
    });
  }

  async find(eventId: string): Promise<EventRow | undefined> {
    return this.db.selectFrom('events').selectAll().where('id', '=', eventId).executeTakeFirst();
  }

  private startFlush(): void {
    if (this.activeFlushes >= this.writer.maxConcurrentBatches) return;
    this.activeFlushes += 1;
    // Waiting for the check phase lets the requests parsed in this turn join the batch.
    setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, MAX_BATCH_SIZE);
        const outcomes = await this.writeSettled(batch);
        this.settle(batch, outcomes);
      }
    } finally {
      this.activeFlushes -= 1;
    }
  }

  private async writeSettled(batch: readonly PendingRecord[]): Promise<Outcome[]> {
    try {
      return await this.writer.write(batch);
    } catch (error) {
      return batch.map(() => ({ ok: false, error }));
    }
  }

  private settle(batch: readonly PendingRecord[], outcomes: readonly Outcome[]): void {
    const enqueued = batch.some((item, index) => {
      const outcome = outcomes[index];
      return outcome?.ok === true && !outcome.result.duplicate && item.event.status === 'received';
    });
    if (enqueued) this.queue.notifyEnqueued();

    for (const [index, item] of batch.entries()) {
      const outcome: Outcome = outcomes[index] ?? {
        ok: false,
        error: new Error('The event writer returned no outcome for this event.'),
      };
      if (outcome.ok) item.resolve(outcome.result);
      else item.reject(outcome.error);
    }
  }
}

/**
 * Writes batches through the better-sqlite3 connection with statements prepared once. Kysely
 * compiles and prepares every statement again, and in CPU profiles of the ingest benchmark that
 * took longer than running the statements. The writer holds Kysely's connection lock while it
 * writes, so its transaction never interleaves with a Kysely transaction on the same connection.
 */
class SqliteBatchWriter implements BatchWriter {
  readonly maxConcurrentBatches = 1;
  private readonly insertEventSql: string;
  private readonly upsertEventTypeSql: string;
  /** Statements prepared on first use, by SQL text, so the store can be built before migrating. */
  private readonly statements = new Map<string, BetterSqlite3.Statement>();
  /** SQL of the job insert by column list, compiled once per list. */
  private readonly jobInsertSql = new Map<string, string>();
  private readonly writeInTransaction: BetterSqlite3.Transaction<
    (items: PreparedEvent[]) => RecordResult[]
  >;

  constructor(
    private readonly db: Db,
    private readonly sqlite: BetterSqlite3.Database,
    private readonly queue: JobQueue,
  ) {
    const sample = eventRow({ event: SAMPLE_EVENT, now: new Date(0) }, 'evt_sample');
    this.insertEventSql = insertEventsQuery(db, [sample]).compile().sql;
    this.upsertEventTypeSql = upsertEventTypesQuery(db, [eventTypeRow(sample)]).compile().sql;
    this.writeInTransaction = sqlite.transaction((items: PreparedEvent[]) => this.writeAll(items));
  }

  async write(batch: readonly PendingRecord[]): Promise<Outcome[]> {
    const items = batch.map((pending) => this.prepare(pending));
    return this.db.connection().execute(async () => this.writeLocked(items));
  }

  /** Builds the rows before taking the lock, so the locked part runs without awaiting. */
  private prepare(pending: PendingRecord): PreparedEvent {
    const row = eventRow(pending, newId('evt'));
    if (pending.event.status !== 'received') return { pending, row };
    return { pending, row, job: this.queue.newJobRow(processJob(row.id)) };
  }

  // Savepoints would let one event fail inside the batch transaction, but SQLite then copies
  // every page an event touches into a statement journal. That cost about 30 µs of CPU per
  // event, a third of the store's cost, on the machine in docs/benchmarks.md. A failed batch is
  // rare, so it is rolled back and its events are retried one at a time.
  private writeLocked(items: PreparedEvent[]): Outcome[] {
    if (this.sqlite.inTransaction) {
      throw new Error(
        'A transaction is already open on the SQLite connection outside Kysely; the events were not written.',
      );
    }
    try {
      return this.writeTransaction(items).map((result) => ({ ok: true, result }));
    } catch (error) {
      if (items.length === 1) return [{ ok: false, error }];
    }
    return items.map((item) => {
      try {
        return { ok: true, result: this.writeTransaction([item])[0]! };
      } catch (error) {
        return { ok: false, error };
      }
    });
  }

  // BEGIN IMMEDIATE takes the write lock up front, waiting up to busy_timeout for another
  // process, instead of failing later when a read transaction tries to upgrade.
  private writeTransaction(items: PreparedEvent[]): RecordResult[] {
    return this.writeInTransaction.immediate(items);
  }

  private writeAll(items: PreparedEvent[]): RecordResult[] {
    const results = items.map((item) => this.writeOne(item));
    const newRows = items
      .filter((_item, index) => !results[index]!.duplicate)
      .map((item) => item.row);
    const upsertEventType = this.statement(this.upsertEventTypeSql);
    for (const row of aggregateEventTypes(newRows)) upsertEventType.run(Object.values(row));
    return results;
  }

  private writeOne(item: PreparedEvent): RecordResult {
    const { changes } = this.statement(this.insertEventSql).run(Object.values(item.row));
    if (changes === 0) return this.countDuplicate(item);
    if (item.job !== undefined) this.insertJob(item.job);
    return { eventId: item.row.id, duplicate: false };
  }

  private countDuplicate(item: PreparedEvent): RecordResult {
    const query = countDuplicateQuery(this.db, item.pending.event, item.row.received_at).compile();
    const existing = this.statement(query.sql).get(query.parameters) as { id: string } | undefined;
    if (existing === undefined) {
      throw new Error(
        `Event ${item.pending.event.providerEventId} conflicted on insert but no row was found to count the duplicate.`,
      );
    }
    return { eventId: existing.id, duplicate: true };
  }

  private insertJob(job: JobInsert): void {
    const columns = Object.keys(job).join(',');
    let sql = this.jobInsertSql.get(columns);
    if (sql === undefined) {
      sql = insertJobsQuery(this.db, [job]).compile().sql;
      this.jobInsertSql.set(columns, sql);
    }
    this.statement(sql).run(Object.values(job));
  }

  private statement(sql: string): BetterSqlite3.Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.sqlite.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

interface PreparedEvent {
  pending: PendingRecord;
  row: NewEvent;
  /** The `event.process` job row, present when the event is `received`. */
  job?: JobInsert;
}

/**
 * Writes batches through Kysely with one multi-row statement per table, so a PostgreSQL batch
 * costs a handful of round trips whatever its size. If the batch transaction fails, each event
 * is retried in a transaction of its own, so one bad event does not fail the others.
 */
class KyselyBatchWriter implements BatchWriter {
  // PostgreSQL commits of separate batches run in parallel on the pool's connections.
  readonly maxConcurrentBatches = 4;

  constructor(
    private readonly db: Db,
    private readonly queue: JobQueue,
  ) {}

  async write(batch: readonly PendingRecord[]): Promise<Outcome[]> {
    if (batch.length > 1) {
      try {
        const results = await this.db.transaction().execute((tx) => this.writeBatch(tx, batch));
        return results.map((result) => ({ ok: true, result }));
      } catch {
        // The batch rolled back as a whole; the events are retried one at a time below.
      }
    }
    return Promise.all(batch.map((pending) => this.writeAlone(pending)));
  }

  private async writeAlone(pending: PendingRecord): Promise<Outcome> {
    try {
      const [result] = await this.db.transaction().execute((tx) => this.writeBatch(tx, [pending]));
      return { ok: true, result: result! };
    } catch (error) {
      return { ok: false, error };
    }
  }

  private async writeBatch(tx: Tx, batch: readonly PendingRecord[]): Promise<RecordResult[]> {
    const rows = batch.map((pending) => eventRow(pending, newId('evt')));
    // Inserting in key order makes concurrent batches lock index entries in the same order, so
    // they wait for each other instead of deadlocking.
    const sorted = [...rows].sort(compareDedupeKeys);
    const inserted = await insertEventsQuery(tx, sorted).returning('id').execute();
    const insertedIds = new Set(inserted.map((row) => row.id));

    const results: RecordResult[] = [];
    for (const [index, row] of rows.entries()) {
      if (insertedIds.has(row.id)) results.push({ eventId: row.id, duplicate: false });
      else results.push(await this.countDuplicate(tx, batch[index]!.event, row.received_at));
    }

    const newRows = rows.filter((row) => insertedIds.has(row.id));
    const eventTypes = aggregateEventTypes(newRows);
    if (eventTypes.length > 0) await upsertEventTypesQuery(tx, eventTypes).execute();
    const jobs: JobInsert[] = [];
    for (const row of newRows) {
      if (row.status === 'received') jobs.push(this.queue.newJobRow(processJob(row.id)));
    }
    if (jobs.length > 0) await insertJobsQuery(tx, jobs).execute();
    return results;
  }

  private async countDuplicate(tx: Tx, event: IncomingEvent, now: string): Promise<RecordResult> {
    const existing = await countDuplicateQuery(tx, event, now).executeTakeFirstOrThrow();
    return { eventId: existing.id, duplicate: true };
  }
}

// Every row is built by this one function, so all rows have the same columns in the same order.
// The SQLite writer relies on that to bind Object.values(row) to a statement prepared once.
function eventRow(pending: Pick<PendingRecord, 'event' | 'now'>, id: string): NewEvent {
  const { event } = pending;
  const now = pending.now.toISOString();
  return {
    id,
    source_environment_id: event.sourceEnvironmentId,
    provider_event_id: event.providerEventId,
    event_type: event.eventType,
    provider_created_at: event.providerCreatedAt,
    received_at: now,
    verification: event.verification,
    status: event.status,
    error_code: event.errorCode ?? null,
    error_message: event.errorMessage ?? null,
    raw_body: event.rawBody,
    headers: JSON.stringify(event.headers),
    delivery_count: 1,
    last_delivered_at: now,
    processed_at: null,
  };
}

function eventTypeRow(row: NewEvent) {
  return {
    source_environment_id: row.source_environment_id,
    event_type: row.event_type!,
    count: 1,
    first_received_at: row.received_at,
    last_received_at: row.received_at,
    last_event_id: row.id,
  };
}

type EventTypeRow = ReturnType<typeof eventTypeRow>;

/** Folds new events into one row per environment and type, in key order; later events win. */
function aggregateEventTypes(rows: readonly NewEvent[]): EventTypeRow[] {
  const byKey = new Map<string, EventTypeRow>();
  for (const row of rows) {
    if (row.event_type === null || row.event_type === undefined) continue;
    const key = `${row.source_environment_id}\u0000${row.event_type}`;
    const counted = byKey.get(key);
    if (counted === undefined) {
      byKey.set(key, eventTypeRow(row));
    } else {
      counted.count += 1;
      counted.last_received_at = row.received_at;
      counted.last_event_id = row.id;
    }
  }
  return [...byKey.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([, row]) => row);
}

function insertEventsQuery(db: Db | Tx, rows: NewEvent[]) {
  return db
    .insertInto('events')
    .values(rows)
    .onConflict((conflict) =>
      conflict.columns(['source_environment_id', 'provider_event_id']).doNothing(),
    );
}

// The update reads the new values from `excluded`, so the statement's parameters are exactly the
// rows' values in column order.
function upsertEventTypesQuery(db: Db | Tx, rows: EventTypeRow[]) {
  return db
    .insertInto('event_types')
    .values(rows)
    .onConflict((conflict) =>
      conflict.columns(['source_environment_id', 'event_type']).doUpdateSet((eb) => ({
        count: eb('event_types.count', '+', eb.ref('excluded.count')),
        last_received_at: eb.ref('excluded.last_received_at'),
        last_event_id: eb.ref('excluded.last_event_id'),
      })),
    );
}

function countDuplicateQuery(db: Db | Tx, event: IncomingEvent, now: string) {
  return db
    .updateTable('events')
    .set((eb) => ({ delivery_count: eb('delivery_count', '+', 1), last_delivered_at: now }))
    .where('source_environment_id', '=', event.sourceEnvironmentId)
    .where('provider_event_id', '=', event.providerEventId)
    .returning('id');
}

// The conflict clause matches JobQueue.enqueue's, which skips a job whose dedupe key exists.
function insertJobsQuery(db: Db | Tx, rows: JobInsert[]) {
  return db
    .insertInto('jobs')
    .values(rows)
    .onConflict((conflict) => conflict.column('dedupe_key').doNothing());
}

function processJob(eventId: string): NewJob {
  return { kind: PROCESS_EVENT_JOB, payload: { eventId } };
}

function compareDedupeKeys(a: NewEvent, b: NewEvent): number {
  return compareStrings(
    `${a.source_environment_id}\u0000${a.provider_event_id ?? ''}`,
    `${b.source_environment_id}\u0000${b.provider_event_id ?? ''}`,
  );
}

function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

const SAMPLE_EVENT: IncomingEvent = {
  sourceEnvironmentId: 'senv_sample',
  providerEventId: 'sample',
  eventType: 'sample',
  providerCreatedAt: null,
  verification: 'verified',
  status: 'received',
  rawBody: Buffer.alloc(0),
  headers: {},
};

type JobInsert = Insertable<JobsTable>;

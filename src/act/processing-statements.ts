import type BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { sqliteConnectionOf, type Db, type Tx } from '../db/database.js';
import type { EventRow } from '../db/schema.js';
import type { ActionLogRow } from './action-log.js';

export type LoadedEventRow = EventRow & { environment: string; disabled_event_types: string };

/**
 * The statements the processor runs for every event and action. On SQLite they go straight to
 * the better-sqlite3 connection as statements prepared once: building and compiling each query
 * with Kysely cost more than running it in CPU profiles of bench/process. They run inside the
 * caller's Kysely transaction, which has the connection to itself, so they join that transaction.
 */
export interface ProcessingStatements {
  loadEvent(tx: Tx, eventId: string): Promise<LoadedEventRow | undefined>;
  insertActionLog(tx: Tx, row: ActionLogRow): Promise<void>;
  /** Sets the event's status and processing time, and its error: the first failed action's. */
  finishEvent(
    tx: Tx,
    eventId: string,
    status: string,
    processedAt: string | null,
    error: EventError | null,
  ): Promise<void>;
  savepoint(tx: Tx, name: SavepointName): Promise<void>;
  release(tx: Tx, name: SavepointName): Promise<void>;
  rollbackTo(tx: Tx, name: SavepointName): Promise<void>;
}

export type SavepointName = 'event_job' | 'action';

export interface EventError {
  code: string;
  message: string | null;
}

export function processingStatements(db: Db): ProcessingStatements {
  const sqlite = sqliteConnectionOf(db);
  return sqlite === undefined ? new KyselyStatements() : new SqliteStatements(sqlite);
}

const ACTION_LOG_COLUMNS = [
  'id',
  'event_id',
  'mapping_id',
  'run',
  'action_type',
  'parameters',
  'resolved',
  'result',
  'status',
  'error_code',
  'error_message',
  'attempts',
  'duration_ms',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof ActionLogRow)[];

class KyselyStatements implements ProcessingStatements {
  async loadEvent(tx: Tx, eventId: string) {
    return tx
      .selectFrom('events')
      .innerJoin('source_environments as env', 'env.id', 'events.source_environment_id')
      .selectAll('events')
      .select(['env.environment', 'env.disabled_event_types'])
      .where('events.id', '=', eventId)
      .executeTakeFirst();
  }

  async insertActionLog(tx: Tx, row: ActionLogRow) {
    await tx.insertInto('action_logs').values(row).execute();
  }

  async finishEvent(
    tx: Tx,
    eventId: string,
    status: string,
    processedAt: string | null,
    error: EventError | null,
  ) {
    await tx
      .updateTable('events')
      .set({
        status,
        processed_at: processedAt,
        error_code: error?.code ?? null,
        error_message: error?.message ?? null,
      })
      .where('id', '=', eventId)
      .execute();
  }

  async savepoint(tx: Tx, name: SavepointName) {
    await sql`savepoint ${sql.raw(name)}`.execute(tx);
  }

  async release(tx: Tx, name: SavepointName) {
    await sql`release savepoint ${sql.raw(name)}`.execute(tx);
  }

  async rollbackTo(tx: Tx, name: SavepointName) {
    await sql`rollback to savepoint ${sql.raw(name)}`.execute(tx);
  }
}

class SqliteStatements implements ProcessingStatements {
  private readonly load: BetterSqlite3.Statement;
  private readonly insertLog: BetterSqlite3.Statement;
  private readonly finish: BetterSqlite3.Statement;

  constructor(private readonly sqlite: BetterSqlite3.Database) {
    this.load = sqlite.prepare(
      `select events.*, env.environment, env.disabled_event_types from events
       inner join source_environments as env on env.id = events.source_environment_id
       where events.id = ?`,
    );
    const placeholders = ACTION_LOG_COLUMNS.map(() => '?').join(', ');
    this.insertLog = sqlite.prepare(
      `insert into action_logs (${ACTION_LOG_COLUMNS.join(', ')}) values (${placeholders})`,
    );
    this.finish = sqlite.prepare(
      'update events set status = ?, processed_at = ?, error_code = ?, error_message = ? where id = ?',
    );
  }

  async loadEvent(_tx: Tx, eventId: string) {
    return this.load.get(eventId) as LoadedEventRow | undefined;
  }

  async insertActionLog(_tx: Tx, row: ActionLogRow) {
    this.insertLog.run(ACTION_LOG_COLUMNS.map((column) => row[column]));
  }

  async finishEvent(
    _tx: Tx,
    eventId: string,
    status: string,
    processedAt: string | null,
    error: EventError | null,
  ) {
    this.finish.run(status, processedAt, error?.code ?? null, error?.message ?? null, eventId);
  }

  async savepoint(_tx: Tx, name: SavepointName) {
    this.sqlite.exec(`savepoint ${name}`);
  }

  async release(_tx: Tx, name: SavepointName) {
    this.sqlite.exec(`release savepoint ${name}`);
  }

  async rollbackTo(_tx: Tx, name: SavepointName) {
    this.sqlite.exec(`rollback to savepoint ${name}`);
  }
}

import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type Transaction } from 'kysely';
import pg from 'pg';
import type { Config } from '../config.js';
import { buildMigrations } from './migrations/index.js';
import type { Database } from './schema.js';

export type DatabaseKind = 'sqlite' | 'postgres';
export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;

export interface DatabaseHandle {
  kind: DatabaseKind;
  db: Db;
  /** The better-sqlite3 connection behind `db`, for SQLite only. */
  sqlite?: SqliteDatabase.Database;
  close(): Promise<void>;
}

const sqliteConnections = new WeakMap<Db, SqliteDatabase.Database>();

/**
 * Returns the better-sqlite3 connection behind a Kysely instance opened by `openSqlite`, or
 * undefined for PostgreSQL. Kysely shares this one connection between all queries and guards it
 * with a lock, so code that uses it directly must hold that lock, for example inside
 * `db.connection().execute(...)`.
 */
export function sqliteConnectionOf(db: Db): SqliteDatabase.Database | undefined {
  return sqliteConnections.get(db);
}

// PostgreSQL returns int8 (COUNT(*), SUM) as strings; our counters fit comfortably in a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/** Opens the database chosen by the configuration; call `migrate` before serving. */
export function openDatabase(
  config: Pick<Config, 'databaseKind' | 'databaseUrl' | 'sqlitePath'>,
  onIdleError?: (error: Error) => void,
): DatabaseHandle {
  return config.databaseKind === 'postgres'
    ? openPostgres(config.databaseUrl, 10, onIdleError)
    : openSqlite(config.sqlitePath);
}

export function openSqlite(file: string): DatabaseHandle {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new SqliteDatabase(file);
  // WAL with synchronous=NORMAL keeps every committed transaction across a crash of the process
  // (kill -9); only a power loss can drop the last commits. busy_timeout lets a second process
  // (for example the CLI) wait for the write lock instead of failing.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  // Every checkpoint syncs the WAL and the database file to disk. The default (every 1,000 pages)
  // syncs every few dozen events under load; 10,000 pages (about 40 MB of WAL) syncs ten times
  // less often. A larger page cache keeps the hot indexes in memory.
  sqlite.pragma('wal_autocheckpoint = 10000');
  sqlite.pragma('cache_size = -65536');
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: withStatementCache(sqlite) }),
  });
  sqliteConnections.set(db, sqlite);
  return { kind: 'sqlite', db, sqlite, close: () => db.destroy() };
}

const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely's SQLite driver prepares every query anew, and preparing costs more than running a
 * small query. Kysely emits the same SQL text for the same query shape, so prepared statements are
 * cached by text (least recently used dropped beyond 500).
 */
function withStatementCache(sqlite: SqliteDatabase.Database) {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let statement = cache.get(sql);
      if (statement === undefined) {
        statement = sqlite.prepare(sql);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      } else {
        cache.delete(sql);
      }
      cache.set(sql, statement);
      return statement;
    },
  };
}

export function openPostgres(
  connectionString: string,
  poolSize = 10,
  onIdleError: (error: Error) => void = () => {},
): DatabaseHandle {
  const pool = new pg.Pool({ connectionString, max: poolSize });
  // An idle client whose connection the server closed (restart, failover, terminated backend)
  // emits 'error' on the pool; without a listener that would crash the process. The pool drops
  // the client and opens a new one on the next query.
  pool.on('error', onIdleError);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { kind: 'postgres', db, close: () => db.destroy() };
}

/**
 * Applies every pending migration. On PostgreSQL Kysely holds an advisory lock while it
 * migrates, so several Inlet processes may start at once.
 */
export async function migrate(handle: DatabaseHandle): Promise<void> {
  const migrator = new Migrator({
    db: handle.db,
    provider: { getMigrations: async () => buildMigrations(handle.kind) },
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((result) => result.status === 'Error');
  if (error !== undefined || failed !== undefined) {
    const name = failed?.migrationName ?? 'unknown';
    throw new Error(`Database migration ${name} failed`, { cause: error });
  }
}

import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';

export interface Latency {
  p50: number;
  p99: number;
  max: number;
}

/** Read-only queries on the server's database while the benchmark runs. */
export interface Counter {
  messages(workflow: string): Promise<number>;
  /** Time from run creation (the trigger) to message creation, in ms. */
  triggerLatency(workflow: string): Promise<Latency>;
  /** Time from receiving the WorkOS delivery to message creation, in ms. */
  deliveryLatency(workflow: string): Promise<Latency>;
  close(): Promise<void>;
}

const COUNT_SQL = 'select count(*) as n from messages where workflow_key = $1';
const TRIGGER_SQL = `select r.created_at as started_at, m.created_at as finished_at
  from messages m join workflow_runs r on r.id = m.run_id where m.workflow_key = $1`;
const DELIVERY_SQL = `select e.received_at as started_at, m.created_at as finished_at
  from messages m join events e on e.id = m.source_event_id where m.workflow_key = $1`;

interface SpanRow {
  started_at: string;
  finished_at: string;
}

/** Opens a counter on a PostgreSQL URL, or on a SQLite file for any other value. */
export function openCounter(target: string): Counter {
  return /^postgres(ql)?:\/\//.test(target) ? postgresCounter(target) : sqliteCounter(target);
}

function sqliteCounter(file: string): Counter {
  const db = new SqliteDatabase(file, { readonly: true });
  db.pragma('busy_timeout = 5000');
  const sqlite = (sql: string) => sql.replace('$1', '?');
  return {
    messages: async (workflow) => (db.prepare(sqlite(COUNT_SQL)).get(workflow) as { n: number }).n,
    triggerLatency: async (workflow) =>
      percentiles(db.prepare(sqlite(TRIGGER_SQL)).all(workflow) as SpanRow[]),
    deliveryLatency: async (workflow) =>
      percentiles(db.prepare(sqlite(DELIVERY_SQL)).all(workflow) as SpanRow[]),
    close: async () => {
      db.close();
    },
  };
}

function postgresCounter(url: string): Counter {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  return {
    messages: async (workflow) => Number((await pool.query(COUNT_SQL, [workflow])).rows[0].n),
    triggerLatency: async (workflow) =>
      percentiles((await pool.query(TRIGGER_SQL, [workflow])).rows as SpanRow[]),
    deliveryLatency: async (workflow) =>
      percentiles((await pool.query(DELIVERY_SQL, [workflow])).rows as SpanRow[]),
    close: () => pool.end(),
  };
}

function percentiles(rows: SpanRow[]): Latency {
  const spans = rows
    .map((row) => Date.parse(row.finished_at) - Date.parse(row.started_at))
    .sort((a, b) => a - b);
  const at = (fraction: number) =>
    spans[Math.min(spans.length - 1, Math.floor(fraction * spans.length))] ?? 0;
  return { p50: at(0.5), p99: at(0.99), max: spans[spans.length - 1] ?? 0 };
}

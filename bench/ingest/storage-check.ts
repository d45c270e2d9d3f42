import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';

/** Contents of a target's database after its server stopped, compared with the 2xx responses. */
export interface StorageCheck {
  storedEvents: number;
  /** Acknowledged event ids with no stored row; anything above 0 is a lost event. */
  missingAcknowledged: number;
  /** `event.process` jobs, which Inlet commits with each new event; null for the baseline. */
  processJobs: number | null;
}

/** Compares an Inlet SQLite database file with the acknowledged event ids. */
export function checkInletSqlite(file: string, acknowledgedIds: ReadonlySet<string>): StorageCheck {
  const database = new SqliteDatabase(file, { readonly: true });
  try {
    const ids = database
      .prepare('SELECT provider_event_id AS id FROM events')
      .pluck()
      .all() as string[];
    const jobs = database
      .prepare("SELECT count(*) FROM jobs WHERE kind = 'event.process'")
      .pluck()
      .get() as number;
    return compare(ids, acknowledgedIds, jobs);
  } finally {
    database.close();
  }
}

/** Compares an Inlet PostgreSQL database with the acknowledged event ids. */
export async function checkInletPostgres(
  url: string,
  acknowledgedIds: ReadonlySet<string>,
): Promise<StorageCheck> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const events = await client.query<{ id: string }>('SELECT provider_event_id AS id FROM events');
    const jobs = await client.query<{ count: string }>(
      "SELECT count(*) FROM jobs WHERE kind = 'event.process'",
    );
    return compare(
      events.rows.map((row) => row.id),
      acknowledgedIds,
      Number(jobs.rows[0]!.count),
    );
  } finally {
    await client.end();
  }
}

/** Compares the baseline server's SQLite file with the acknowledged event ids. */
export function checkBaselineSqlite(
  file: string,
  acknowledgedIds: ReadonlySet<string>,
): StorageCheck {
  const database = new SqliteDatabase(file, { readonly: true });
  try {
    const ids = database.prepare('SELECT id FROM webhook_events').pluck().all() as string[];
    return compare(ids, acknowledgedIds, null);
  } finally {
    database.close();
  }
}

function compare(
  storedIds: string[],
  acknowledgedIds: ReadonlySet<string>,
  processJobs: number | null,
): StorageCheck {
  const stored = new Set(storedIds);
  let missing = 0;
  for (const id of acknowledgedIds) if (!stored.has(id)) missing += 1;
  return { storedEvents: storedIds.length, missingAcknowledged: missing, processJobs };
}

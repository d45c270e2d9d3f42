import { EventEmitter } from 'node:events';
import type BetterSqlite3 from 'better-sqlite3';
import { sqliteConnectionOf, type Db, type DatabaseKind, type Tx } from '../db/database.js';
import type { JobRow, JobsTable } from '../db/schema.js';
import type { Insertable } from 'kysely';
import { newId } from '../ids.js';

export interface NewJob {
  kind: string;
  payload: unknown;
  /** When the job becomes due; defaults to now. */
  runAt?: Date;
  maxAttempts?: number;
  /** A job with the same key is enqueued only once while its row exists. */
  dedupeKey?: string;
}

export type JobStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1000, maxMs: 60 * 60 * 1000 };

/**
 * A durable job queue in the `jobs` table. Jobs are enqueued inside the caller's transaction, so
 * a job exists exactly when the data it refers to was committed. Workers claim due jobs with
 * FOR UPDATE SKIP LOCKED on PostgreSQL, so several processes share one queue; SQLite has a
 * single writer and needs no row locks. A claimed job carries a lease: if its process dies, the
 * job becomes claimable again when the lease runs out.
 */
export class JobQueue {
  /** Emits 'enqueued' after `notifyEnqueued`, so an idle worker in this process wakes at once. */
  readonly signals = new EventEmitter();

  private preparedComplete: BetterSqlite3.Statement | undefined;

  constructor(
    private readonly db: Db,
    private readonly kind: DatabaseKind,
    private readonly defaults: { maxAttempts: number; backoff?: BackoffPolicy },
  ) {}

  /** Prepared on first use, so a queue can be built before the migrations ran. */
  private get completeStatement(): BetterSqlite3.Statement | undefined {
    this.preparedComplete ??= sqliteConnectionOf(this.db)?.prepare(
      `update jobs set status = 'succeeded', locked_by = null, locked_until = null, last_error = null,
       finished_at = ?, updated_at = ? where id = ? and locked_by = ?`,
    );
    return this.preparedComplete;
  }

  async enqueue(tx: Tx | Db, job: NewJob): Promise<string> {
    const row = this.newJobRow(job);
    await tx
      .insertInto('jobs')
      .values(row)
      .onConflict((conflict) => conflict.column('dedupe_key').doNothing())
      .execute();
    return row.id;
  }

  /**
   * Builds the row that `enqueue` inserts, for writers that insert many jobs with statements of
   * their own, such as the event store's group commit.
   */
  newJobRow(job: NewJob): Insertable<JobsTable> & { id: string } {
    const now = new Date().toISOString();
    return {
      id: newId('job'),
      kind: job.kind,
      payload: JSON.stringify(job.payload ?? null),
      status: 'pending',
      run_at: (job.runAt ?? new Date()).toISOString(),
      attempts: 0,
      max_attempts: job.maxAttempts ?? this.defaults.maxAttempts,
      dedupe_key: job.dedupeKey ?? null,
      created_at: now,
      updated_at: now,
    };
  }

  /** Wakes local workers; call after the transaction that enqueued jobs has committed. */
  notifyEnqueued(): void {
    this.signals.emit('enqueued');
  }

  /** Claims up to `limit` due jobs (pending, or running with an expired lease) for `workerId`. */
  async claim(
    workerId: string,
    limit: number,
    leaseMs: number,
    now = new Date(),
    kinds: { only?: readonly string[]; except?: readonly string[] } = {},
  ): Promise<JobRow[]> {
    const nowIso = now.toISOString();
    const due = this.db
      .selectFrom('jobs')
      .select('id')
      .$if(kinds.only !== undefined, (query) => query.where('kind', 'in', kinds.only!))
      .$if(kinds.except !== undefined && kinds.except.length > 0, (query) =>
        query.where('kind', 'not in', kinds.except!),
      )
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'pending'), eb('run_at', '<=', nowIso)]),
          eb.and([eb('status', '=', 'running'), eb('locked_until', '<', nowIso)]),
        ]),
      )
      .orderBy('run_at')
      .limit(limit)
      .$if(this.kind === 'postgres', (query) => query.forUpdate().skipLocked());

    return this.db
      .updateTable('jobs')
      .set((eb) => ({
        status: 'running',
        attempts: eb('attempts', '+', 1),
        locked_by: workerId,
        locked_until: new Date(now.getTime() + leaseMs).toISOString(),
        updated_at: nowIso,
      }))
      .where('id', 'in', due)
      .returningAll()
      .execute();
  }

  async complete(job: JobRow, tx: Tx | Db = this.db): Promise<void> {
    const now = new Date().toISOString();
    // Inside a transaction on SQLite the connection is already locked for this caller, so a
    // prepared statement joins the transaction. Batch handlers complete every job this way.
    if (tx.isTransaction && this.completeStatement !== undefined) {
      this.completeStatement.run(now, now, job.id, job.locked_by);
      return;
    }
    await tx
      .updateTable('jobs')
      .set({
        status: 'succeeded',
        locked_by: null,
        locked_until: null,
        finished_at: now,
        updated_at: now,
        last_error: null,
      })
      .where('id', '=', job.id)
      .where('locked_by', '=', job.locked_by)
      .execute();
  }

  /**
   * Records a failed attempt. Retryable failures are scheduled again with exponential backoff
   * and full jitter until `max_attempts`; `retryAt` overrides the delay (for a Retry-After).
   * Returns whether the job will run again.
   */
  async fail(
    job: JobRow,
    error: string,
    options: { retryable: boolean; retryAt?: Date } = { retryable: true },
    tx: Tx | Db = this.db,
  ): Promise<boolean> {
    const now = new Date();
    const retry = options.retryable && job.attempts < job.max_attempts;
    const runAt =
      options.retryAt ??
      new Date(now.getTime() + backoffDelayMs(job.attempts, this.defaults.backoff));
    await tx
      .updateTable('jobs')
      .set({
        status: retry ? 'pending' : 'failed',
        run_at: retry ? runAt.toISOString() : job.run_at,
        locked_by: null,
        locked_until: null,
        last_error: error.slice(0, 2000),
        finished_at: retry ? null : now.toISOString(),
        updated_at: now.toISOString(),
      })
      .where('id', '=', job.id)
      .where('locked_by', '=', job.locked_by)
      .execute();
    return retry;
  }

  /** Cancels those of the given jobs that are still pending; returns how many it cancelled. */
  async cancelPending(tx: Tx | Db, ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const now = new Date().toISOString();
    const result = await tx
      .updateTable('jobs')
      .set({ status: 'cancelled', finished_at: now, updated_at: now })
      .where('id', 'in', ids)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** Counts jobs per status, for health and tests. */
  async countByStatus(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('jobs')
      .select(['status', (eb) => eb.fn.countAll<number>().as('count')])
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]));
  }
}

/** Delay before attempt `attempt + 1`: full jitter over an exponentially growing cap. */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(cap / 2 + Math.random() * (cap / 2));
}

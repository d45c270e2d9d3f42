import { createHash } from 'node:crypto';
import type { Db, DatabaseKind, Tx } from '../db/database.js';
import { newId } from '../ids.js';
import type { JobQueue } from '../queue/job-queue.js';
import type { BatchStep } from './definition.js';
import { durationMs } from './duration.js';
import { JOB_KINDS, type CloseBatchJobPayload } from './jobs.js';
import type { RunRow } from './run-store.js';

/** The `batch` template variable of the run that delivers a batch. */
export interface BatchScope {
  /** Data and actor of every run in the batch, in trigger order. */
  items: Array<{ data: unknown; actor: unknown; run_id: string }>;
  count: number;
  /** The value at the step's key_path, or null without key_path. */
  key: unknown;
}

export interface JoinedBatch {
  batchId: string;
  closesAt: string;
  /** Whether this run opened the batch window. */
  opened: boolean;
}

/**
 * Batch windows. The first run to reach a batch step for a workflow, recipient and key opens a
 * window and schedules its close. Later runs join until the window ends or `max_items` is
 * reached. At close, the earliest run still waiting continues with every item, and the others
 * are marked `batched` into it.
 */
export class BatchWindows {
  constructor(
    private readonly kind: DatabaseKind,
    private readonly queue: JobQueue,
  ) {}

  /** Adds `run` to the open batch for its key, opening one if there is none. */
  async join(
    tx: Tx,
    run: RunRow,
    step: BatchStep,
    keyValue: unknown,
    now: Date,
  ): Promise<JoinedBatch> {
    const batchKey = step.key_path === undefined ? '' : JSON.stringify(keyValue ?? null);
    const openKey = createHash('sha256')
      .update([run.environment, run.workflow_key, step.ref, run.recipient_id, batchKey].join('\n'))
      .digest('hex');

    // A batch that fills up or closes between the two statements releases its open_key, so the
    // next pass opens a new batch. Two passes suffice, and the third is a safety margin.
    for (let pass = 0; pass < 3; pass += 1) {
      const joined = await this.joinOpen(tx, openKey);
      if (joined !== undefined) return { ...joined, opened: false };
      const opened = await this.open(tx, run, step, batchKey, openKey, now);
      if (opened !== undefined) return { ...opened, opened: true };
    }
    throw new Error(`Could not join or open a batch for run ${run.id} at step "${step.ref}"`);
  }

  /**
   * Closes a batch: no run can join it any more. Returns the runs still waiting in it, oldest
   * first, or undefined when it was already closed.
   */
  async close(
    tx: Tx,
    batchId: string,
    now: Date,
  ): Promise<{ runIds: string[]; stepRef: string } | undefined> {
    const batch = await tx
      .selectFrom('workflow_batches')
      .selectAll()
      .where('id', '=', batchId)
      .$if(this.kind === 'postgres', (query) => query.forUpdate())
      .executeTakeFirst();
    if (batch === undefined || batch.status === 'closed') return undefined;

    await tx
      .updateTable('workflow_batches')
      .set({ status: 'closed', open_key: null, closed_at: now.toISOString() })
      .where('id', '=', batchId)
      .execute();
    const runs = await tx
      .selectFrom('workflow_runs')
      .select('id')
      .where('batch_id', '=', batchId)
      .where('status', '=', 'waiting')
      // Ids sort in creation order. Cancellation locks runs in id order too, so on PostgreSQL the
      // two never wait for each other's runs in opposite orders.
      .orderBy('id')
      .$if(this.kind === 'postgres', (query) => query.forUpdate())
      .execute();
    return { runIds: runs.map((row) => row.id), stepRef: batch.step_ref };
  }

  async setLeader(tx: Tx, batchId: string, runId: string): Promise<void> {
    await tx
      .updateTable('workflow_batches')
      .set({ leader_run_id: runId })
      .where('id', '=', batchId)
      .execute();
  }

  /** Returns the `batch` template variable for a run that delivers a closed batch, else undefined. */
  async scopeFor(exec: Db | Tx, run: RunRow): Promise<BatchScope | undefined> {
    if (run.batch_id === null) return undefined;
    const batch = await exec
      .selectFrom('workflow_batches')
      .select(['leader_run_id', 'batch_key'])
      .where('id', '=', run.batch_id)
      .executeTakeFirst();
    if (batch?.leader_run_id !== run.id) return undefined;

    const rows = await exec
      .selectFrom('workflow_runs')
      .select(['id', 'data', 'actor'])
      .where('batch_id', '=', run.batch_id)
      .where((eb) => eb.or([eb('id', '=', run.id), eb('batched_into_run_id', '=', run.id)]))
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    const items = rows.map((row) => ({
      data: JSON.parse(row.data) as unknown,
      actor: row.actor === null ? null : (JSON.parse(row.actor) as unknown),
      run_id: row.id,
    }));
    return {
      items,
      count: items.length,
      key: batch.batch_key === '' ? null : (JSON.parse(batch.batch_key) as unknown),
    };
  }

  private async joinOpen(
    tx: Tx,
    openKey: string,
  ): Promise<Omit<JoinedBatch, 'opened'> | undefined> {
    const batch = await tx
      .updateTable('workflow_batches')
      .set((eb) => ({ item_count: eb('item_count', '+', 1) }))
      .where('open_key', '=', openKey)
      .returning(['id', 'item_count', 'max_items', 'closes_at', 'close_job_id'])
      .executeTakeFirst();
    if (batch === undefined) return undefined;

    if (Number(batch.item_count) >= Number(batch.max_items))
      await this.closeEarly(tx, batch.id, batch.close_job_id);
    return { batchId: batch.id, closesAt: batch.closes_at };
  }

  private async open(
    tx: Tx,
    run: RunRow,
    step: BatchStep,
    batchKey: string,
    openKey: string,
    now: Date,
  ): Promise<Omit<JoinedBatch, 'opened'> | undefined> {
    const id = newId('batch');
    const closesAt = new Date(now.getTime() + durationMs(step.window));
    const inserted = await tx
      .insertInto('workflow_batches')
      .values({
        id,
        environment: run.environment,
        workflow_key: run.workflow_key,
        step_ref: step.ref,
        recipient_id: run.recipient_id,
        batch_key: batchKey,
        open_key: openKey,
        status: 'open',
        item_count: 1,
        max_items: step.max_items,
        opened_at: now.toISOString(),
        closes_at: closesAt.toISOString(),
        closed_at: null,
        close_job_id: null,
        leader_run_id: null,
      })
      .onConflict((conflict) => conflict.column('open_key').doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) return undefined;

    if (step.max_items <= 1) {
      await this.closeEarly(tx, id, null);
    } else {
      const payload: CloseBatchJobPayload = { batchId: id };
      const jobId = await this.queue.enqueue(tx, {
        kind: JOB_KINDS.closeBatch,
        payload,
        runAt: closesAt,
      });
      await tx
        .updateTable('workflow_batches')
        .set({ close_job_id: jobId })
        .where('id', '=', id)
        .execute();
    }
    return { batchId: id, closesAt: closesAt.toISOString() };
  }

  /** Stops a full batch from taking more runs and closes it now instead of at the window's end. */
  private async closeEarly(tx: Tx, batchId: string, scheduledJobId: string | null): Promise<void> {
    await tx
      .updateTable('workflow_batches')
      .set({ open_key: null })
      .where('id', '=', batchId)
      .execute();
    if (scheduledJobId !== null) await this.queue.cancelPending(tx, [scheduledJobId]);
    const payload: CloseBatchJobPayload = { batchId };
    await this.queue.enqueue(tx, { kind: JOB_KINDS.closeBatch, payload });
  }
}

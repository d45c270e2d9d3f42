import type { JobRow } from '../db/schema.js';
import type { JobContext } from '../queue/worker.js';
import type { EngineContext } from './context.js';
import { advance, stepAt, type Cursor } from './cursor.js';
import { JOB_KINDS, type CloseBatchJobPayload, type StepJobPayload } from './jobs.js';

/**
 * Job handler of `workflow.batch.close`. The earliest run still waiting in the batch continues
 * past the batch step with every item; the other runs end as `batched` into it. Runs cancelled
 * while the window was open are left out.
 */
export function createCloseBatchHandler(engine: EngineContext) {
  return async (
    payload: CloseBatchJobPayload,
    _job: JobRow,
    context: JobContext,
  ): Promise<void> => {
    const log = context.log.child({ batchId: payload.batchId });
    const leader = await engine.db.transaction().execute(async (tx) => {
      const now = engine.clock();
      const nowIso = now.toISOString();
      const closed = await engine.batches.close(tx, payload.batchId, now);
      if (closed === undefined || closed.runIds.length === 0) return undefined;

      const [leaderId, ...others] = closed.runIds as [string, ...string[]];
      await engine.batches.setLeader(tx, payload.batchId, leaderId);
      for (let start = 0; start < others.length; start += 500) {
        await tx
          .updateTable('workflow_runs')
          .set({
            status: 'batched',
            batched_into_run_id: leaderId,
            wait_kind: null,
            waiting_until: null,
            updated_at: nowIso,
            finished_at: nowIso,
          })
          .where('id', 'in', others.slice(start, start + 500))
          .execute();
      }
      await engine.runs.finishWaitingSteps(tx, others, 'batched', nowIso, {
        ref: closed.stepRef,
        detail: { batch_id: payload.batchId, delivered_by_run_id: leaderId },
      });

      const run = await engine.runs.lock(tx, leaderId);
      const workflow = await engine.workflows.loadVersion(
        tx,
        run!.workflow_key,
        run!.workflow_version,
      );
      const cursor = JSON.parse(run!.cursor) as Cursor;
      await engine.runs.finishWaitingSteps(tx, [leaderId], 'completed', nowIso, {
        ref: stepAt(workflow.steps, cursor)?.ref,
        detail: { batch_id: payload.batchId, count: closed.runIds.length },
      });
      await engine.runs.update(tx, leaderId, {
        status: 'running',
        cursor: JSON.stringify(advance(workflow.steps, cursor)),
        wait_kind: null,
        waiting_until: null,
        updated_at: nowIso,
      });
      const stepPayload: StepJobPayload = { runId: leaderId };
      await engine.queue.enqueue(tx, { kind: JOB_KINDS.step, payload: stepPayload });
      return { runId: leaderId, count: closed.runIds.length };
    });

    if (leader === undefined) return;
    engine.queue.notifyEnqueued();
    log.info({ runId: leader.runId, items: leader.count }, 'batch closed');
  };
}

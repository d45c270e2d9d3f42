import type { Tx } from '../db/database.js';
import type { JobRow } from '../db/schema.js';
import type { Logger } from '../logger.js';
import type { JobContext } from '../queue/worker.js';
import { chooseBranch } from './conditions.js';
import { createMessage } from './channel-step.js';
import type { EngineContext } from './context.js';
import { advance, DEFAULT_BRANCH, enterBranch, stepAt, type Cursor } from './cursor.js';
import {
  isChannelStep,
  type BatchStep,
  type BranchStep,
  type ChannelStep,
  type DelayStep,
  type Step,
  type ThrottleStep,
} from './definition.js';
import { durationMs } from './duration.js';
import { JOB_KINDS, type StepJobPayload } from './jobs.js';
import { readRunPath } from './run-path.js';
import { loadRunScope, type RunScope } from './run-scope.js';
import type { RunRow, RunStatus } from './run-store.js';
import { passThrottle } from './throttle.js';
import type { WorkflowVersion } from './workflow-store.js';

/** A guard against a definition that could loop; no valid workflow has this many steps. */
const MAX_STEPS_PER_JOB = 1000;

/** Result of one step for its run. */
interface StepOutcome {
  /** Whether the run stops here: it waits, was stopped or finished. */
  stop: boolean;
  /** Whether the step enqueued jobs, so the worker should wake. */
  enqueued?: boolean;
}

/** State of one step transaction. */
interface StepTransaction {
  tx: Tx;
  run: RunRow;
  workflow: WorkflowVersion;
  cursor: Cursor;
  now: Date;
  log: Logger;
  scope: () => Promise<RunScope>;
}

/**
 * Advances runs. Each step runs in its own transaction that also moves the run's cursor, so a
 * step takes effect once even when its job is retried after a crash. On PostgreSQL the run row
 * is locked for the transaction, so two jobs of one run never run steps at the same time.
 */
export class RunExecutor {
  constructor(private readonly engine: EngineContext) {}

  /** Job handler of `workflow.step`: runs steps until the run waits or ends. */
  readonly handleStepJob = async (
    payload: StepJobPayload,
    job: JobRow,
    context: JobContext,
  ): Promise<void> => {
    const log = context.log.child({ runId: payload.runId });
    let cachedScope: RunScope | undefined;
    let enqueued = false;

    try {
      for (let count = 0; count < MAX_STEPS_PER_JOB; count += 1) {
        const outcome = await this.engine.db.transaction().execute(async (tx) => {
          const scope = async (run: RunRow, workflow: WorkflowVersion) =>
            (cachedScope ??= await loadRunScope(
              tx,
              run,
              workflow,
              this.engine.directory,
              this.engine.batches,
            ));
          return this.runNextStep(tx, payload, job, log, scope);
        });
        enqueued ||= outcome.enqueued === true;
        if (outcome.stop) return;
      }
      throw new Error(
        `Run ${payload.runId} ran ${MAX_STEPS_PER_JOB} steps in one job; the definition may loop`,
      );
    } catch (error) {
      if (context.isLastAttempt) await this.failRun(payload.runId, error, log);
      throw error;
    } finally {
      if (enqueued) this.engine.queue.notifyEnqueued();
    }
  };

  private async runNextStep(
    tx: Tx,
    payload: StepJobPayload,
    job: JobRow,
    log: Logger,
    loadScope: (run: RunRow, workflow: WorkflowVersion) => Promise<RunScope>,
  ): Promise<StepOutcome> {
    const run = await this.engine.runs.lock(tx, payload.runId);
    if (run === undefined) {
      log.warn('the run of this job no longer exists; skipping');
      return { stop: true };
    }
    const now = this.engine.clock();
    const workflow = await this.engine.workflows.loadVersion(
      tx,
      run.workflow_key,
      run.workflow_version,
    );
    const cursor = JSON.parse(run.cursor) as Cursor;

    if (run.status === 'waiting') {
      const resumes =
        payload.resume === 'delay' && run.wait_kind === 'delay' && run.wait_job_id === job.id;
      if (!resumes) return { stop: true };
      return this.endDelay(tx, run, workflow, cursor, now);
    }
    if (run.status !== 'queued' && run.status !== 'running') return { stop: true };

    const step = stepAt(workflow.steps, cursor);
    if (step === undefined) {
      await this.finishRun(tx, run, 'completed', now);
      log.debug({ workflow: run.workflow_key }, 'workflow run completed');
      return { stop: true };
    }

    const state: StepTransaction = {
      tx,
      run,
      workflow,
      cursor,
      now,
      log,
      scope: () => loadScope(run, workflow),
    };
    return this.runStep(state, step);
  }

  private runStep(state: StepTransaction, step: Step): Promise<StepOutcome> {
    if (isChannelStep(step)) return this.runChannelStep(state, step);
    switch (step.type) {
      case 'delay':
        return this.runDelay(state, step);
      case 'batch':
        return this.runBatch(state, step);
      case 'branch':
        return this.runBranch(state, step);
      case 'throttle':
        return this.runThrottle(state, step);
    }
  }

  private async runChannelStep(state: StepTransaction, step: ChannelStep): Promise<StepOutcome> {
    const { tx, run, workflow, now } = state;
    const scope = await state.scope();
    if (scope.recipient === undefined) {
      await this.finishRun(tx, run, 'failed', now, {
        code: 'recipient_not_found',
        message: `User "${run.recipient_id}" no longer exists in environment "${run.environment}", so step "${step.ref}" has no recipient.`,
      });
      return { stop: true };
    }

    const created = await createMessage(tx, this.engine, run, workflow, step, scope, now);
    await this.engine.runs.recordStep(
      tx,
      run.id,
      step,
      'completed',
      { message_id: created.messageId, message_status: created.status },
      now.toISOString(),
    );
    state.log.debug(
      { step: step.ref, messageId: created.messageId, status: created.status },
      'message created',
    );
    const moved = await this.moveTo(state, advance(workflow.steps, state.cursor));
    return { ...moved, enqueued: created.enqueued };
  }

  private async runDelay(state: StepTransaction, step: DelayStep): Promise<StepOutcome> {
    const { tx, run, now } = state;
    const until = await this.delayEnd(state, step);
    if (typeof until === 'string') {
      await this.engine.runs.recordStep(
        tx,
        run.id,
        step,
        'skipped',
        { reason: until },
        now.toISOString(),
      );
      return this.moveTo(state, advance(state.workflow.steps, state.cursor));
    }
    if (until.getTime() <= now.getTime()) {
      await this.engine.runs.recordStep(
        tx,
        run.id,
        step,
        'completed',
        { until: until.toISOString(), waited: false },
        now.toISOString(),
      );
      return this.moveTo(state, advance(state.workflow.steps, state.cursor));
    }

    const payload: StepJobPayload = { runId: run.id, resume: 'delay' };
    const jobId = await this.engine.queue.enqueue(tx, {
      kind: JOB_KINDS.step,
      payload,
      runAt: until,
    });
    await this.engine.runs.recordStep(
      tx,
      run.id,
      step,
      'waiting',
      { until: until.toISOString() },
      now.toISOString(),
    );
    await this.engine.runs.update(tx, run.id, {
      status: 'waiting',
      wait_kind: 'delay',
      wait_job_id: jobId,
      waiting_until: until.toISOString(),
      updated_at: now.toISOString(),
    });
    state.log.debug({ step: step.ref, until: until.toISOString() }, 'run waits in a delay');
    return { stop: true, enqueued: true };
  }

  /** Returns the end of a delay, or a message saying why `until_path` gave no time. */
  private async delayEnd(state: StepTransaction, step: DelayStep): Promise<Date | string> {
    if (step.duration !== undefined)
      return new Date(state.now.getTime() + durationMs(step.duration));

    const value = readRunPath((await state.scope()).paths, step.until_path!);
    const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(time)) {
      return `until_path "${step.until_path}" is ${value === undefined ? 'missing' : `not an ISO-8601 time (${JSON.stringify(value)})`}; the run continued without waiting`;
    }
    return new Date(time);
  }

  private async endDelay(
    tx: Tx,
    run: RunRow,
    workflow: WorkflowVersion,
    cursor: Cursor,
    now: Date,
  ): Promise<StepOutcome> {
    await this.engine.runs.finishWaitingSteps(tx, [run.id], 'completed', now.toISOString(), {
      ref: stepAt(workflow.steps, cursor)?.ref,
    });
    await this.engine.runs.update(tx, run.id, {
      status: 'running',
      cursor: JSON.stringify(advance(workflow.steps, cursor)),
      wait_kind: null,
      wait_job_id: null,
      waiting_until: null,
      updated_at: now.toISOString(),
    });
    return { stop: false };
  }

  private async runBatch(state: StepTransaction, step: BatchStep): Promise<StepOutcome> {
    const { tx, run, now } = state;
    const keyValue =
      step.key_path === undefined ? null : readRunPath((await state.scope()).paths, step.key_path);
    const joined = await this.engine.batches.join(tx, run, step, keyValue, now);

    await this.engine.runs.recordStep(
      tx,
      run.id,
      step,
      'waiting',
      { batch_id: joined.batchId, closes_at: joined.closesAt, opened: joined.opened },
      now.toISOString(),
    );
    await this.engine.runs.update(tx, run.id, {
      status: 'waiting',
      wait_kind: 'batch',
      batch_id: joined.batchId,
      waiting_until: joined.closesAt,
      updated_at: now.toISOString(),
    });
    return { stop: true, enqueued: joined.opened };
  }

  private async runBranch(state: StepTransaction, step: BranchStep): Promise<StepOutcome> {
    const { tx, run, workflow, cursor, now } = state;
    const index = chooseBranch(step.branches, (await state.scope()).paths);

    let next: Cursor;
    let detail: Record<string, unknown>;
    if (index !== undefined) {
      next = enterBranch(workflow.steps, cursor, index);
      detail = { branch: step.branches[index]!.name, branch_index: index };
    } else if (step.default_steps !== undefined) {
      next = enterBranch(workflow.steps, cursor, DEFAULT_BRANCH);
      detail = { branch: 'default' };
    } else {
      next = advance(workflow.steps, cursor);
      detail = { branch: null };
    }

    await this.engine.runs.recordStep(tx, run.id, step, 'completed', detail, now.toISOString());
    return this.moveTo(state, next);
  }

  private async runThrottle(state: StepTransaction, step: ThrottleStep): Promise<StepOutcome> {
    const { tx, run, now } = state;
    const keyValue =
      step.key_path === undefined
        ? run.recipient_id
        : readRunPath((await state.scope()).paths, step.key_path);
    const decision = await passThrottle(tx, run, step, keyValue, now);
    const detail = {
      count: decision.count,
      limit: step.limit,
      window_started_at: decision.windowStartedAt,
    };

    if (!decision.allowed) {
      await this.engine.runs.recordStep(tx, run.id, step, 'throttled', detail, now.toISOString());
      await this.finishRun(tx, run, 'throttled', now);
      state.log.info(
        { step: step.ref, count: decision.count, limit: step.limit },
        'workflow run throttled',
      );
      return { stop: true };
    }
    await this.engine.runs.recordStep(tx, run.id, step, 'completed', detail, now.toISOString());
    return this.moveTo(state, advance(state.workflow.steps, state.cursor));
  }

  /**
   * Moves the run's cursor. When no step is left, the run completes in the same transaction, so
   * a run whose last step was a channel step needs no further transaction.
   */
  private async moveTo(state: StepTransaction, cursor: Cursor): Promise<StepOutcome> {
    const nowIso = state.now.toISOString();
    const finished = stepAt(state.workflow.steps, cursor) === undefined;
    await this.engine.runs.update(state.tx, state.run.id, {
      status: finished ? 'completed' : 'running',
      cursor: JSON.stringify(cursor),
      updated_at: nowIso,
      ...(finished ? { finished_at: nowIso } : {}),
    });
    if (finished) state.log.debug({ workflow: state.run.workflow_key }, 'workflow run completed');
    return { stop: finished };
  }

  private async finishRun(
    tx: Tx,
    run: RunRow,
    status: RunStatus,
    now: Date,
    error?: { code: string; message: string },
  ): Promise<void> {
    await this.engine.runs.update(tx, run.id, {
      status,
      wait_kind: null,
      wait_job_id: null,
      waiting_until: null,
      error_code: error?.code ?? null,
      error_message: error?.message ?? null,
      updated_at: now.toISOString(),
      finished_at: now.toISOString(),
    });
  }

  /** Marks a run failed after its job used its last attempt, unless it already ended. */
  private async failRun(runId: string, error: unknown, log: Logger): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    try {
      const now = this.engine.clock().toISOString();
      await this.engine.db
        .updateTable('workflow_runs')
        .set({
          status: 'failed',
          error_code: 'step_failed',
          error_message: message.slice(0, 2000),
          updated_at: now,
          finished_at: now,
        })
        .where('id', '=', runId)
        .where('status', 'in', ['queued', 'running'])
        .execute();
    } catch (storeError) {
      log.error(
        { err: storeError, runId },
        'storing the failed status of the run failed; the run keeps its last status',
      );
    }
  }
}

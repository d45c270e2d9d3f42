import type { Inlet } from '../app.js';
import type { Db, Tx } from '../db/database.js';
import type { JobRow } from '../db/schema.js';
import { InletError } from '../errors.js';
import { JobFailure, type JobHandler } from '../queue/worker.js';
import { BatchWindows } from './batch.js';
import { createCloseBatchHandler } from './batch-close.js';
import { cancelRuns, type CancelResult } from './cancel.js';
import { ChannelStore } from './channel-store.js';
import type { EngineContext } from './context.js';
import { createDeliverHandler } from './delivery.js';
import { RunExecutor } from './executor.js';
import { JOB_KINDS } from './jobs.js';
import { MessageStore } from './message-store.js';
import { RecipientDirectory } from './recipients.js';
import { RunStore, type RunDetail, type RunFilters, type RunSummary } from './run-store.js';
import type { Page } from './pagination.js';
import { TriggerService, type TriggerOptions, type TriggerResult } from './trigger.js';
import { WorkflowStore } from './workflow-store.js';

/** The worker id that `tick` claims jobs under. */
const TICK_WORKER_ID = 'workflow-engine-tick';
const TICK_LEASE_MS = 60_000;
/** Jobs `tick` runs before it gives up, against jobs that keep scheduling more due jobs. */
const MAX_TICK_JOBS = 100_000;
const IDEMPOTENCY_SWEEP_INTERVAL_MS = 60 * 60 * 1000;

/**
 * The workflow engine: definitions, channel configurations, triggers, runs and messages.
 *
 * Time comes from `now()`, which defaults to `Date.now`. Delays, batch windows, throttles and
 * timestamps use it, so tests replace it to move time forward and then call `tick(now)`, which
 * runs every job due at that time in this process (see `tick`).
 */
export class WorkflowEngine {
  /** The engine clock in milliseconds since the epoch; replace it to control time. */
  now: () => number = Date.now;

  readonly workflows: WorkflowStore;
  readonly channels: ChannelStore;
  readonly messages: MessageStore;
  readonly runs: RunStore;
  private readonly context: EngineContext;
  private readonly triggers: TriggerService;
  private readonly executor: RunExecutor;
  private lastIdempotencySweep = 0;

  constructor(private readonly inlet: Inlet) {
    const { db, kind } = inlet.database;
    const clock = () => new Date(this.now());
    this.workflows = new WorkflowStore(db, clock);
    this.channels = new ChannelStore(db, inlet.box, clock);
    this.messages = new MessageStore(db, clock);
    this.runs = new RunStore(db, kind);
    const directory = new RecipientDirectory(db);
    this.context = {
      db,
      kind,
      queue: inlet.queue,
      log: inlet.log,
      clock,
      workflows: this.workflows,
      channels: this.channels,
      messages: this.messages,
      runs: this.runs,
      directory,
      batches: new BatchWindows(kind, inlet.queue),
      outboundAllowHosts: inlet.config.outboundAllowHosts,
    };
    this.triggers = new TriggerService({
      workflows: this.workflows,
      directory,
      queue: inlet.queue,
      clock,
      log: inlet.log,
    });
    this.executor = new RunExecutor(this.context);
  }

  /** Returns the job handlers to register on `inlet.jobHandlers`, keyed by job kind. */
  jobHandlers(): Map<string, JobHandler> {
    return new Map<string, JobHandler>([
      [JOB_KINDS.step, this.executor.handleStepJob],
      [JOB_KINDS.deliver, createDeliverHandler(this.context)],
      [JOB_KINDS.closeBatch, createCloseBatchHandler(this.context)],
    ]);
  }

  /**
   * Triggers a workflow inside the caller's transaction, for the action layer. Runs and their
   * jobs commit with `exec`; call `inlet.queue.notifyEnqueued()` after the commit. Throws
   * InletError: `unknown_environment`, `validation_failed`, `workflow_not_found`,
   * `workflow_inactive`, `too_many_recipients` and `idempotency_conflict`.
   */
  async trigger(
    exec: Db | Tx,
    environment: string,
    key: string,
    input: unknown,
    options: TriggerOptions = {},
  ): Promise<TriggerResult> {
    this.assertEnvironment(environment);
    const result = await this.triggers.trigger(exec, environment, key, input, options);
    if (options.idempotencyKey !== undefined) this.sweepIdempotencyKeys();
    return result;
  }

  /** Triggers a workflow in a transaction of its own and wakes the worker; used by the API. */
  async triggerNow(
    environment: string,
    key: string,
    input: unknown,
    options: TriggerOptions = {},
  ): Promise<TriggerResult> {
    const result = await this.inlet.database.db
      .transaction()
      .execute((tx) => this.trigger(tx, environment, key, input, options));
    this.inlet.queue.notifyEnqueued();
    return result;
  }

  /**
   * Cancels the active runs triggered with a cancellation key, inside `exec` when it is a
   * transaction and in a new one otherwise. Throws InletError `unknown_environment`,
   * `validation_failed` and `workflow_not_found`.
   */
  async cancel(
    exec: Db | Tx,
    environment: string,
    key: string,
    input: unknown,
  ): Promise<CancelResult> {
    this.assertEnvironment(environment);
    return cancelRuns(this.context, exec, environment, key, input);
  }

  /** Returns a run with its steps and messages. */
  async getRun(environment: string, runId: string): Promise<RunDetail & { messages: unknown[] }> {
    this.assertEnvironment(environment);
    const run = await this.runs.get(environment, runId);
    return { ...run, messages: await this.messages.listForRun(runId) };
  }

  async listRuns(environment: string, filters: RunFilters): Promise<Page<RunSummary>> {
    this.assertEnvironment(environment);
    return this.runs.list(environment, filters);
  }

  /** Throws InletError `unknown_environment` unless `environment` is configured. */
  assertEnvironment(environment: string): void {
    const environments = this.inlet.config.environments;
    if (!environments.includes(environment)) {
      throw new InletError(
        'unknown_environment',
        `Environment "${environment}" does not exist; environments are: ${environments.join(', ')}.`,
      );
    }
  }

  /**
   * Runs, in this process and one after another, every job that is due at `now` (default: the
   * engine clock), including jobs that become due while it runs. Returns how many ran. Tests use
   * it after moving `now()` forward, because the worker claims jobs by the wall clock and would
   * not see a delay of an hour end. Jobs of every kind run, with the handlers on `inlet.jobHandlers`.
   */
  async tick(now: Date = new Date(this.now())): Promise<number> {
    let ran = 0;
    while (ran < MAX_TICK_JOBS) {
      const batchRan = await this.tickBatchHandlers(now);
      const jobs = await this.inlet.queue.claim(TICK_WORKER_ID, 20, TICK_LEASE_MS, now, {
        except: [...this.inlet.batchJobHandlers.keys()],
      });
      for (const job of jobs) await this.runClaimedJob(job);
      ran += batchRan + jobs.length;
      if (batchRan + jobs.length === 0) return ran;
    }
    throw new Error(
      `tick ran ${MAX_TICK_JOBS} jobs and jobs are still due; a job may keep scheduling itself`,
    );
  }

  /** Runs one batch of each kind that has a batch handler, as the worker does; returns the job count. */
  private async tickBatchHandlers(now: Date): Promise<number> {
    let ran = 0;
    for (const [kind, handler] of this.inlet.batchJobHandlers) {
      const jobs = await this.inlet.queue.claim(
        TICK_WORKER_ID,
        handler.batchSize,
        TICK_LEASE_MS,
        now,
        { only: [kind] },
      );
      if (jobs.length === 0) continue;
      ran += jobs.length;
      try {
        await handler.handle(jobs, this.inlet.log.child({ jobKind: kind, batch: jobs.length }));
      } catch (error) {
        for (const job of jobs)
          await this.inlet.queue.fail(job, error instanceof Error ? error.message : String(error));
      }
    }
    return ran;
  }

  private async runClaimedJob(job: JobRow): Promise<void> {
    const log = this.inlet.log.child({
      jobId: job.id,
      jobKind: job.kind,
      attempt: `${job.attempts} of ${job.max_attempts}`,
    });
    const handler = this.inlet.jobHandlers.get(job.kind);
    if (handler === undefined) {
      await this.inlet.queue.fail(job, `No handler for job kind "${job.kind}"`, {
        retryable: false,
      });
      return;
    }
    const context = {
      log,
      attempt: job.attempts,
      maxAttempts: job.max_attempts,
      isLastAttempt: job.attempts >= job.max_attempts,
    };
    try {
      await handler(JSON.parse(job.payload), job, context);
      await this.inlet.queue.complete(job);
    } catch (error) {
      const options = error instanceof JobFailure ? error.options : { retryable: true };
      await this.inlet.queue.fail(
        job,
        error instanceof Error ? error.message : String(error),
        options,
      );
    }
  }

  /** Starts deleting expired idempotency keys, unless a deletion started within the last hour. */
  private sweepIdempotencyKeys(): void {
    if (Date.now() - this.lastIdempotencySweep < IDEMPOTENCY_SWEEP_INTERVAL_MS) return;
    this.lastIdempotencySweep = Date.now();
    this.triggers.deleteExpiredIdempotencyKeys(this.inlet.database.db).then(
      (deleted) => {
        if (deleted > 0) this.inlet.log.info({ deleted }, 'expired idempotency keys deleted');
      },
      (error: unknown) =>
        this.inlet.log.error({ err: error }, 'deleting expired idempotency keys failed'),
    );
  }
}

const engines = new WeakMap<Inlet, WorkflowEngine>();

/** Returns the workflow engine of `inlet`, creating it on first use. */
export function getWorkflowEngine(inlet: Inlet): WorkflowEngine {
  let engine = engines.get(inlet);
  if (engine === undefined) {
    engine = new WorkflowEngine(inlet);
    engines.set(inlet, engine);
  }
  return engine;
}

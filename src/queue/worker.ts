import { setTimeout as sleep } from 'node:timers/promises';
import type { JobRow } from '../db/schema.js';
import { newId } from '../ids.js';
import type { Logger } from '../logger.js';
import type { JobQueue } from './job-queue.js';

export interface JobContext {
  /** Child logger carrying job id, kind and "attempt N of M". */
  log: Logger;
  attempt: number;
  maxAttempts: number;
  isLastAttempt: boolean;
}

export type JobHandler = (payload: any, job: JobRow, context: JobContext) => Promise<void>;

/**
 * Handles many jobs of one kind at once, typically in one transaction. It completes or fails each
 * job itself, with `JobQueue.complete` or `fail` and its transaction. If it throws, every job of
 * the batch is failed as retryable.
 */
export interface BatchJobHandler {
  batchSize: number;
  handle(jobs: JobRow[], log: Logger): Promise<void>;
}

/** Thrown by a handler to control what happens to the job after a failed attempt. */
export class JobFailure extends Error {
  override name = 'JobFailure';

  constructor(
    message: string,
    readonly options: { retryable: boolean; retryAt?: Date; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
  }
}

export interface WorkerOptions {
  concurrency: number;
  pollMs: number;
  /** How long a claimed job stays locked before another worker may take it over. */
  leaseMs?: number;
  log: Logger;
}

/**
 * Runs jobs from the queue with bounded concurrency. It polls every `pollMs` when idle and wakes
 * at once when this process enqueues work; `stop` lets running jobs finish.
 */
export class Worker {
  readonly id = newId('worker');
  private readonly running = new Set<Promise<void>>();
  private stopped = true;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private readonly onEnqueued = () => this.wake?.();

  constructor(
    private readonly queue: JobQueue,
    private readonly handlers: ReadonlyMap<string, JobHandler>,
    private readonly options: WorkerOptions,
    private readonly batchHandlers: ReadonlyMap<string, BatchJobHandler> = new Map(),
  ) {}

  start(): void {
    if (!this.stopped || this.options.concurrency === 0) return;
    this.stopped = false;
    this.queue.signals.on('enqueued', this.onEnqueued);
    this.loop = this.run();
    this.options.log.info(
      { workerId: this.id, concurrency: this.options.concurrency },
      'worker started',
    );
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.queue.signals.off('enqueued', this.onEnqueued);
    this.wake?.();
    await this.loop;
    await Promise.allSettled(this.running);
    this.options.log.info({ workerId: this.id }, 'worker stopped');
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let claimedAny = false;
      let saturated = true;
      try {
        for (const [kind, handler] of this.batchHandlers) {
          if (this.running.size >= this.options.concurrency) break;
          const batch = await this.queue.claim(
            this.id,
            handler.batchSize,
            this.leaseMs,
            new Date(),
            { only: [kind] },
          );
          if (batch.length > 0) this.track(this.executeBatch(handler, batch));
          claimedAny ||= batch.length > 0;
          saturated &&= batch.length === handler.batchSize;
        }
        const free = this.options.concurrency - this.running.size;
        if (free > 0) {
          const claimed = await this.queue.claim(this.id, free, this.leaseMs, new Date(), {
            except: [...this.batchHandlers.keys()],
          });
          for (const job of claimed) this.track(this.execute(job));
          claimedAny ||= claimed.length > 0;
          saturated &&= claimed.length === free;
        }
      } catch (error) {
        this.options.log.error(
          { err: error, workerId: this.id },
          'claiming jobs failed; retrying after the poll interval',
        );
        saturated = false;
      }
      if (!claimedAny || !saturated) await this.idle();
    }
  }

  private get leaseMs(): number {
    return this.options.leaseMs ?? 5 * 60_000;
  }

  private async executeBatch(handler: BatchJobHandler, jobs: JobRow[]): Promise<void> {
    const log = this.options.log.child({ jobKind: jobs[0]!.kind, batch: jobs.length });
    try {
      await handler.handle(jobs, log);
    } catch (error) {
      log.error({ err: error }, 'batch failed; every job of it will be retried');
      for (const job of jobs) await this.recordFailure(job, error, log.child({ jobId: job.id }));
    }
  }

  private track(task: Promise<void>): void {
    this.running.add(task);
    void task.finally(() => {
      this.running.delete(task);
      this.wake?.();
    });
  }

  private async idle(): Promise<void> {
    const controller = new AbortController();
    const woken = new Promise<void>((resolve) => {
      this.wake = resolve;
    });
    await Promise.race([
      woken,
      sleep(this.options.pollMs, undefined, { signal: controller.signal }).catch(() => {}),
    ]);
    controller.abort();
    this.wake = undefined;
  }

  private async execute(job: JobRow): Promise<void> {
    const log = this.options.log.child({
      jobId: job.id,
      jobKind: job.kind,
      attempt: `${job.attempts} of ${job.max_attempts}`,
    });
    const handler = this.handlers.get(job.kind);
    if (handler === undefined) {
      log.error('no handler is registered for this job kind; marking the job failed');
      await this.queue.fail(job, `No handler for job kind "${job.kind}"`, { retryable: false });
      return;
    }

    const context: JobContext = {
      log,
      attempt: job.attempts,
      maxAttempts: job.max_attempts,
      isLastAttempt: job.attempts >= job.max_attempts,
    };
    try {
      await handler(JSON.parse(job.payload), job, context);
      await this.queue.complete(job);
    } catch (error) {
      await this.recordFailure(job, error, log);
    }
  }

  private async recordFailure(job: JobRow, error: unknown, log: Logger): Promise<void> {
    const options = error instanceof JobFailure ? error.options : { retryable: true };
    const message = error instanceof Error ? error.message : String(error);
    try {
      const willRetry = await this.queue.fail(job, message, options);
      if (willRetry) log.warn({ err: error }, 'job attempt failed; retrying later');
      else log.error({ err: error }, 'job failed permanently');
    } catch (storeError) {
      log.error(
        { err: storeError, jobError: message },
        'recording the job failure failed; the lease will expire and the job will run again',
      );
    }
  }
}

import type { Db } from '../db/database.js';
import type { Logger } from '../logger.js';

const SWEEP_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Deletes events, rejected-delivery records, finished jobs, messages and finished workflow runs
 * older than the retention period, and expired idempotency keys.
 * The deduplication ledger is the events table itself, so a provider event id is recognised as
 * a duplicate for exactly as long as its event stays in the log.
 */
export class RetentionSweeper {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Db,
    private readonly retentionDays: number,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async sweep(now = new Date()): Promise<Record<string, number>> {
    const cutoff = new Date(now.getTime() - this.retentionDays * 86_400_000).toISOString();
    try {
      const counts = {
        ...(await this.sweepEvents(cutoff)),
        ...(await this.sweepWorkflows(cutoff, now)),
      };
      this.log.info({ cutoff, ...counts }, 'retention sweep finished');
      return counts;
    } catch (error) {
      this.log.error({ err: error }, 'retention sweep failed; it runs again in an hour');
      return {};
    }
  }

  private async sweepEvents(cutoff: string): Promise<Record<string, number>> {
    const events = await this.db
      .deleteFrom('events')
      .where('received_at', '<', cutoff)
      .executeTakeFirst();
    const rejections = await this.db
      .deleteFrom('delivery_rejections')
      .where('received_at', '<', cutoff)
      .executeTakeFirst();
    const jobs = await this.db
      .deleteFrom('jobs')
      .where('status', 'in', ['succeeded', 'failed', 'cancelled'])
      .where('finished_at', '<', cutoff)
      .executeTakeFirst();
    return {
      events: Number(events.numDeletedRows),
      rejections: Number(rejections.numDeletedRows),
      jobs: Number(jobs.numDeletedRows),
    };
  }

  /** Deletes messages, finished runs with their steps, closed batches and expired keys. */
  private async sweepWorkflows(cutoff: string, now: Date): Promise<Record<string, number>> {
    const messages = await this.db
      .deleteFrom('messages')
      .where('created_at', '<', cutoff)
      .executeTakeFirst();
    const finishedRuns = this.db
      .selectFrom('workflow_runs')
      .select('id')
      .where('finished_at', 'is not', null)
      .where('finished_at', '<', cutoff);
    await this.db.deleteFrom('workflow_run_steps').where('run_id', 'in', finishedRuns).execute();
    const runs = await this.db
      .deleteFrom('workflow_runs')
      .where('finished_at', 'is not', null)
      .where('finished_at', '<', cutoff)
      .executeTakeFirst();
    const batches = await this.db
      .deleteFrom('workflow_batches')
      .where('closed_at', 'is not', null)
      .where('closed_at', '<', cutoff)
      .executeTakeFirst();
    await this.db
      .deleteFrom('workflow_idempotency_keys')
      .where('expires_at', '<', now.toISOString())
      .execute();
    await this.db.deleteFrom('workflow_throttles').where('updated_at', '<', cutoff).execute();
    return {
      messages: Number(messages.numDeletedRows),
      workflow_runs: Number(runs.numDeletedRows),
      workflow_batches: Number(batches.numDeletedRows),
    };
  }
}

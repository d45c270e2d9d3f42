import type { Db } from '../db/database.js';
import type { Logger } from '../logger.js';

const SWEEP_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Deletes events, rejected-delivery records and finished jobs older than the retention period.
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

  async sweep(now = new Date()): Promise<{ events: number; rejections: number; jobs: number }> {
    const cutoff = new Date(now.getTime() - this.retentionDays * 86_400_000).toISOString();
    try {
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
      const counts = {
        events: Number(events.numDeletedRows),
        rejections: Number(rejections.numDeletedRows),
        jobs: Number(jobs.numDeletedRows),
      };
      this.log.info({ cutoff, ...counts }, 'retention sweep finished');
      return counts;
    } catch (error) {
      this.log.error({ err: error }, 'retention sweep failed; it runs again in an hour');
      return { events: 0, rejections: 0, jobs: 0 };
    }
  }
}

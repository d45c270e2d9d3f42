import type { Db } from '../db/database.js';
import type { EventFilters } from '../events/event-log.js';
import type { Logger } from '../logger.js';
import type { EventProcessor } from './processor.js';

export interface ReplayResult {
  event_id: string;
  status: string;
  run: number;
  actions: number;
  failed_actions: number;
  error?: string;
}

const MAX_REPLAY = 500;

/**
 * Re-runs the mappings of stored events, one at a time, and reports the outcome of each instead
 * of stopping at the first failure. Each replay is a new run in the action log; effects are not
 * duplicated because identify and set merge, and triggers carry an idempotency key.
 */
export class Replayer {
  constructor(
    private readonly db: Db,
    private readonly processor: EventProcessor,
    private readonly log: Logger,
  ) {}

  async replayOne(eventId: string): Promise<ReplayResult> {
    const last = await this.db
      .selectFrom('action_logs')
      .select((eb) => eb.fn.max('run').as('run'))
      .where('event_id', '=', eventId)
      .executeTakeFirst();
    const run = last?.run === null || last?.run === undefined ? 0 : Number(last.run) + 1;
    try {
      const outcome = await this.processor.process(eventId, {
        run,
        isLastAttempt: true,
        retried: false,
        log: this.log.child({ replay: true }),
      });
      if (outcome === undefined)
        return { event_id: eventId, status: 'not_found', run, actions: 0, failed_actions: 0 };
      const failed = outcome.actions.filter(
        (action) => action.status === 'failed' || action.error?.code === 'parameter_missing',
      ).length;
      return {
        event_id: eventId,
        status: outcome.status,
        run,
        actions: outcome.actions.length,
        failed_actions: failed,
      };
    } catch (error) {
      this.log.error({ err: error, eventId }, 'replaying an event failed');
      return {
        event_id: eventId,
        status: 'error',
        run,
        actions: 0,
        failed_actions: 0,
        error: (error as Error).message,
      };
    }
  }

  /** Replays the events of one environment matching the filters, oldest first, at most 500. */
  async replayMatching(
    environmentId: string,
    filters: Omit<EventFilters, 'after'>,
  ): Promise<ReplayResult[]> {
    const limit = Math.min(filters.limit ?? 100, MAX_REPLAY);
    const rows = await this.db
      .selectFrom('events')
      .select('id')
      .where('source_environment_id', '=', environmentId)
      .where('event_type', 'is not', null)
      .where('status', 'not in', ['invalid', 'ignored'])
      .$if(filters.event_type !== undefined, (query) =>
        query.where('event_type', '=', filters.event_type!),
      )
      .$if(filters.status !== undefined, (query) => query.where('status', '=', filters.status!))
      .$if(filters.provider_event_id !== undefined, (query) =>
        query.where('provider_event_id', '=', filters.provider_event_id!),
      )
      .$if(filters.since !== undefined, (query) =>
        query.where('received_at', '>=', new Date(filters.since!).toISOString()),
      )
      .$if(filters.until !== undefined, (query) =>
        query.where('received_at', '<', new Date(filters.until!).toISOString()),
      )
      .orderBy('id')
      .limit(limit)
      .execute();
    const results: ReplayResult[] = [];
    for (const row of rows) results.push(await this.replayOne(row.id));
    return results;
  }
}

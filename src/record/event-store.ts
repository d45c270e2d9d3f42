import type { Db, Tx } from '../db/database.js';
import type { EventRow } from '../db/schema.js';
import { newId } from '../ids.js';
import type { JobQueue } from '../queue/job-queue.js';

/**
 * Status of a recorded event. `received` events have a processing job queued; the others need
 * no further work or have finished it.
 */
export type EventStatus =
  | 'received'
  | 'processing'
  | 'processed'
  | 'partially_failed'
  | 'failed'
  | 'skipped'
  | 'ignored'
  | 'invalid';

export const EVENT_STATUSES: readonly EventStatus[] = [
  'received',
  'processing',
  'processed',
  'partially_failed',
  'failed',
  'skipped',
  'ignored',
  'invalid',
];

export const PROCESS_EVENT_JOB = 'event.process';

export interface IncomingEvent {
  sourceEnvironmentId: string;
  providerEventId: string | null;
  eventType: string | null;
  providerCreatedAt: string | null;
  verification: string;
  status: EventStatus;
  errorCode?: string;
  errorMessage?: string;
  rawBody: Buffer;
  headers: Record<string, string>;
}

export interface RecordResult {
  eventId: string;
  duplicate: boolean;
}

/**
 * Writes deliveries to the event log exactly once per provider event id and environment. The
 * event row, its event-type statistics and its processing job commit in one transaction, so an
 * acknowledged event always has its work scheduled.
 */
export class EventStore {
  constructor(
    private readonly db: Db,
    private readonly queue: JobQueue,
  ) {}

  async record(event: IncomingEvent, now = new Date()): Promise<RecordResult> {
    const result = await this.db.transaction().execute((tx) => this.recordIn(tx, event, now));
    if (!result.duplicate && event.status === 'received') this.queue.notifyEnqueued();
    return result;
  }

  private async recordIn(tx: Tx, event: IncomingEvent, now: Date): Promise<RecordResult> {
    const nowIso = now.toISOString();
    const id = newId('evt');
    const inserted = await tx
      .insertInto('events')
      .values({
        id,
        source_environment_id: event.sourceEnvironmentId,
        provider_event_id: event.providerEventId,
        event_type: event.eventType,
        provider_created_at: event.providerCreatedAt,
        received_at: nowIso,
        verification: event.verification,
        status: event.status,
        error_code: event.errorCode ?? null,
        error_message: event.errorMessage ?? null,
        raw_body: event.rawBody,
        headers: JSON.stringify(event.headers),
        delivery_count: 1,
        last_delivered_at: nowIso,
        processed_at: null,
      })
      .onConflict((conflict) =>
        conflict.columns(['source_environment_id', 'provider_event_id']).doNothing(),
      )
      .returning('id')
      .executeTakeFirst();

    if (inserted === undefined) {
      const existing = await tx
        .updateTable('events')
        .set((eb) => ({ delivery_count: eb('delivery_count', '+', 1), last_delivered_at: nowIso }))
        .where('source_environment_id', '=', event.sourceEnvironmentId)
        .where('provider_event_id', '=', event.providerEventId)
        .returning('id')
        .executeTakeFirstOrThrow();
      return { eventId: existing.id, duplicate: true };
    }

    if (event.eventType !== null) await this.countEventType(tx, event, id, nowIso);
    if (event.status === 'received') {
      await this.queue.enqueue(tx, { kind: PROCESS_EVENT_JOB, payload: { eventId: id } });
    }
    return { eventId: id, duplicate: false };
  }

  private async countEventType(tx: Tx, event: IncomingEvent, eventId: string, now: string): Promise<void> {
    await tx
      .insertInto('event_types')
      .values({
        source_environment_id: event.sourceEnvironmentId,
        event_type: event.eventType!,
        count: 1,
        first_received_at: now,
        last_received_at: now,
        last_event_id: eventId,
      })
      .onConflict((conflict) =>
        conflict.columns(['source_environment_id', 'event_type']).doUpdateSet((eb) => ({
          count: eb('event_types.count', '+', 1),
          last_received_at: now,
          last_event_id: eventId,
        })),
      )
      .execute();
  }

  async find(eventId: string): Promise<EventRow | undefined> {
    return this.db.selectFrom('events').selectAll().where('id', '=', eventId).executeTakeFirst();
  }
}

import { expect, it } from 'vitest';
import {
  PROCESS_EVENT_JOB,
  type IncomingEvent,
  type RecordResult,
} from '../../src/record/event-store.js';
import { describeEachEngine, type Engine } from '../support/engines.js';
import { startTestInlet, type TestInlet } from '../support/inlet.js';

const SECRET = 'whsec_store_Hq4Jt7Lv2Nx9Pz5Rb8Dc3F';
const EVENT_TYPE = 'dsync.user.created';

// No worker: processing jobs stay in the queue, so the tests can count them.
const NO_WORKER = { INLET_WORKER_CONCURRENCY: '0' };

async function startStore(engine: Engine): Promise<{ inlet: TestInlet; environmentId: string }> {
  const inlet = await startTestInlet(engine, NO_WORKER);
  await inlet.createWorkosSource('directory', SECRET);
  const environment = await inlet.inlet.database.db
    .selectFrom('source_environments')
    .select('id')
    .where('environment', '=', 'development')
    .executeTakeFirstOrThrow();
  return { inlet, environmentId: environment.id };
}

function incoming(
  environmentId: string,
  providerEventId: string | null,
  overrides: Partial<IncomingEvent> = {},
): IncomingEvent {
  return {
    sourceEnvironmentId: environmentId,
    providerEventId,
    eventType: EVENT_TYPE,
    providerCreatedAt: null,
    verification: 'verified',
    status: 'received',
    rawBody: Buffer.from(JSON.stringify({ id: providerEventId, event: EVENT_TYPE })),
    headers: { 'content-type': 'application/json' },
    ...overrides,
  };
}

async function countRows(inlet: TestInlet, table: 'events' | 'jobs'): Promise<number> {
  const row = await inlet.inlet.database.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

describeEachEngine('event store', (engine) => {
  it('commits concurrent records with their jobs', async () => {
    const { inlet, environmentId } = await startStore(engine);
    const ids = Array.from({ length: 50 }, (_, index) => `event_store_${index}`);

    const results = await Promise.all(
      ids.map((id) => inlet.inlet.events.record(incoming(environmentId, id))),
    );

    expect(results.every((result) => !result.duplicate)).toBe(true);
    expect(new Set(results.map((result) => result.eventId)).size).toBe(50);
    expect(await countRows(inlet, 'events')).toBe(50);
    const jobs = await inlet.inlet.database.db.selectFrom('jobs').selectAll().execute();
    expect(jobs).toHaveLength(50);
    expect(jobs.every((job) => job.kind === PROCESS_EVENT_JOB && job.status === 'pending')).toBe(
      true,
    );
    const jobEventIds = jobs.map((job) => (JSON.parse(job.payload) as { eventId: string }).eventId);
    expect(new Set(jobEventIds)).toEqual(new Set(results.map((result) => result.eventId)));
  });

  it('counts event types across a batch', async () => {
    const { inlet, environmentId } = await startStore(engine);
    const ids = Array.from({ length: 30 }, (_, index) => `event_types_${index}`);

    const results = await Promise.all(
      ids.map((id) => inlet.inlet.events.record(incoming(environmentId, id))),
    );
    await inlet.inlet.events.record(incoming(environmentId, ids[0]!));

    const counted = await inlet.inlet.database.db
      .selectFrom('event_types')
      .selectAll()
      .where('source_environment_id', '=', environmentId)
      .execute();
    expect(counted).toHaveLength(1);
    expect(counted[0]!.event_type).toBe(EVENT_TYPE);
    expect(counted[0]!.count).toBe(30);
    expect(counted[0]!.last_event_id).toBe(results.at(-1)!.eventId);
  });

  it('counts duplicates within one batch', async () => {
    const { inlet, environmentId } = await startStore(engine);
    const order = ['a', 'b', 'a', 'c', 'a', 'b'];

    const results = await Promise.all(
      order.map((id) => inlet.inlet.events.record(incoming(environmentId, `event_dup_${id}`))),
    );

    const firstById = new Map<string, RecordResult>();
    for (const [index, id] of order.entries()) {
      const result = results[index]!;
      const first = firstById.get(id);
      if (first === undefined) {
        expect(result.duplicate, `first delivery of ${id}`).toBe(false);
        firstById.set(id, result);
      } else {
        expect(result.duplicate, `repeat delivery of ${id}`).toBe(true);
        expect(result.eventId).toBe(first.eventId);
      }
    }
    const rows = await inlet.inlet.database.db
      .selectFrom('events')
      .select(['provider_event_id', 'delivery_count'])
      .orderBy('provider_event_id')
      .execute();
    expect(rows).toEqual([
      { provider_event_id: 'event_dup_a', delivery_count: 3 },
      { provider_event_id: 'event_dup_b', delivery_count: 2 },
      { provider_event_id: 'event_dup_c', delivery_count: 1 },
    ]);
    expect(await countRows(inlet, 'jobs')).toBe(3);
  });

  it('fails only the bad event of a batch', async () => {
    const { inlet, environmentId } = await startStore(engine);
    // An unknown environment id breaks the foreign key, so only that insert fails.
    const events = [
      incoming(environmentId, 'event_good_1'),
      incoming('senv_missing', 'event_bad'),
      incoming(environmentId, 'event_good_2'),
    ];

    const settled = await Promise.allSettled(
      events.map((event) => inlet.inlet.events.record(event)),
    );

    expect(settled.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    const stored = await inlet.inlet.database.db
      .selectFrom('events')
      .select('provider_event_id')
      .orderBy('provider_event_id')
      .execute();
    expect(stored.map((row) => row.provider_event_id)).toEqual(['event_good_1', 'event_good_2']);
    expect(await countRows(inlet, 'jobs')).toBe(2);
  });

  it('queues no job for invalid or ignored events', async () => {
    const { inlet, environmentId } = await startStore(engine);

    const results = await Promise.all([
      inlet.inlet.events.record(
        incoming(environmentId, null, {
          eventType: null,
          status: 'invalid',
          errorCode: 'body_not_json',
          errorMessage: 'The body is not valid JSON.',
        }),
      ),
      inlet.inlet.events.record(
        incoming(environmentId, null, { eventType: null, status: 'invalid' }),
      ),
      inlet.inlet.events.record(
        incoming(environmentId, 'event_ignored', { eventType: 'dsync.unknown', status: 'ignored' }),
      ),
    ]);

    expect(results.map((result) => result.duplicate)).toEqual([false, false, false]);
    expect(await countRows(inlet, 'events')).toBe(3);
    expect(await countRows(inlet, 'jobs')).toBe(0);
    const invalid = await inlet.inlet.events.find(results[0]!.eventId);
    expect(invalid?.error_code).toBe('body_not_json');
    expect(invalid?.provider_event_id).toBeNull();
    const types = await inlet.inlet.database.db
      .selectFrom('event_types')
      .select(['event_type', 'count'])
      .execute();
    expect(types).toEqual([{ event_type: 'dsync.unknown', count: 1 }]);
  });

  it('keeps the stored row equal to the input', async () => {
    const { inlet, environmentId } = await startStore(engine);
    const body = Buffer.from([0x7b, 0x00, 0xff, 0x7d]);
    const now = new Date('2025-03-11T09:15:27.364Z');

    const result = await inlet.inlet.events.record(
      incoming(environmentId, 'event_fields', {
        rawBody: body,
        providerCreatedAt: '2025-03-11T09:15:00.000Z',
        headers: { 'user-agent': 'WorkOS' },
      }),
      now,
    );

    const row = await inlet.inlet.events.find(result.eventId);
    expect(row).toMatchObject({
      id: result.eventId,
      source_environment_id: environmentId,
      provider_event_id: 'event_fields',
      event_type: EVENT_TYPE,
      provider_created_at: '2025-03-11T09:15:00.000Z',
      received_at: now.toISOString(),
      last_delivered_at: now.toISOString(),
      verification: 'verified',
      status: 'received',
      error_code: null,
      delivery_count: 1,
      processed_at: null,
    });
    expect(Buffer.compare(Buffer.from(row!.raw_body), body)).toBe(0);
    expect(JSON.parse(row!.headers)).toEqual({ 'user-agent': 'WorkOS' });
  });
});

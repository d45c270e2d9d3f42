import { expect, it } from 'vitest';
import { PROCESS_EVENT_JOB } from '../../src/record/event-store.js';
import { describeEachEngine } from '../support/engines.js';
import { restartTestInlet, startTestInlet, type TestInlet } from '../support/inlet.js';
import { buildDelivery, fixtureWithId, postDelivery, uniqueEventId } from './deliveries.js';

const SECRET = 'whsec_dedupe_dev_Fq2Hs4Jt6Lv8Nx0Pz3R';
const PRODUCTION_SECRET = 'whsec_dedupe_prod_Bc5De7Fg9Hj1Kl3Mn5P';
const DEV_EVENTS = '/v1/sources/directory/environments/development/events';
const PROD_EVENTS = '/v1/sources/directory/environments/production/events';

// No worker: processing jobs stay in the queue, so the tests can count them.
const NO_WORKER = { INLET_WORKER_CONCURRENCY: '0' };

async function processingJobs(inlet: TestInlet): Promise<number> {
  const row = await inlet.inlet.database.db
    .selectFrom('jobs')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('kind', '=', PROCESS_EVENT_JOB)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

describeEachEngine('deduplication', (engine) => {
  it('records 20 concurrent copies once', async () => {
    const inlet = await startTestInlet(engine, NO_WORKER);
    const url = await inlet.createWorkosSource('directory', SECRET);
    const delivery = await buildDelivery({ secret: SECRET });

    const answers = await Promise.all(
      Array.from({ length: 20 }, () => postDelivery(url, delivery)),
    );

    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
    expect(answers.filter((answer) => answer.body.duplicate === false)).toHaveLength(1);
    expect(answers.filter((answer) => answer.body.duplicate === true)).toHaveLength(19);
    const events = await inlet.api('GET', DEV_EVENTS);
    expect(events.body.data).toHaveLength(1);
    expect(events.body.data[0].delivery_count).toBe(20);
    expect(new Set(answers.map((answer) => answer.body.id))).toEqual(
      new Set([events.body.data[0].id]),
    );
    expect(await processingJobs(inlet)).toBe(1);
  });

  it('answers a duplicate with the first event id', async () => {
    const inlet = await startTestInlet(engine, NO_WORKER);
    const url = await inlet.createWorkosSource('directory', SECRET);
    const delivery = await buildDelivery({ secret: SECRET });

    const first = await postDelivery(url, delivery);
    const second = await postDelivery(url, delivery);

    expect(first.body).toEqual({ id: first.body.id, status: 'received', duplicate: false });
    expect(second.body).toEqual({ id: first.body.id, status: 'duplicate', duplicate: true });
  });

  it('counts a re-signed retry as a duplicate', async () => {
    const inlet = await startTestInlet(engine, NO_WORKER);
    const url = await inlet.createWorkosSource('directory', SECRET);
    const body = fixtureWithId('dsync.user.created', uniqueEventId());
    const firstAttempt = await buildDelivery({
      secret: SECRET,
      body,
      timestampMs: Date.now() - 90_000,
    });
    const retry = await buildDelivery({ secret: SECRET, body, timestampMs: Date.now() });
    expect(retry.headers['workos-signature']).not.toBe(firstAttempt.headers['workos-signature']);

    const first = await postDelivery(url, firstAttempt);
    const second = await postDelivery(url, retry);

    expect(first.body.duplicate).toBe(false);
    expect(second.body.duplicate).toBe(true);
    const events = await inlet.api('GET', DEV_EVENTS);
    expect(events.body.data).toHaveLength(1);
    expect(events.body.data[0].delivery_count).toBe(2);
    expect(await processingJobs(inlet)).toBe(1);
  });

  it('records the same event id once per environment', async () => {
    const inlet = await startTestInlet(engine, NO_WORKER);
    const developmentUrl = await inlet.createWorkosSource('directory', SECRET, 'development');
    const productionUrl = await inlet.createWorkosSource(
      'directory',
      PRODUCTION_SECRET,
      'production',
    );
    const body = fixtureWithId('dsync.user.created', uniqueEventId());

    const development = await postDelivery(
      developmentUrl,
      await buildDelivery({ secret: SECRET, body }),
    );
    const production = await postDelivery(
      productionUrl,
      await buildDelivery({ secret: PRODUCTION_SECRET, body }),
    );

    expect(development.body.duplicate).toBe(false);
    expect(production.body.duplicate).toBe(false);
    expect(production.body.id).not.toBe(development.body.id);
    const developmentEvents = await inlet.api('GET', DEV_EVENTS);
    const productionEvents = await inlet.api('GET', PROD_EVENTS);
    expect(developmentEvents.body.data.map((event: any) => event.id)).toEqual([
      development.body.id,
    ]);
    expect(productionEvents.body.data.map((event: any) => event.id)).toEqual([production.body.id]);
  });

  it('keeps the secrets of environments apart', async () => {
    const inlet = await startTestInlet(engine, NO_WORKER);
    await inlet.createWorkosSource('directory', SECRET, 'development');
    const productionUrl = await inlet.createWorkosSource(
      'directory',
      PRODUCTION_SECRET,
      'production',
    );

    const answer = await postDelivery(productionUrl, await buildDelivery({ secret: SECRET }));

    expect(answer.status).toBe(401);
    expect(answer.body.code).toBe('signature_mismatch');
  });

  it('records the same event id once per source', async () => {
    const inlet = await startTestInlet(engine, NO_WORKER);
    const directoryUrl = await inlet.createWorkosSource('directory', SECRET);
    const authUrl = await inlet.createWorkosSource('authkit', SECRET);
    const delivery = await buildDelivery({ secret: SECRET });

    const first = await postDelivery(directoryUrl, delivery);
    const second = await postDelivery(authUrl, delivery);

    expect(first.body.duplicate).toBe(false);
    expect(second.body.duplicate).toBe(false);
  });

  it('remembers delivered ids across a restart', async () => {
    const first = await startTestInlet(engine, NO_WORKER);
    const path = new URL(await first.createWorkosSource('directory', SECRET)).pathname;
    const delivery = await buildDelivery({ secret: SECRET });
    const before = await postDelivery(first.url + path, delivery);

    const restarted = await restartTestInlet(first);
    const after = await postDelivery(restarted.url + path, delivery);

    expect(before.body.duplicate).toBe(false);
    expect(after.body).toEqual({ id: before.body.id, status: 'duplicate', duplicate: true });
    const events = await restarted.api('GET', DEV_EVENTS);
    expect(events.body.data[0].delivery_count).toBe(2);
  });

  it('counts an event type once per event, not per delivery', async () => {
    const inlet = await startTestInlet(engine, NO_WORKER);
    const url = await inlet.createWorkosSource('directory', SECRET);
    const delivery = await buildDelivery({ secret: SECRET });

    await postDelivery(url, delivery);
    await postDelivery(url, delivery);
    await postDelivery(url, await buildDelivery({ secret: SECRET }));

    const types = await inlet.api(
      'GET',
      '/v1/sources/directory/environments/development/event-types',
    );
    expect(types.body.data).toHaveLength(1);
    expect(types.body.data[0].count).toBe(2);
  });
});

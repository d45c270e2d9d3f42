import { expect, it } from 'vitest';
import { describeEachEngine, type Engine } from '../support/engines.js';
import { startTestInlet, type TestInlet } from '../support/inlet.js';
import { fixtureBytes, fixtureEventTypes, sdkSignatureHeader } from '../support/workos.js';
import { buildDelivery, postDelivery, postWithRawHeaders, uniqueEventId } from './deliveries.js';

const SECRET = 'whsec_fields_Tg4Uh6Vj8Wk0Xl2Ym4Zn6A';
const EVENTS = '/v1/sources/directory/environments/development/events';
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

async function startWithSource(engine: Engine): Promise<{ inlet: TestInlet; url: string }> {
  // No worker, so every event keeps the status it was recorded with.
  const inlet = await startTestInlet(engine, { INLET_WORKER_CONCURRENCY: '0' });
  const url = await inlet.createWorkosSource('directory', SECRET);
  return { inlet, url };
}

describeEachEngine('recorded event fields', (engine) => {
  it('stores what WorkOS sent and when', async () => {
    const { inlet, url } = await startWithSource(engine);
    const body = fixtureBytes('dsync.user.created');
    const fixture = JSON.parse(body.toString('utf8'));
    const before = new Date().toISOString();

    const answer = await postWithRawHeaders(
      url,
      {
        'Content-Type': 'application/json',
        'WorkOS-Signature': await sdkSignatureHeader(body, SECRET),
        Authorization: 'Bearer not-for-the-log',
        Cookie: 'session=not-for-the-log',
        'User-Agent': 'WorkOS Webhooks',
        'X-Trace-Context': 'Trace-ABC',
      },
      body,
    );
    const after = new Date().toISOString();

    expect(answer.status).toBe(200);
    const event = (await inlet.api('GET', `${EVENTS}/${answer.body.id}`)).body;
    expect(event.id).toBe(answer.body.id);
    expect(event.id).toMatch(/^evt_[0-9A-Z]{26}$/);
    expect(event.provider_event_id).toBe(fixture.id);
    expect(event.event_type).toBe('dsync.user.created');
    expect(event.provider_created_at).toBe(fixture.created_at);
    expect(event.received_at).toMatch(ISO_UTC);
    expect(event.received_at >= before).toBe(true);
    expect(event.received_at <= after).toBe(true);
    expect(event.last_delivered_at).toBe(event.received_at);
    expect(event.delivery_count).toBe(1);
    expect(event.verification).toBe('verified');
    expect(event.status).toBe('received');
    expect(event.processed_at).toBeNull();
    expect(event.error).toBeNull();
    expect(event.body).toEqual(fixture);
    expect(event).not.toHaveProperty('raw_body');
  });

  it('stores headers lower-cased without credentials', async () => {
    const { inlet, url } = await startWithSource(engine);
    const body = fixtureBytes('dsync.user.created');

    const answer = await postWithRawHeaders(
      url,
      {
        'Content-Type': 'application/json',
        'WorkOS-Signature': await sdkSignatureHeader(body, SECRET),
        Authorization: 'Bearer not-for-the-log',
        'Proxy-Authorization': 'Basic bm90LWZvci10aGUtbG9n',
        Cookie: 'session=not-for-the-log',
        'X-Trace-Context': 'Trace-ABC',
      },
      body,
    );

    const headers = (await inlet.api('GET', `${EVENTS}/${answer.body.id}`)).body.headers;
    for (const name of Object.keys(headers)) expect(name).toBe(name.toLowerCase());
    expect(headers['x-trace-context']).toBe('Trace-ABC');
    expect(headers['content-type']).toBe('application/json');
    expect(headers['content-length']).toBe(String(body.length));
    expect(headers).not.toHaveProperty('workos-signature');
    expect(headers).not.toHaveProperty('authorization');
    expect(headers).not.toHaveProperty('proxy-authorization');
    expect(headers).not.toHaveProperty('cookie');
    expect(JSON.stringify(headers)).not.toContain('not-for-the-log');
  });

  it('keeps the body byte for byte', async () => {
    const { inlet, url } = await startWithSource(engine);
    const body = fixtureBytes('dsync.user.updated');

    const answer = await postDelivery(url, await buildDelivery({ secret: SECRET, body }));

    const row = await inlet.inlet.database.db
      .selectFrom('events')
      .select('raw_body')
      .where('id', '=', answer.body.id)
      .executeTakeFirstOrThrow();
    expect(Buffer.from(row.raw_body).equals(body)).toBe(true);
  });

  it('normalizes a zone-less created_at to UTC', async () => {
    const { inlet, url } = await startWithSource(engine);
    const body = JSON.stringify({
      id: uniqueEventId(),
      event: 'dsync.user.created',
      data: {},
      created_at: '2023-04-28 20:05:31.093',
    });

    const answer = await postDelivery(url, await buildDelivery({ secret: SECRET, body }));

    const event = (await inlet.api('GET', `${EVENTS}/${answer.body.id}`)).body;
    expect(event.provider_created_at).toBe('2023-04-28T20:05:31.093Z');
  });

  it('records an event without created_at', async () => {
    const { inlet, url } = await startWithSource(engine);
    const body = JSON.stringify({ id: uniqueEventId(), event: 'dsync.user.created', data: {} });

    const answer = await postDelivery(url, await buildDelivery({ secret: SECRET, body }));

    expect(answer.status).toBe(200);
    const event = (await inlet.api('GET', `${EVENTS}/${answer.body.id}`)).body;
    expect(event.provider_created_at).toBeNull();
  });

  it('shows a body that is not JSON as text', async () => {
    const { inlet, url } = await startWithSource(engine);

    await postDelivery(url, await buildDelivery({ secret: SECRET, body: 'plain <text> body' }));

    const [summary] = (await inlet.api('GET', EVENTS)).body.data;
    const event = (await inlet.api('GET', `${EVENTS}/${summary.id}`)).body;
    expect(event.status).toBe('invalid');
    expect(event.body).toBeNull();
    expect(event.raw_body).toBe('plain <text> body');
    expect(event.error).toEqual({ code: 'body_not_json', message: 'The body is not valid JSON.' });
  });

  it('records every fixture as received', async () => {
    const { inlet, url } = await startWithSource(engine);

    for (const eventType of fixtureEventTypes()) {
      const body = fixtureBytes(eventType);
      const answer = await postDelivery(url, await buildDelivery({ secret: SECRET, body }));
      expect(answer.status, eventType).toBe(200);
      const event = (await inlet.api('GET', `${EVENTS}/${answer.body.id}`)).body;
      expect(event.event_type, eventType).toBe(eventType);
      expect(event.status, eventType).toBe('received');
      expect(event.body, eventType).toEqual(JSON.parse(body.toString('utf8')));
    }
  });
});

import { expect, it } from 'vitest';
import { describeEachEngine, type Engine } from '../support/engines.js';
import { startTestInlet, type TestInlet } from '../support/inlet.js';
import {
  buildDelivery,
  fixtureWithId,
  postDelivery,
  uniqueEventId,
  waitFor,
} from './deliveries.js';

const SECRET = 'whsec_event_log_Pa1Qb3Rc5Sd7Te9Uf1V';
const ENVIRONMENT = '/v1/sources/directory/environments/development';
const EVENTS = `${ENVIRONMENT}/events`;

interface Sender {
  inlet: TestInlet;
  /** Sends a signed delivery of `eventType` and returns our event id. */
  send(eventType: string, body?: string): Promise<string>;
}

async function startWithSource(engine: Engine): Promise<Sender> {
  // No worker, so statuses stay as recorded.
  const inlet = await startTestInlet(engine, { INLET_WORKER_CONCURRENCY: '0' });
  const url = await inlet.createWorkosSource('directory', SECRET);
  return {
    inlet,
    async send(eventType, body) {
      const bytes = body ?? fixtureWithId(eventType, uniqueEventId());
      const answer = await postDelivery(url, await buildDelivery({ secret: SECRET, body: bytes }));
      if (answer.status >= 300 && answer.status !== 400) {
        throw new Error(`delivery failed: ${answer.status} ${JSON.stringify(answer.body)}`);
      }
      return answer.body.id;
    },
  };
}

async function listIds(inlet: TestInlet, query: string): Promise<string[]> {
  const page = await inlet.api('GET', `${EVENTS}?${query}`);
  expect(page.status, query).toBe(200);
  return page.body.data.map((event: { id: string }) => event.id);
}

describeEachEngine('event log API', (engine) => {
  it('lists newest first across three pages', async () => {
    const { inlet, send } = await startWithSource(engine);
    const sent: string[] = [];
    for (let index = 0; index < 5; index += 1) sent.push(await send('dsync.user.created'));

    const first = await inlet.api('GET', `${EVENTS}?limit=2`);
    const second = await inlet.api('GET', `${EVENTS}?limit=2&after=${first.body.next_cursor}`);
    const third = await inlet.api('GET', `${EVENTS}?limit=2&after=${second.body.next_cursor}`);

    const ids = (page: typeof first) => page.body.data.map((event: { id: string }) => event.id);
    expect(ids(first)).toEqual([sent[4], sent[3]]);
    expect(ids(second)).toEqual([sent[2], sent[1]]);
    expect(ids(third)).toEqual([sent[0]]);
    expect(typeof first.body.next_cursor).toBe('string');
    expect(typeof second.body.next_cursor).toBe('string');
    expect(third.body.next_cursor).toBeNull();
  });

  it('ends without a cursor when the last page is full', async () => {
    const { inlet, send } = await startWithSource(engine);
    await send('dsync.user.created');
    await send('dsync.user.created');

    const page = await inlet.api('GET', `${EVENTS}?limit=2`);

    expect(page.body.data).toHaveLength(2);
    expect(page.body.next_cursor).toBeNull();
  });

  it('filters by event type and status', async () => {
    const { inlet, send } = await startWithSource(engine);
    const groups = [await send('dsync.group.created'), await send('dsync.group.created')];
    const user = await send('dsync.user.created');
    const unknown = await send(
      'x',
      JSON.stringify({ id: uniqueEventId(), event: 'dsync.deactivated', data: {} }),
    );
    await send('x', 'not json');

    expect(await listIds(inlet, 'event_type=dsync.group.created')).toEqual(groups.reverse());
    expect(await listIds(inlet, 'event_type=dsync.user.created')).toEqual([user]);
    expect(await listIds(inlet, 'status=ignored')).toEqual([unknown]);
    expect(await listIds(inlet, 'status=invalid')).toHaveLength(1);
    expect(await listIds(inlet, 'status=received')).toHaveLength(3);
    expect(await listIds(inlet, 'status=received&event_type=dsync.deactivated')).toEqual([]);
  });

  it('filters by receive time', async () => {
    const { inlet, send } = await startWithSource(engine);
    for (let index = 0; index < 4; index += 1) await send('dsync.user.created');
    const all = (await inlet.api('GET', EVENTS)).body.data as { id: string; received_at: string }[];
    const pivot = all[1]!.received_at;
    const atOrAfter = all.filter((event) => event.received_at >= pivot).map((event) => event.id);
    const before = all.filter((event) => event.received_at < pivot).map((event) => event.id);

    expect(await listIds(inlet, `since=${encodeURIComponent(pivot)}`)).toEqual(atOrAfter);
    expect(await listIds(inlet, `until=${encodeURIComponent(pivot)}`)).toEqual(before);
    expect(
      await listIds(inlet, `since=${encodeURIComponent(pivot)}&until=${encodeURIComponent(pivot)}`),
    ).toEqual([]);
  });

  it('reads since and until with a zone offset', async () => {
    const { inlet, send } = await startWithSource(engine);
    const id = await send('dsync.user.created');
    const [event] = (await inlet.api('GET', EVENTS)).body.data;
    const receivedMs = Date.parse(event.received_at);
    // The same instant two hours ahead, written with +02:00.
    const local = new Date(receivedMs + 2 * 3_600_000).toISOString().replace('Z', '+02:00');

    expect(await listIds(inlet, `since=${encodeURIComponent(local)}`)).toEqual([id]);
    expect(await listIds(inlet, `until=${encodeURIComponent(local)}`)).toEqual([]);
  });

  it('pages through a filtered list', async () => {
    const { inlet, send } = await startWithSource(engine);
    const groups: string[] = [];
    for (let index = 0; index < 3; index += 1) {
      groups.push(await send('dsync.group.created'));
      await send('dsync.user.created');
    }

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `event_type=dsync.group.created&limit=1${cursor ? `&after=${cursor}` : ''}`;
      const page = await inlet.api('GET', `${EVENTS}?${query}`);
      seen.push(...page.body.data.map((event: { id: string }) => event.id));
      cursor = page.body.next_cursor;
    } while (cursor !== null && seen.length < 10);

    expect(seen).toEqual(groups.reverse());
  });

  it.each([
    ['a cursor that is not base64 of an id', 'after=not-a-cursor'],
    ['a cursor of another shape', `after=${Buffer.from('evt_123').toString('base64url')}`],
    ['a since that is no time', 'since=yesterday'],
    ['an until that is no time', 'until=2025-13-45'],
    ['a since of a bare number', 'since=1'],
    ['a since in words', 'since=Tue%20Mar%201%202022'],
    ['a since after the year 9999', 'since=%2B099999-01-01T00:00:00Z'],
    ['an unknown status', 'status=done'],
    ['a limit of 0', 'limit=0'],
    ['a limit of 201', 'limit=201'],
    ['a limit that is no number', 'limit=ten'],
    ['an unknown parameter', 'order=asc'],
  ])('rejects %s with validation_failed', async (_name, query) => {
    const { inlet, send } = await startWithSource(engine);
    await send('dsync.user.created');

    const page = await inlet.api('GET', `${EVENTS}?${query}`);

    expect(page.status).toBe(400);
    expect(page.body.code).toBe('validation_failed');
  });

  it('names the parameter in a time error', async () => {
    const { inlet } = await startWithSource(engine);

    const page = await inlet.api('GET', `${EVENTS}?since=yesterday`);

    expect(page.body.message).toContain('"since"');
    expect(page.body.message).toContain('yesterday');
  });

  it('answers 404 for unknown events, sources and environments', async () => {
    const { inlet, send } = await startWithSource(engine);
    const id = await send('dsync.user.created');

    const unknownEvent = await inlet.api('GET', `${EVENTS}/evt_01JP27SM84YXEK1SK9XRFPV10A`);
    const otherEnvironment = await inlet.api(
      'GET',
      `/v1/sources/directory/environments/production/events/${id}`,
    );
    const unknownSource = await inlet.api(
      'GET',
      '/v1/sources/missing/environments/development/events',
    );
    const unknownEnvironment = await inlet.api(
      'GET',
      '/v1/sources/directory/environments/staging/events',
    );

    expect(unknownEvent.status).toBe(404);
    expect(unknownEvent.body.code).toBe('not_found');
    expect(otherEnvironment.status).toBe(404);
    expect(otherEnvironment.body.code).toBe('not_found');
    expect(unknownSource.status).toBe(404);
    expect(unknownSource.body.code).toBe('not_found');
    expect(unknownEnvironment.status).toBe(404);
    expect(unknownEnvironment.body.code).toBe('unknown_environment');
  });

  it('summarizes event types with the latest payload', async () => {
    const { inlet, send } = await startWithSource(engine);
    await send('dsync.user.created');
    const latestUserId = uniqueEventId();
    const latestUser = fixtureWithId('dsync.user.created', latestUserId);
    const latestUserEvent = await send('dsync.user.created', latestUser.toString('utf8'));
    const groupEvent = await send('dsync.group.created');
    await send('x', 'not json');

    const types = await inlet.api('GET', `${ENVIRONMENT}/event-types`);

    expect(types.status).toBe(200);
    const byType = new Map(types.body.data.map((row: any) => [row.event_type, row]));
    expect([...byType.keys()].sort()).toEqual(['dsync.group.created', 'dsync.user.created']);
    const users: any = byType.get('dsync.user.created');
    const groups: any = byType.get('dsync.group.created');
    expect(users.count).toBe(2);
    expect(groups.count).toBe(1);
    expect(users.sample).toEqual(JSON.parse(latestUser.toString('utf8')));
    expect(users.sample.id).toBe(latestUserId);
    const latestUserDetail = (await inlet.api('GET', `${EVENTS}/${latestUserEvent}`)).body;
    const groupDetail = (await inlet.api('GET', `${EVENTS}/${groupEvent}`)).body;
    expect(users.last_received_at).toBe(latestUserDetail.received_at);
    expect(groups.last_received_at).toBe(groupDetail.received_at);
    expect(groups.first_received_at).toBe(groupDetail.received_at);
    expect(users.first_received_at <= users.last_received_at).toBe(true);
    expect(types.body.data[0].event_type).toBe('dsync.group.created');
  });

  it('pages through rejections newest first', async () => {
    const { inlet } = await startWithSource(engine);
    const url = (await inlet.api('GET', '/v1/sources/directory')).body.environments[0].webhook_url;
    const path = new URL(url).pathname;
    const reasons = ['signature_missing', 'signature_malformed', 'signature_mismatch'];
    await postDelivery(inlet.url + path, await buildDelivery({ secret: SECRET, signature: null }));
    await postDelivery(inlet.url + path, await buildDelivery({ secret: SECRET, signature: 't=1' }));
    await postDelivery(
      inlet.url + path,
      await buildDelivery({ secret: 'whsec_someone_else_0123456' }),
    );
    await waitFor('three rejection records', async () => {
      const page = await inlet.api('GET', `${ENVIRONMENT}/rejections`);
      return page.body.data.length === 3 ? page.body.data : undefined;
    });

    const first = await inlet.api('GET', `${ENVIRONMENT}/rejections?limit=2`);
    const second = await inlet.api(
      'GET',
      `${ENVIRONMENT}/rejections?limit=2&after=${first.body.next_cursor}`,
    );

    const seen = [...first.body.data, ...second.body.data];
    expect(seen.map((row: any) => row.reason_code)).toEqual([...reasons].reverse());
    expect(first.body.data).toHaveLength(2);
    expect(second.body.next_cursor).toBeNull();
  });
});

import { expect, it } from 'vitest';
import { describeEachEngine, type Engine } from '../support/engines.js';
import { startTestInlet, type TestInlet } from '../support/inlet.js';
import {
  buildDelivery,
  fixtureWithId,
  postDelivery,
  postWithRawHeaders,
  uniqueEventId,
  waitFor,
  type Delivery,
} from './deliveries.js';

const SECRET = 'whsec_bad_deliveries_Zq7Lm2Np4Rs6Tv8Xw0Y';
const WRONG_SECRET = 'whsec_wrong_Hk3Jm5Pq7Sv9Wx1Zb4Cd6F';
const EVENTS = '/v1/sources/directory/environments/development/events';
const REJECTIONS = '/v1/sources/directory/environments/development/rejections';
const MAX_BODY_BYTES = 2048;

/** Returns a valid delivery body well under the 2048-byte limit these tests set. */
function smallBody(): Buffer {
  return fixtureWithId('dsync.group.created', uniqueEventId());
}

function signed(body: Buffer | string, options: { timestampMs?: number } = {}): Promise<Delivery> {
  return buildDelivery({ secret: SECRET, body, ...options });
}

async function startWithSource(engine: Engine): Promise<{ inlet: TestInlet; url: string }> {
  const inlet = await startTestInlet(engine, {
    INLET_MAX_BODY_BYTES: String(MAX_BODY_BYTES),
    // No worker: the status each delivery was recorded with stays visible.
    INLET_WORKER_CONCURRENCY: '0',
  });
  const url = await inlet.createWorkosSource('directory', SECRET);
  return { inlet, url };
}

async function expectHealthy(inlet: TestInlet): Promise<void> {
  const response = await fetch(`${inlet.url}/healthz`);
  expect(response.status).toBe(200);
}

type Stored = 'rejection' | 'invalid event' | 'nothing';

interface BadDeliveryCase {
  name: string;
  build: () => Promise<Delivery>;
  status: number;
  code: string;
  stored: Stored;
}

const BAD_DELIVERIES: BadDeliveryCase[] = [
  {
    name: 'missing signature header',
    build: () => buildDelivery({ secret: SECRET, body: smallBody(), signature: null }),
    status: 401,
    code: 'signature_missing',
    stored: 'rejection',
  },
  {
    name: 'empty signature header',
    build: () => buildDelivery({ secret: SECRET, body: smallBody(), signature: '' }),
    status: 401,
    code: 'signature_missing',
    stored: 'rejection',
  },
  {
    name: 'malformed signature header',
    build: () => buildDelivery({ secret: SECRET, body: smallBody(), signature: 't=now, v1=abc' }),
    status: 401,
    code: 'signature_malformed',
    stored: 'rejection',
  },
  {
    name: 'wrong secret',
    build: () => buildDelivery({ secret: WRONG_SECRET, body: smallBody() }),
    status: 401,
    code: 'signature_mismatch',
    stored: 'rejection',
  },
  {
    name: 'stale timestamp',
    build: () => signed(smallBody(), { timestampMs: Date.now() - 4 * 60_000 }),
    status: 401,
    code: 'timestamp_outside_tolerance',
    stored: 'rejection',
  },
  {
    name: 'future timestamp',
    build: () => signed(smallBody(), { timestampMs: Date.now() + 4 * 60_000 }),
    status: 401,
    code: 'timestamp_outside_tolerance',
    stored: 'rejection',
  },
  {
    name: 'tampered body',
    build: async () => {
      const delivery = await signed(smallBody());
      const body = Buffer.from(delivery.body);
      body[body.indexOf('"event"') + 1] = 'E'.charCodeAt(0);
      return { ...delivery, body };
    },
    status: 401,
    code: 'signature_mismatch',
    stored: 'rejection',
  },
  {
    name: 're-serialized body',
    build: async () => {
      const delivery = await signed(smallBody());
      const body = Buffer.from(JSON.stringify(JSON.parse(delivery.body.toString('utf8'))));
      return { ...delivery, body };
    },
    status: 401,
    code: 'signature_mismatch',
    stored: 'rejection',
  },
  {
    name: 'body over the size limit',
    build: () =>
      signed(
        JSON.stringify({
          id: uniqueEventId(),
          event: 'dsync.group.created',
          pad: 'x'.repeat(4096),
        }),
      ),
    status: 413,
    code: 'payload_too_large',
    stored: 'nothing',
  },
  {
    name: 'signed body that is not JSON',
    build: () => signed('{"id": "event_1", "event": '),
    status: 400,
    code: 'body_not_json',
    stored: 'invalid event',
  },
  {
    name: 'signed empty body',
    build: () => signed(''),
    status: 400,
    code: 'body_not_json',
    stored: 'invalid event',
  },
  {
    name: 'signed JSON array',
    build: () => signed('[{"id": "event_1", "event": "dsync.group.created"}]'),
    status: 400,
    code: 'body_not_object',
    stored: 'invalid event',
  },
  {
    name: 'signed JSON string',
    build: () => signed('"dsync.group.created"'),
    status: 400,
    code: 'body_not_object',
    stored: 'invalid event',
  },
  {
    name: 'signed JSON null',
    build: () => signed('null'),
    status: 400,
    code: 'body_not_object',
    stored: 'invalid event',
  },
  {
    name: 'body without id',
    build: () => signed(JSON.stringify({ event: 'dsync.group.created', data: {} })),
    status: 400,
    code: 'event_id_missing',
    stored: 'invalid event',
  },
  {
    name: 'body without event',
    build: () => signed(JSON.stringify({ id: uniqueEventId(), data: {} })),
    status: 400,
    code: 'event_type_missing',
    stored: 'invalid event',
  },
];

async function expectStored(
  inlet: TestInlet,
  testCase: BadDeliveryCase,
  delivery: Delivery,
): Promise<void> {
  if (testCase.stored === 'rejection') {
    // The rejection log writes after the 401 is sent, so wait for the row.
    const rejections = await waitFor('the rejection record', async () => {
      const page = await inlet.api('GET', REJECTIONS);
      return page.body.data.length > 0 ? page.body.data : undefined;
    });
    expect(rejections).toHaveLength(1);
    expect(rejections[0].reason_code).toBe(testCase.code);
    expect(rejections[0].body_bytes).toBe(delivery.body.length);
    expect(rejections[0].suppressed_before).toBe(0);
    expect(rejections[0].headers).not.toHaveProperty('workos-signature');
    expect(rejections[0].headers['content-type']).toBe('application/json');
  } else {
    const rejections = await inlet.api('GET', REJECTIONS);
    expect(rejections.body.data).toEqual([]);
  }

  const events = await inlet.api('GET', EVENTS);
  if (testCase.stored === 'invalid event') {
    expect(events.body.data).toHaveLength(1);
    expect(events.body.data[0].status).toBe('invalid');
    expect(events.body.data[0].verification).toBe('verified');
    expect(events.body.data[0].provider_event_id).toBeNull();
    expect(events.body.data[0].event_type).toBeNull();
    expect(events.body.data[0].error.code).toBe(testCase.code);
  } else {
    expect(events.body.data).toEqual([]);
  }
}

describeEachEngine('bad deliveries', (engine) => {
  it.each(BAD_DELIVERIES)('answers $name with $status $code', async (testCase) => {
    const { inlet, url } = await startWithSource(engine);
    const delivery = await testCase.build();

    const answer = await postDelivery(url, delivery);

    expect(answer.status).toBe(testCase.status);
    expect(answer.body.code).toBe(testCase.code);
    expect(typeof answer.body.message).toBe('string');
    await expectStored(inlet, testCase, delivery);
    await expectHealthy(inlet);
  });

  it('keeps answering after every bad delivery in a row', async () => {
    const { inlet, url } = await startWithSource(engine);

    for (const testCase of BAD_DELIVERIES) {
      const answer = await postDelivery(url, await testCase.build());
      expect(answer.status, testCase.name).toBe(testCase.status);
    }

    await expectHealthy(inlet);
    const good = await postDelivery(url, await signed(smallBody()));
    expect(good.status).toBe(200);
  });

  it('accepts a body of exactly the size limit', async () => {
    const { url } = await startWithSource(engine);
    const envelope = JSON.stringify({ id: uniqueEventId(), event: 'dsync.group.created', pad: '' });
    const body = envelope.replace(
      '"pad":""',
      `"pad":"${'x'.repeat(MAX_BODY_BYTES - envelope.length)}"`,
    );
    expect(Buffer.byteLength(body)).toBe(MAX_BODY_BYTES);

    const answer = await postDelivery(url, await signed(body));

    expect(answer.status).toBe(200);
  });

  it('rejects a chunked body over the size limit', async () => {
    const { inlet, url } = await startWithSource(engine);
    const delivery = await signed(
      JSON.stringify({ id: uniqueEventId(), event: 'dsync.group.created', pad: 'x'.repeat(4096) }),
    );

    const answer = await postWithRawHeaders(
      url,
      { ...delivery.headers, 'Transfer-Encoding': 'chunked' },
      delivery.body,
    );

    expect(answer.status).toBe(413);
    expect(answer.body.code).toBe('payload_too_large');
    expect((await inlet.api('GET', EVENTS)).body.data).toEqual([]);
  });

  it('answers 500 without details when the event cannot be stored', async () => {
    const { inlet, url } = await startWithSource(engine);
    await inlet.inlet.database.db.schema
      .alterTable('events')
      .renameTo('events_unavailable')
      .execute();

    const answer = await postDelivery(url, await signed(smallBody()));

    expect(answer.status).toBe(500);
    expect(answer.body).toEqual({ code: 'internal_error', message: 'Internal server error.' });
    await inlet.inlet.database.db.schema
      .alterTable('events_unavailable')
      .renameTo('events')
      .execute();
    expect((await inlet.api('GET', EVENTS)).body.data).toEqual([]);
  });

  it('fails closed without a signing secret', async () => {
    const inlet = await startTestInlet(engine);
    const created = await inlet.api('PUT', '/v1/sources/directory', {
      name: 'Directory',
      provider: 'workos',
    });
    const path = new URL(created.body.environments[0].webhook_url).pathname;

    const answer = await postDelivery(inlet.url + path, await signed(smallBody()));

    expect(answer.status).toBe(401);
    expect(answer.body.code).toBe('no_signing_secret');
    const rejections = await waitFor('the rejection record', async () => {
      const page = await inlet.api('GET', REJECTIONS);
      return page.body.data.length > 0 ? page.body.data : undefined;
    });
    expect(rejections[0].reason_code).toBe('no_signing_secret');
    expect((await inlet.api('GET', EVENTS)).body.data).toEqual([]);
  });

  it('answers unknown ingest ids with a bare 404', async () => {
    const { inlet, url } = await startWithSource(engine);
    const base = `${inlet.url}/integrations/receive/`;
    const known = new URL(url).pathname.split('/').pop()!;
    const ids = [
      'AAAAAAAAAAAAAAAAAAAAAAAA',
      known.slice(0, -1),
      `${known}x`,
      'short',
      'has%20spaces%20in%20it',
      '..%2F..%2Fetc%2Fpasswd',
      'semi;colon;and%27quote%27',
      'x'.repeat(100),
    ];

    for (const id of ids) {
      const answer = await postDelivery(base + id, await signed(smallBody()));
      expect(answer.status, id).toBe(404);
      expect(answer.body, id).toEqual({ code: 'not_found', message: 'Not found.' });
    }
    expect((await inlet.api('GET', EVENTS)).body.data).toEqual([]);
  });

  it('answers a long ingest id with the same 404', async () => {
    const { inlet } = await startWithSource(engine);

    const answer = await postDelivery(
      `${inlet.url}/integrations/receive/${'x'.repeat(300)}`,
      await signed(smallBody()),
    );

    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({ code: 'not_found', message: 'Not found.' });
  });

  it('answers an ingest id over 1024 characters with the same 404', async () => {
    const { inlet } = await startWithSource(engine);

    const answer = await postDelivery(
      `${inlet.url}/integrations/receive/${'x'.repeat(1025)}`,
      await signed(smallBody()),
    );

    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({ code: 'not_found', message: 'Not found.' });
  });

  it('records an unknown event type as ignored', async () => {
    const { inlet, url } = await startWithSource(engine);
    const body = JSON.stringify({
      id: uniqueEventId(),
      event: 'dsync.deactivated',
      data: {},
      created_at: '2025-03-11T09:15:27.364Z',
    });

    const answer = await postDelivery(url, await signed(body));

    expect(answer.status).toBe(200);
    expect(answer.body.status).toBe('ignored');
    expect(answer.body.duplicate).toBe(false);
    const events = await inlet.api('GET', EVENTS);
    expect(events.body.data).toHaveLength(1);
    expect(events.body.data[0].status).toBe('ignored');
    expect(events.body.data[0].event_type).toBe('dsync.deactivated');
  });

  it('records a switched-off event type as skipped', async () => {
    const { inlet, url } = await startWithSource(engine);
    const updated = await inlet.api('PUT', '/v1/sources/directory/environments/development', {
      disabled_event_types: ['dsync.group.created'],
    });
    expect(updated.status).toBe(200);
    expect(updated.body.disabled_event_types).toEqual(['dsync.group.created']);

    const answer = await postDelivery(url, await signed(smallBody()));

    expect(answer.status).toBe(200);
    expect(answer.body.status).toBe('skipped');
    const events = await inlet.api('GET', EVENTS);
    expect(events.body.data[0].status).toBe('skipped');
  });

  it('records a switched-on event type as received again', async () => {
    const { inlet, url } = await startWithSource(engine);
    await inlet.api('PUT', '/v1/sources/directory/environments/development', {
      disabled_event_types: ['dsync.group.created'],
    });
    const enabled = await inlet.api('PUT', '/v1/sources/directory/environments/development', {
      enabled_event_types: ['dsync.group.created'],
    });
    expect(enabled.body.disabled_event_types).toEqual([]);

    const answer = await postDelivery(url, await signed(smallBody()));

    expect(answer.body.status).toBe('received');
  });

  it.each(['text/plain', 'application/octet-stream', 'application/json; charset=utf-8'])(
    'accepts a signed JSON body sent as %s',
    async (contentType) => {
      const { inlet, url } = await startWithSource(engine);
      const body = smallBody();
      const delivery = await buildDelivery({ secret: SECRET, body, contentType });

      const answer = await postDelivery(url, delivery);

      expect(answer.status).toBe(200);
      expect(answer.body.status).toBe('received');
      const event = await inlet.api('GET', `${EVENTS}/${answer.body.id}`);
      expect(event.body.body).toEqual(JSON.parse(body.toString('utf8')));
    },
  );

  it('accepts a signed body without a content type', async () => {
    const { url } = await startWithSource(engine);
    const delivery = await signed(smallBody());

    const answer = await postWithRawHeaders(
      url,
      {
        'WorkOS-Signature': delivery.headers['workos-signature']!,
        'Content-Length': String(delivery.body.length),
      },
      delivery.body,
    );

    expect(answer.status).toBe(200);
    expect(answer.body.status).toBe('received');
  });

  it.each(['WORKOS-SIGNATURE', 'workos-signature', 'WorkOS-Signature', 'wOrKoS-sIgNaTuRe'])(
    'reads the signature from a %s header',
    async (headerName) => {
      const { url } = await startWithSource(engine);
      const delivery = await signed(smallBody());

      const answer = await postWithRawHeaders(
        url,
        { 'Content-Type': 'application/json', [headerName]: delivery.headers['workos-signature']! },
        delivery.body,
      );

      expect(answer.status).toBe(200);
      expect(answer.body.duplicate).toBe(false);
    },
  );
});

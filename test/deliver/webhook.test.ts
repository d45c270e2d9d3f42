import {
  createServer,
  type IncomingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  sendWebhook,
  signWebhook,
  verifyInletWebhook,
  type WebhookMessage,
  type WebhookSettings,
} from '../../src/deliver/channels/webhook.js';
import {
  DeliveryError,
  MAX_RETRY_AFTER_MS,
  parseRetryAfter,
} from '../../src/deliver/delivery-error.js';
import { MAX_RESPONSE_BODY_BYTES, postJson } from '../../src/deliver/http-post.js';

const ALLOW = ['127.0.0.1'];
const SECRET = 'whsec_test_secret';

interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
}

interface Receiver {
  url: string;
  requests: ReceivedRequest[];
}

type Respond = (response: ServerResponse, request: ReceivedRequest, index: number) => void;

const servers: Server[] = [];

/** Starts an HTTP receiver on 127.0.0.1 that records each request and then calls `respond`. */
async function startReceiver(
  respond: Respond = (response) => response.end('ok'),
): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const received: ReceivedRequest = {
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        rawBody: Buffer.concat(chunks),
      };
      requests.push(received);
      respond(response, received, requests.length - 1);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks/inlet`, requests };
}

afterEach(async () => {
  const closing = servers.splice(0).map(
    (server) =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  await Promise.all(closing);
});

function makeSettings(url: string, overrides: Partial<WebhookSettings> = {}): WebhookSettings {
  return { url, secret: SECRET, ...overrides };
}

function makeMessage(overrides: Partial<WebhookMessage> = {}): WebhookMessage {
  return {
    id: 'msg_01HZX3Q4',
    payload: { type: 'invoice.paid', data: { amount: 4200, note: 'café ☕' } },
    ...overrides,
  };
}

async function rejection(promise: Promise<unknown>): Promise<DeliveryError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DeliveryError);
  return error as DeliveryError;
}

describe('sendWebhook', () => {
  it('sends a delivery that verifies', async () => {
    const receiver = await startReceiver();
    const response = await sendWebhook(makeSettings(receiver.url), makeMessage(), { allow: ALLOW });

    expect(response.status).toBe(200);
    expect(response.bodyText).toBe('ok');
    expect(receiver.requests).toHaveLength(1);

    const request = receiver.requests[0] as ReceivedRequest;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/hooks/inlet');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['inlet-webhook-id']).toBe('msg_01HZX3Q4');
    expect(JSON.parse(request.rawBody.toString('utf8'))).toEqual(makeMessage().payload);

    const verification = verifyInletWebhook(request.rawBody, request.headers, SECRET, 300);
    expect(verification).toEqual({
      ok: true,
      id: 'msg_01HZX3Q4',
      timestampSeconds: Number(request.headers['inlet-webhook-timestamp']),
    });
  });

  it('fails verification for a tampered body', async () => {
    const receiver = await startReceiver();
    await sendWebhook(makeSettings(receiver.url), makeMessage(), { allow: ALLOW });
    const request = receiver.requests[0] as ReceivedRequest;

    const tampered = Buffer.from(request.rawBody.toString('utf8').replace('4200', '4201'));
    const verification = verifyInletWebhook(tampered, request.headers, SECRET, 300);
    expect(verification).toMatchObject({ ok: false, reason: 'signature_mismatch' });
  });

  it('fails verification with another secret', async () => {
    const receiver = await startReceiver();
    await sendWebhook(makeSettings(receiver.url), makeMessage(), { allow: ALLOW });
    const request = receiver.requests[0] as ReceivedRequest;

    const verification = verifyInletWebhook(request.rawBody, request.headers, 'other', 300);
    expect(verification).toMatchObject({ ok: false, reason: 'signature_mismatch' });
  });

  it('signs with every secret during rotation', async () => {
    const receiver = await startReceiver();
    const settings = makeSettings(receiver.url, { secret: ['old_secret', 'new_secret'] });
    await sendWebhook(settings, makeMessage(), { allow: ALLOW });
    const request = receiver.requests[0] as ReceivedRequest;

    expect(String(request.headers['inlet-signature']).match(/v1=/g)).toHaveLength(2);
    expect(verifyInletWebhook(request.rawBody, request.headers, 'old_secret', 300).ok).toBe(true);
    expect(verifyInletWebhook(request.rawBody, request.headers, 'new_secret', 300).ok).toBe(true);
  });

  it('keeps signature headers over caller headers', async () => {
    const receiver = await startReceiver();
    const headers = { 'inlet-signature': 't=1,v1=forged', 'X-Tenant': 'acme' };
    await sendWebhook(makeSettings(receiver.url, { headers }), makeMessage(), { allow: ALLOW });
    const request = receiver.requests[0] as ReceivedRequest;

    expect(request.headers['x-tenant']).toBe('acme');
    expect(request.headers['inlet-signature']).not.toContain('forged');
    expect(verifyInletWebhook(request.rawBody, request.headers, SECRET, 300).ok).toBe(true);
  });

  it('retries 503 until the receiver recovers', async () => {
    const receiver = await startReceiver((response, _request, index) => {
      response.statusCode = index < 2 ? 503 : 200;
      response.end(index < 2 ? 'unavailable' : 'ok');
    });
    const settings = makeSettings(receiver.url);

    for (let attempt = 1; attempt <= 2; attempt++) {
      const error = await rejection(sendWebhook(settings, makeMessage(), { allow: ALLOW }));
      expect(error.code).toBe('http_5xx');
      expect(error.retryable).toBe(true);
      expect(error.response).toMatchObject({ status: 503, bodyText: 'unavailable' });
    }

    const response = await sendWebhook(settings, makeMessage(), { allow: ALLOW });
    expect(response.status).toBe(200);
    expect(receiver.requests).toHaveLength(3);
    const ids = receiver.requests.map((request) => request.headers['inlet-webhook-id']);
    expect(new Set(ids)).toEqual(new Set(['msg_01HZX3Q4']));
  });

  it('honours Retry-After on 429', async () => {
    const receiver = await startReceiver((response) => {
      response.writeHead(429, { 'Retry-After': '7' });
      response.end();
    });
    const before = Date.now();
    const error = await rejection(
      sendWebhook(makeSettings(receiver.url), makeMessage(), { allow: ALLOW }),
    );
    const after = Date.now();

    expect(error.code).toBe('http_4xx');
    expect(error.retryable).toBe(true);
    expect(error.retryAt).toBeInstanceOf(Date);
    const retryAtMs = error.retryAt?.getTime() ?? 0;
    expect(retryAtMs).toBeGreaterThanOrEqual(before + 7000);
    expect(retryAtMs).toBeLessThanOrEqual(after + 7000);
  });

  it('treats 400 as permanent', async () => {
    const receiver = await startReceiver((response) => {
      response.statusCode = 400;
      response.end('bad payload');
    });
    const error = await rejection(
      sendWebhook(makeSettings(receiver.url), makeMessage(), { allow: ALLOW }),
    );
    expect(error.code).toBe('http_4xx');
    expect(error.retryable).toBe(false);
    expect(error.retryAt).toBeUndefined();
    expect(error.response).toMatchObject({ status: 400, bodyText: 'bad payload' });
  });

  it('does not follow redirects', async () => {
    const target = await startReceiver();
    const receiver = await startReceiver((response) => {
      response.writeHead(307, { Location: target.url });
      response.end();
    });
    const error = await rejection(
      sendWebhook(makeSettings(receiver.url), makeMessage(), { allow: ALLOW }),
    );

    expect(error.code).toBe('http_3xx');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain(target.url);
    expect(receiver.requests).toHaveLength(1);
    expect(target.requests).toHaveLength(0);
  });

  it('blocks loopback without an allow list', async () => {
    const receiver = await startReceiver();
    const error = await rejection(
      sendWebhook(makeSettings(receiver.url), makeMessage(), { allow: [] }),
    );
    expect(error.code).toBe('destination_blocked');
    expect(receiver.requests).toHaveLength(0);
  });

  it('rejects a message id containing a dot', async () => {
    const receiver = await startReceiver();
    const send = sendWebhook(makeSettings(receiver.url), makeMessage({ id: 'msg.1' }), {
      allow: ALLOW,
    });
    await expect(send).rejects.toThrow(TypeError);
    expect(receiver.requests).toHaveLength(0);
  });
});

describe('verifyInletWebhook', () => {
  const rawBody = '{"type":"invoice.paid"}';
  const now = 1_700_000_000;

  function signedHeaders(timestampSeconds: number, secret = SECRET): Record<string, string> {
    return {
      'inlet-webhook-id': 'msg_1',
      'inlet-webhook-timestamp': String(timestampSeconds),
      'inlet-signature': signWebhook('msg_1', timestampSeconds, rawBody, secret),
    };
  }

  it('accepts a fresh signature', () => {
    expect(verifyInletWebhook(rawBody, signedHeaders(now), SECRET, 300, now).ok).toBe(true);
  });

  it('reads Fetch API headers', () => {
    const headers = new Headers(signedHeaders(now));
    expect(verifyInletWebhook(rawBody, headers, SECRET, 300, now).ok).toBe(true);
  });

  it('accepts any configured secret', () => {
    const result = verifyInletWebhook(rawBody, signedHeaders(now), ['retired', SECRET], 300, now);
    expect(result.ok).toBe(true);
  });

  it('rejects a timestamp older than the tolerance', () => {
    const result = verifyInletWebhook(rawBody, signedHeaders(now - 301), SECRET, 300, now);
    expect(result).toMatchObject({ ok: false, reason: 'timestamp_outside_tolerance' });
  });

  it('rejects a timestamp too far ahead', () => {
    const result = verifyInletWebhook(rawBody, signedHeaders(now + 301), SECRET, 300, now);
    expect(result).toMatchObject({ ok: false, reason: 'timestamp_outside_tolerance' });
  });

  it('rejects missing headers', () => {
    const result = verifyInletWebhook(rawBody, {}, SECRET, 300, now);
    expect(result).toMatchObject({ ok: false, reason: 'signature_missing' });
  });

  it('rejects a short signature without throwing', () => {
    const headers = { ...signedHeaders(now), 'inlet-signature': `t=${now},v1=abcd` };
    const result = verifyInletWebhook(rawBody, headers, SECRET, 300, now);
    expect(result).toMatchObject({ ok: false, reason: 'signature_malformed' });
  });

  it('rejects a header without t', () => {
    const signature = signedHeaders(now)['inlet-signature']?.replace(/^t=\d+,/, '');
    const headers = { ...signedHeaders(now), 'inlet-signature': signature };
    const result = verifyInletWebhook(rawBody, headers, SECRET, 300, now);
    expect(result).toMatchObject({ ok: false, reason: 'signature_malformed' });
  });

  it('rejects a timestamp header that disagrees', () => {
    const headers = { ...signedHeaders(now), 'inlet-webhook-timestamp': String(now + 1) };
    const result = verifyInletWebhook(rawBody, headers, SECRET, 300, now);
    expect(result).toMatchObject({ ok: false, reason: 'signature_malformed' });
  });

  it('rejects a swapped message id', () => {
    const headers = { ...signedHeaders(now), 'inlet-webhook-id': 'msg_2' };
    const result = verifyInletWebhook(rawBody, headers, SECRET, 300, now);
    expect(result).toMatchObject({ ok: false, reason: 'signature_mismatch' });
  });
});

describe('postJson', () => {
  it('times out a receiver that never responds', async () => {
    const receiver = await startReceiver(() => {
      // Leave the response open.
    });
    const started = Date.now();
    const error = await rejection(
      postJson(receiver.url, { a: 1 }, { allow: ALLOW, timeoutMs: 200 }),
    );

    expect(error.code).toBe('timeout');
    expect(error.retryable).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('keeps only the first 4 KiB of the body', async () => {
    const receiver = await startReceiver((response) => response.end('x'.repeat(100_000)));
    const response = await postJson(receiver.url, { a: 1 }, { allow: ALLOW });
    expect(response.status).toBe(200);
    expect(response.bodyText).toHaveLength(MAX_RESPONSE_BODY_BYTES);
  });

  it('returns non-2xx responses without throwing', async () => {
    const receiver = await startReceiver((response) => {
      response.writeHead(500, { 'X-Request-Id': 'r1' });
      response.end('boom');
    });
    const response = await postJson(receiver.url, { a: 1 }, { allow: ALLOW });
    expect(response.status).toBe(500);
    expect(response.headers['x-request-id']).toBe('r1');
    expect(response.bodyText).toBe('boom');
  });

  it('reports a refused connection as retryable', async () => {
    const receiver = await startReceiver();
    const url = receiver.url;
    await Promise.all(
      servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))),
    );

    const error = await rejection(postJson(url, { a: 1 }, { allow: ALLOW }));
    expect(error.code).toBe('network_error');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('rejects an invalid header value', async () => {
    const receiver = await startReceiver();
    const headers = { 'X-Bad': 'line\nbreak' };
    const error = await rejection(postJson(receiver.url, { a: 1 }, { allow: ALLOW, headers }));
    expect(error.code).toBe('invalid_request');
    expect(error.retryable).toBe(false);
    expect(receiver.requests).toHaveLength(0);
  });

  it('sends URL credentials as basic auth', async () => {
    const receiver = await startReceiver();
    const url = receiver.url.replace('http://', 'http://user:p%40ss@');
    await postJson(url, { a: 1 }, { allow: ALLOW });
    const expected = `Basic ${Buffer.from('user:p@ss').toString('base64')}`;
    expect(receiver.requests[0]?.headers.authorization).toBe(expected);
  });
});

describe('parseRetryAfter', () => {
  const now = new Date('2024-05-01T12:00:00Z');

  it('reads delay seconds', () => {
    expect(parseRetryAfter('120', now)?.toISOString()).toBe('2024-05-01T12:02:00.000Z');
  });

  it('reads an HTTP date', () => {
    const retryAt = parseRetryAfter('Wed, 01 May 2024 12:05:00 GMT', now);
    expect(retryAt?.toISOString()).toBe('2024-05-01T12:05:00.000Z');
  });

  it('caps the delay at one hour', () => {
    const retryAt = parseRetryAfter('86400', now);
    expect(retryAt?.getTime()).toBe(now.getTime() + MAX_RETRY_AFTER_MS);
  });

  it('treats a past date as now', () => {
    const retryAt = parseRetryAfter('Wed, 01 May 2024 11:00:00 GMT', now);
    expect(retryAt?.getTime()).toBe(now.getTime());
  });

  it('ignores an invalid value', () => {
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

import {
  createServer,
  type IncomingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { sendChat } from '../../src/deliver/channels/chat.js';
import { DeliveryError } from '../../src/deliver/delivery-error.js';

const ALLOW = ['127.0.0.1'];

interface ReceivedRequest {
  headers: IncomingHttpHeaders;
  body: unknown;
}

interface Receiver {
  url: string;
  requests: ReceivedRequest[];
}

const servers: Server[] = [];

/** Starts a chat incoming-webhook stand-in on 127.0.0.1 that records parsed JSON bodies. */
async function startReceiver(
  respond: (response: ServerResponse) => void = (response) => response.end('ok'),
): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      requests.push({ headers: request.headers, body });
      respond(response);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/services/T000/B000/XXXX`, requests };
}

afterEach(async () => {
  const closing = servers
    .splice(0)
    .map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
  await Promise.all(closing);
});

describe('sendChat', () => {
  it('posts the text as JSON', async () => {
    const receiver = await startReceiver();
    const response = await sendChat(
      { url: receiver.url },
      { text: 'Deploy finished' },
      { allow: ALLOW },
    );

    expect(response.status).toBe(200);
    expect(response.bodyText).toBe('ok');
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]?.body).toEqual({ text: 'Deploy finished' });
    expect(receiver.requests[0]?.headers['content-type']).toBe('application/json');
  });

  it('posts blocks with the fallback text', async () => {
    const receiver = await startReceiver();
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*Deploy* finished' } }];
    await sendChat({ url: receiver.url }, { text: 'Deploy finished', blocks }, { allow: ALLOW });

    expect(receiver.requests[0]?.body).toEqual({ text: 'Deploy finished', blocks });
  });

  it('treats a 404 as permanent', async () => {
    const receiver = await startReceiver((response) => {
      response.statusCode = 404;
      response.end('no_service');
    });
    const error = await sendChat({ url: receiver.url }, { text: 'hi' }, { allow: ALLOW }).then(
      () => undefined,
      (caught: unknown) => caught,
    );

    expect(error).toBeInstanceOf(DeliveryError);
    expect((error as DeliveryError).code).toBe('http_4xx');
    expect((error as DeliveryError).retryable).toBe(false);
    expect((error as DeliveryError).response).toMatchObject({
      status: 404,
      bodyText: 'no_service',
    });
  });

  it('keeps the URL path out of errors', async () => {
    const error = await sendChat(
      { url: 'http://10.0.0.1/services/T000/B000/SECRET' },
      { text: 'hi' },
      { allow: ALLOW },
    ).then(
      () => undefined,
      (caught: unknown) => caught as DeliveryError,
    );

    expect(error?.code).toBe('destination_blocked');
    expect(error?.message).not.toContain('SECRET');
  });
});

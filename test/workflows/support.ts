import {
  createServer,
  type IncomingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterEach } from 'vitest';
import { closeTransports } from '../../src/deliver/channels/email.js';
import { getWorkflowEngine, type WorkflowEngine } from '../../src/workflows/index.js';
import type { TestInlet } from '../support/inlet.js';

/** Calls the API with extra headers, such as Idempotency-Key or Inlet-Environment. */
export async function request<T = any>(
  inlet: TestInlet,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T }> {
  const response = await fetch(inlet.url + path, {
    method,
    headers: {
      authorization: `Bearer ${inlet.inlet.apiKey}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** Calls the API and fails with the response body unless the status is 2xx. */
export async function ok<T = any>(
  inlet: TestInlet,
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
): Promise<T> {
  const response = await request<T>(inlet, method, path, body, headers);
  if (response.status < 200 || response.status >= 300) {
    throw new Error(
      `${method} ${path} returned ${response.status}: ${JSON.stringify(response.body)}`,
    );
  }
  return response.body;
}

/** Polls `probe` every 25 ms until it returns a value other than undefined or false. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined | false;
  while (Date.now() < deadline) {
    last = await probe();
    if (last !== undefined && last !== false) return last;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
}

export async function putWorkflow(
  inlet: TestInlet,
  key: string,
  definition: Record<string, unknown>,
): Promise<any> {
  return ok(inlet, 'PUT', `/v1/workflows/${key}`, definition);
}

export async function identify(
  inlet: TestInlet,
  id: string,
  attributes: Record<string, unknown> = {},
): Promise<void> {
  await ok(inlet, 'PUT', `/v1/users/${id}`, {
    name: `User ${id}`,
    email: `${id}@example.test`,
    ...attributes,
  });
}

export async function trigger(
  inlet: TestInlet,
  key: string,
  body: Record<string, unknown>,
  headers?: Record<string, string>,
): Promise<{ workflow_run_ids: string[]; skipped_recipients: unknown[] }> {
  return ok(inlet, 'POST', `/v1/workflows/${key}/trigger`, body, headers);
}

/** Waits until a run reaches one of `statuses` and returns it. */
export async function waitForRun(
  inlet: TestInlet,
  runId: string,
  statuses: string[],
): Promise<any> {
  return waitFor(
    async () => {
      const run = await ok(inlet, 'GET', `/v1/workflow-runs/${runId}`);
      return statuses.includes(run.status) ? run : undefined;
    },
    `run ${runId} to reach ${statuses.join(' or ')}`,
  );
}

/** Waits until at least `count` messages for `query` are in a final status; returns the list. */
export async function waitForMessages(
  inlet: TestInlet,
  query: string,
  count: number,
  finalOnly = true,
): Promise<any[]> {
  return waitFor(async () => {
    const page = await ok(inlet, 'GET', `/v1/messages?limit=200&${query}`);
    const done = page.data.filter((message: any) => !finalOnly || message.status !== 'queued');
    return done.length >= count ? page.data : undefined;
  }, `${count} messages for ${query}`);
}

/** An engine clock that starts at the current time and moves only when `advance` is called. */
export interface TestClock {
  engine: WorkflowEngine;
  now(): Date;
  /** Moves the clock forward and runs every job due at the new time. */
  advance(ms: number): Promise<number>;
}

export function controlClock(inlet: TestInlet, start = Date.now()): TestClock {
  const engine = getWorkflowEngine(inlet.inlet);
  let current = start;
  engine.now = () => current;
  return {
    engine,
    now: () => new Date(current),
    async advance(ms) {
      current += ms;
      return engine.tick(new Date(current));
    },
  };
}

export interface ReceivedRequest {
  url: string;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
}

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
}

const servers: Server[] = [];
const smtpServers: SMTPServer[] = [];

afterEach(async () => {
  closeTransports();
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
  await Promise.all(
    smtpServers
      .splice(0)
      .map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
  );
});

/** Starts an HTTP receiver on 127.0.0.1 that records each request and responds with `respond`. */
export async function startReceiver(
  respond: (response: ServerResponse, request: ReceivedRequest, index: number) => void = (
    response,
  ) => response.end('ok'),
): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const received = {
        url: incoming.url ?? '',
        headers: incoming.headers,
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

export interface SmtpSink {
  port: number;
  messages: ParsedMail[];
}

/** Starts an SMTP server on 127.0.0.1 without TLS or authentication that parses every message. */
export async function startSmtpSink(): Promise<SmtpSink> {
  const messages: ParsedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (parsed) => {
          messages.push(parsed);
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  smtpServers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { port, messages };
}

/** Returns the body of a PUT /v1/channels request for an email channel that sends to `sink`. */
export function smtpChannel(sink: SmtpSink): Record<string, unknown> {
  return {
    type: 'email',
    settings: {
      host: '127.0.0.1',
      port: sink.port,
      secure: false,
      require_tls: false,
      from: 'Inlet <notify@example.test>',
    },
  };
}

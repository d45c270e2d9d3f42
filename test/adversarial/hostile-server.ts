import { afterAll, beforeAll, expect } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { startInlet, type RunningInlet } from '../../src/start.js';
import { createTestStorage, type Engine, type TestStorage } from '../support/engines.js';

/** A response status and parsed JSON body; `body` is undefined for an empty response. */
export interface ApiResponse {
  status: number;
  body: any;
}

/** A server shared by the tests of one suite, with every log line it wrote at trace level. */
export interface HostileServer {
  readonly server: RunningInlet;
  readonly url: string;
  readonly logLines: string[];
  /** Calls the management API with the admin key and a JSON-encoded body. */
  api(method: string, path: string, body?: unknown): Promise<ApiResponse>;
  /** Calls the management API with the admin key and `text` sent as is, as application/json. */
  send(
    method: string,
    path: string,
    text: string,
    headers?: Record<string, string>,
  ): Promise<ApiResponse>;
}

/**
 * Starts one server for the suite in `beforeAll` and stops it in `afterAll`, so that table-driven
 * tests share it. The returned object is filled in once `beforeAll` ran.
 */
export function useHostileServer(engine: Engine, env: Record<string, string> = {}): HostileServer {
  const logLines: string[] = [];
  let storage: TestStorage | undefined;
  let server: RunningInlet | undefined;

  beforeAll(async () => {
    storage = await createTestStorage(engine, env);
    const log = createLogger('trace', { write: (line: string) => logLines.push(line) });
    server = await startInlet(storage.config, { log });
  });
  afterAll(async () => {
    await server?.stop();
    await storage?.cleanup();
  });

  const send: HostileServer['send'] = async (method, path, text, headers = {}) => {
    const response = await fetch(running().url + path, {
      method,
      headers: {
        authorization: `Bearer ${running().inlet.apiKey}`,
        'content-type': 'application/json',
        ...headers,
      },
      body: text,
    });
    return parseResponse(response);
  };

  function running(): RunningInlet {
    if (server === undefined) throw new Error('the suite server is not started yet');
    return server;
  }

  return {
    get server() {
      return running();
    },
    get url() {
      return running().url;
    },
    logLines,
    send,
    async api(method, path, body) {
      if (body !== undefined) return send(method, path, JSON.stringify(body));
      const response = await fetch(running().url + path, {
        method,
        headers: { authorization: `Bearer ${running().inlet.apiKey}` },
      });
      return parseResponse(response);
    },
  };
}

async function parseResponse(response: Response): Promise<ApiResponse> {
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

/** Checks an error response: exact status, stable code and a message. */
export function expectError(answer: ApiResponse, status: number, code: string): void {
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  expect(answer.body.code).toBe(code);
  expect(typeof answer.body.message).toBe('string');
}

/** Checks that the server still passes its health check. */
export async function expectHealthy(url: string): Promise<void> {
  const response = await fetch(`${url}/healthz`);
  expect(response.status).toBe(200);
}

/** Builds JSON text of `depth` nested objects; JSON.stringify overflows on deep values. */
export function nestedObjectJson(depth: number): string {
  return '{"a":'.repeat(depth) + '{}' + '}'.repeat(depth);
}

/** Builds JSON text of `depth` nested arrays `[[…]]`. */
export function nestedArrayJson(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

/** Returns the log lines at error level (pino level 50) or above. */
export function errorLines(lines: readonly string[]): string[] {
  return lines.filter((line) => (JSON.parse(line) as { level: number }).level >= 50);
}

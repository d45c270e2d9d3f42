import { afterEach } from 'vitest';
import { startInlet, type RunningInlet } from '../../src/start.js';
import { createTestStorage, type Engine, type TestStorage } from './engines.js';

export interface TestInlet extends RunningInlet {
  storage: TestStorage;
  /** Calls the management API with the admin key; returns status and parsed JSON body. */
  api<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** Creates a WorkOS source with a secret in `environment`; returns its webhook URL on this server. */
  createWorkosSource(
    key: string,
    secret: string,
    environment?: string,
    options?: Record<string, unknown>,
  ): Promise<string>;
  /** Stops the server and deletes its storage. */
  dispose(): Promise<void>;
}

const running = new Set<TestInlet>();

afterEach(async () => {
  await Promise.all([...running].map((inlet) => inlet.dispose()));
});

/** Starts a real Inlet server on a loopback port with its own database; disposed after each test. */
export async function startTestInlet(
  engine: Engine,
  env: Record<string, string> = {},
): Promise<TestInlet> {
  const storage = await createTestStorage(engine, env);
  const server = await startInlet(storage.config);
  return wrap(server, storage);
}

/** Starts another server process-in-process on the same storage, as after a restart. */
export async function restartTestInlet(previous: TestInlet): Promise<TestInlet> {
  await previous.stop();
  running.delete(previous);
  const server = await startInlet(previous.storage.config);
  return wrap(server, previous.storage);
}

function wrap(server: RunningInlet, storage: TestStorage): TestInlet {
  const api: TestInlet['api'] = async (method, path, body) => {
    const response = await fetch(server.url + path, {
      method,
      headers: {
        authorization: `Bearer ${server.inlet.apiKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };

  let disposed = false;
  const inlet: TestInlet = {
    ...server,
    storage,
    api,
    async createWorkosSource(key, secret, environment = 'development', options = {}) {
      const created = await api('PUT', `/v1/sources/${key}`, {
        name: key,
        provider: 'workos',
        ...options,
      });
      if (created.status >= 300)
        throw new Error(`creating source failed: ${JSON.stringify(created.body)}`);
      const updated = await api('PUT', `/v1/sources/${key}/environments/${environment}`, {
        signing_secret: secret,
      });
      if (updated.status >= 300)
        throw new Error(`setting secret failed: ${JSON.stringify(updated.body)}`);
      const webhookUrl: string = updated.body.webhook_url;
      return server.url + new URL(webhookUrl).pathname;
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      running.delete(inlet);
      await server.stop();
      await storage.cleanup();
    },
  };
  running.add(inlet);
  return inlet;
}

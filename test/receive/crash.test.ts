import { afterEach, beforeAll, expect, it } from 'vitest';
import { createTestStorage, describeEachEngine, type TestStorage } from '../support/engines.js';
import { ensureBuilt, startServerProcess, type ServerProcess } from '../cli/processes.js';
import { buildDelivery, fixtureWithId, postDelivery, type Delivery } from './deliveries.js';

const API_KEY = 'inlet_crash_test_key_5f2b9c0d7e1a4b3c';
const SECRET = 'whsec_crash_Rw3Sx5Ty7Uz9Va1Wb3Xc5Y';
const BURST = 300;
const CONCURRENCY = 16;
const KILL_AFTER_ACKS = 100;

const processes: ServerProcess[] = [];
const storages: TestStorage[] = [];

beforeAll(async () => {
  await ensureBuilt();
}, 120_000);

afterEach(async () => {
  for (const server of processes.splice(0)) await server.kill();
  for (const storage of storages.splice(0)) await storage.cleanup();
});

async function api(
  server: ServerProcess,
  method: string,
  path: string,
  body?: unknown,
): Promise<any> {
  const response = await fetch(server.url + path, {
    method,
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok)
    throw new Error(`${method} ${path} failed: ${response.status} ${await response.text()}`);
  return response.json();
}

async function listProviderEventIds(server: ServerProcess): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor === null ? 'limit=200' : `limit=200&after=${cursor}`;
    const page = await api(
      server,
      'GET',
      `/v1/sources/directory/environments/development/events?${query}`,
    );
    ids.push(...page.data.map((event: { provider_event_id: string }) => event.provider_event_id));
    cursor = page.next_cursor;
  } while (cursor !== null);
  return ids;
}

/** Runs `task` over `items` with at most `concurrency` at a time. */
async function runPool<T>(
  items: T[],
  concurrency: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: concurrency }, async () => {
    while (next < items.length) {
      const item = items[next]!;
      next += 1;
      await task(item);
    }
  });
  await Promise.all(lanes);
}

describeEachEngine('crash durability', (engine) => {
  it('keeps every acknowledged event after kill -9', { timeout: 120_000 }, async () => {
    const storage = await createTestStorage(engine);
    storages.push(storage);
    const env = {
      PORT: '0',
      HOST: '127.0.0.1',
      INLET_DATA_DIR: storage.config.dataDir,
      DATABASE_URL: storage.config.databaseUrl,
      INLET_API_KEY: API_KEY,
      INLET_LOG_LEVEL: 'error',
    };
    const first = await startServerProcess(env);
    processes.push(first);
    await api(first, 'PUT', '/v1/sources/directory', { name: 'Directory', provider: 'workos' });
    const environment = await api(first, 'PUT', '/v1/sources/directory/environments/development', {
      signing_secret: SECRET,
    });
    const path = new URL(environment.webhook_url).pathname;
    const deliveries: { id: string; delivery: Delivery }[] = [];
    for (let index = 0; index < BURST; index += 1) {
      const id = `event_crash_${index}`;
      deliveries.push({
        id,
        delivery: await buildDelivery({
          secret: SECRET,
          body: fixtureWithId('dsync.user.created', id),
        }),
      });
    }

    const acknowledged: string[] = [];
    let failed = 0;
    let killing: Promise<void> | undefined;
    await runPool(deliveries, CONCURRENCY, async ({ id, delivery }) => {
      try {
        const answer = await postDelivery(first.url + path, delivery);
        if (answer.status >= 200 && answer.status < 300) acknowledged.push(id);
      } catch {
        // Connection refused or reset: the server is gone, so this delivery was not acknowledged.
        failed += 1;
      }
      if (acknowledged.length >= KILL_AFTER_ACKS && killing === undefined) killing = first.kill();
    });
    await killing;

    expect(acknowledged.length).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
    expect(acknowledged.length).toBeLessThan(BURST);
    expect(failed).toBeGreaterThan(0);

    const second = await startServerProcess({ ...env });
    processes.push(second);
    const recorded = await listProviderEventIds(second);
    const recordedSet = new Set(recorded);

    expect(acknowledged.filter((id) => !recordedSet.has(id))).toEqual([]);
    expect(recorded.length).toBe(recordedSet.size);

    // WorkOS retries what was not acknowledged; afterwards every event exists exactly once.
    for (const { id, delivery } of deliveries) {
      const answer = await postDelivery(second.url + path, delivery);
      expect(answer.status, id).toBe(200);
      if (acknowledged.includes(id)) expect(answer.body.duplicate, id).toBe(true);
    }
    const afterRetries = await listProviderEventIds(second);
    expect(afterRetries.length).toBe(BURST);
    expect(new Set(afterRetries).size).toBe(BURST);
  });
});

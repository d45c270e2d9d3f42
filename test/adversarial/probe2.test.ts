import { it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { startInlet } from '../../src/start.js';
import { createTestStorage } from '../support/engines.js';

const M = '/v1/sources/directory/environments/development';

it('probe2', async () => {
  const storage = await createTestStorage('sqlite', { INLET_WORKER_CONCURRENCY: '0' });
  const lines: string[] = [];
  const log = createLogger('trace', { write: (line: string) => lines.push(line) });
  const server = await startInlet(storage.config, { log });
  const call = async (label: string, method: string, path: string, text?: string) => {
    const response = await fetch(server.url + path, { method, headers: { authorization: `Bearer ${server.inlet.apiKey}`, ...(text === undefined ? {} : { 'content-type': 'application/json' }) }, body: text });
    console.log(label, response.status, (await response.text()).slice(0, 300));
  };
  await call('source', 'PUT', '/v1/sources/directory', JSON.stringify({ name: 'd', provider: 'workos', default_mappings: false }));
  await call('lit inf', 'POST', `${M}/mappings`, '{"event_type":"x","action_type":"users_delete","parameters":{"id":{"literal":1e400}}}');
  await call('rehearse deep no mappings', 'POST', `${M}/rehearse`, '{"event_type":"x","body":' + '{"a":'.repeat(3000) + '{}' + '}'.repeat(3000) + '}');
  await call('m', 'POST', `${M}/mappings`, '{"event_type":"x","action_type":"users_identify","parameters":{"id":"body.id","properties":"body.a"}}');
  await call('rehearse deep 3000', 'POST', `${M}/rehearse`, '{"event_type":"x","body":{"id":"u1","a":' + '{"a":'.repeat(3000) + '{}' + '}'.repeat(3000) + '}}');
  await call('rehearse deep 100', 'POST', `${M}/rehearse`, '{"event_type":"x","body":{"id":"u1","a":' + '{"a":'.repeat(100) + '{}' + '}'.repeat(100) + '}}');
  await call('health', 'GET', '/healthz');
  for (const line of lines) if (line.includes('"level":50') || line.includes('"level":40')) console.log(line.slice(0, 1500));
  await server.stop();
  await storage.cleanup();
}, 120_000);

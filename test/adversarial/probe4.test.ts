import { it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { startInlet } from '../../src/start.js';
import { createTestStorage } from '../support/engines.js';
import { sdkSignatureHeader } from '../support/workos.js';

const M = '/v1/sources/directory/environments/development';
it('probe4', async () => {
  const storage = await createTestStorage('sqlite', {});
  const lines: string[] = [];
  const log = createLogger('trace', { write: (line: string) => lines.push(line) });
  const server = await startInlet(storage.config, { log });
  const call = async (label: string, method: string, path: string, text?: string) => {
    const response = await fetch(server.url + path, { method, headers: { authorization: `Bearer ${server.inlet.apiKey}`, ...(text === undefined ? {} : { 'content-type': 'application/json' }) }, body: text });
    const t = await response.text();
    console.log(label, response.status, t.slice(0, 600));
    return t ? JSON.parse(t) : undefined;
  };
  const SECRET = 'whsec_ünïcödé\nline2\u0000🔑tail';
  await call('source', 'PUT', '/v1/sources/directory', JSON.stringify({ name: 'd', provider: 'workos' }));
  const env = await call('secret unicode', 'PUT', M, JSON.stringify({ signing_secret: SECRET }));
  await call('secret 7', 'PUT', M, JSON.stringify({ signing_secret: 'short12' }));
  await call('secret 513', 'PUT', M, JSON.stringify({ signing_secret: 'x'.repeat(513) }));
  await call('secret number', 'PUT', M, JSON.stringify({ signing_secret: 123456789 }));
  await call('secret null', 'PUT', M, JSON.stringify({ signing_secret: null }));
  await call('grace neg', 'PUT', M, JSON.stringify({ signing_secret: 'abcdefghij', secret_grace_seconds: -1 }));
  await call('grace huge', 'PUT', M, JSON.stringify({ signing_secret: 'abcdefghij', secret_grace_seconds: 1e12 }));
  await call('revoke only', 'PUT', M, JSON.stringify({ revoke_previous_secrets: true }));
  await call('show', 'GET', '/v1/sources/directory');
  const url = server.url + new URL(env.webhook_url).pathname;
  await call('secret unicode again', 'PUT', M, JSON.stringify({ signing_secret: SECRET, revoke_previous_secrets: true }));
  const post = async (label: string, text: string) => {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'workos-signature': await sdkSignatureHeader(text, SECRET) }, body: text });
    console.log(label, response.status, (await response.text()).slice(0, 300));
  };
  await post('weird types', JSON.stringify({ id: 'evt_w1', event: 'dsync.user.created', data: { id: 12345, email: ['a@b.c'], name: { first: 'x' }, first_name: 'A', last_name: 'B', organization_id: 'org_1', role: { slug: 'admin' }, updated_at: 'not a time' }, created_at: '2025-03-11T09:15:27.364Z' }));
  await post('proto', '{"id":"evt_p1","event":"dsync.user.created","data":{"id":"u_p","__proto__":{"polluted":"yes"},"custom_attributes":{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}},"first_name":"A","last_name":"B","email":"a@b.c","updated_at":"2025-03-11T09:15:27.364Z"},"created_at":"2025-03-11T09:15:27.364Z"}');
  await post('deep', '{"id":"evt_d1","event":"dsync.user.created","data":{"id":"u_d","email":"d@b.c","custom_attributes":' + '{"a":'.repeat(3000) + '{}' + '}'.repeat(3000) + '},"created_at":"2025-03-11T09:15:27.364Z"}');
  await post('deep 6000', '{"id":"evt_d2","event":"dsync.user.created","data":{"id":"u_d2","email":"d@b.c","custom_attributes":' + '{"a":'.repeat(6000) + '{}' + '}'.repeat(6000) + '},"created_at":"2025-03-11T09:15:27.364Z"}');
  await new Promise((r) => setTimeout(r, 3000));
  const events = await call('events', 'GET', `${M}/events`);
  for (const e of events.data) {
    await call(`event ${e.provider_event_id}`, 'GET', `${M}/events/${e.id}`);
    const d = await (await fetch(server.url + `${M}/events/${e.id}`, { headers: { authorization: `Bearer ${server.inlet.apiKey}` } })).json() as any;
    console.log('ACTIONS', e.provider_event_id, e.status, JSON.stringify(d.actions?.map((a: any) => [a.action_type, a.status, a.error]))?.slice(0, 1500));
  }
  await call('event-types', 'GET', `${M}/event-types`);
  await call('users', 'GET', `/v1/users`);
  console.log('polluted', ({} as any).polluted, (Object.prototype as any).polluted);
  const joined = lines.join('\n');
  console.log('secret in log', joined.includes(SECRET), joined.includes('ünïcödé'), joined.includes(JSON.stringify(SECRET).slice(1,-1)));
  for (const line of lines) if (line.includes('"level":50') || line.includes('"level":40')) console.log(line.slice(0, 800));
  await server.stop();
  await storage.cleanup();
}, 120_000);

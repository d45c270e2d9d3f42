import { expect, it } from 'vitest';
import { describeEachEngine, type Engine } from '../support/engines.js';
import { startInlet } from '../../src/start.js';
import { startTestInlet, type TestInlet } from '../support/inlet.js';
import { buildDelivery, postDelivery, waitFor } from '../receive/deliveries.js';

const PUBLIC_URL = 'https://hooks.inlet.example';
const SECRET = 'whsec_sources_Kd3Le5Mf7Ng9Oh1Pi3Qj';
const WEBHOOK_URL = new RegExp(`^${PUBLIC_URL}/integrations/receive/[A-Za-z0-9_-]{24}$`);

function start(engine: Engine): Promise<TestInlet> {
  // No worker: recorded statuses stay as the receiving pipeline set them.
  return startTestInlet(engine, { INLET_PUBLIC_URL: PUBLIC_URL, INLET_WORKER_CONCURRENCY: '0' });
}

async function rawRequest(
  inlet: TestInlet,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; body: any }> {
  const response = await fetch(inlet.url + path, { method, headers, body });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

describeEachEngine('sources API', (engine) => {
  it('creates a source with one webhook URL per environment', async () => {
    const inlet = await start(engine);

    const created = await inlet.api('PUT', '/v1/sources/directory', {
      name: 'Directory',
      provider: 'workos',
    });

    expect(created.status).toBe(201);
    expect(created.body.key).toBe('directory');
    expect(created.body.name).toBe('Directory');
    expect(created.body.description).toBeNull();
    expect(created.body.provider).toBe('workos');
    expect(created.body.environments.map((env: any) => env.environment)).toEqual([
      'development',
      'production',
    ]);
    for (const env of created.body.environments) {
      expect(env.webhook_url).toMatch(WEBHOOK_URL);
      expect(env.tolerance_seconds).toBe(180);
      expect(env.disabled_event_types).toEqual([]);
      expect(env.signing_secrets).toEqual([]);
    }
    const [development, production] = created.body.environments;
    expect(development.webhook_url).not.toBe(production.webhook_url);
  });

  it('adds environments configured after the source was created', async () => {
    const first = await startTestInlet(engine, { INLET_ENVIRONMENTS: 'development' });
    await first.api('PUT', '/v1/sources/directory', { name: 'Directory', provider: 'workos' });
    await first.stop();
    const second = await startInlet({
      ...first.storage.config,
      environments: ['development', 'staging'],
    });

    try {
      const updated = await fetch(`${second.url}/v1/sources/directory`, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${second.inlet.apiKey}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ name: 'Directory', provider: 'workos' }),
      });
      const body = (await updated.json()) as any;
      expect(updated.status).toBe(200);
      expect(body.environments.map((env: any) => env.environment)).toEqual([
        'development',
        'staging',
      ]);
    } finally {
      await second.stop();
    }
  });

  it('updates name and description and keeps the webhook URLs', async () => {
    const inlet = await start(engine);
    const created = await inlet.api('PUT', '/v1/sources/directory', {
      name: 'Directory',
      provider: 'workos',
    });

    const updated = await inlet.api('PUT', '/v1/sources/directory', {
      name: 'Directory sync',
      description: 'Okta SCIM for Larkspur',
      provider: 'workos',
    });

    expect(updated.status).toBe(200);
    expect(updated.body.name).toBe('Directory sync');
    expect(updated.body.description).toBe('Okta SCIM for Larkspur');
    expect(updated.body.created_at).toBe(created.body.created_at);
    expect(updated.body.updated_at >= created.body.updated_at).toBe(true);
    expect(updated.body.environments.map((env: any) => env.webhook_url)).toEqual(
      created.body.environments.map((env: any) => env.webhook_url),
    );
  });

  it('lists and shows sources', async () => {
    const inlet = await start(engine);
    await inlet.api('PUT', '/v1/sources/zeta', { name: 'Zeta', provider: 'workos' });
    await inlet.api('PUT', '/v1/sources/alpha', { name: 'Alpha', provider: 'workos' });

    const list = await inlet.api('GET', '/v1/sources');
    const shown = await inlet.api('GET', '/v1/sources/alpha');

    expect(list.status).toBe(200);
    expect(list.body.data.map((source: any) => source.key)).toEqual(['alpha', 'zeta']);
    expect(shown.status).toBe(200);
    expect(shown.body).toEqual(list.body.data[0]);
  });

  it.each([
    ['an upper-case key', '/v1/sources/Directory', { name: 'D', provider: 'workos' }],
    ['a key with a space', '/v1/sources/my%20source', { name: 'D', provider: 'workos' }],
    ['a key starting with a dash', '/v1/sources/-directory', { name: 'D', provider: 'workos' }],
    ['a key of 65 characters', `/v1/sources/${'d'.repeat(65)}`, { name: 'D', provider: 'workos' }],
    ['a missing name', '/v1/sources/directory', { provider: 'workos' }],
    ['an empty name', '/v1/sources/directory', { name: '', provider: 'workos' }],
    ['an unknown provider', '/v1/sources/directory', { name: 'D', provider: 'stripe' }],
    ['an extra field', '/v1/sources/directory', { name: 'D', provider: 'workos', secret: 'x' }],
  ])('rejects %s with validation_failed', async (_name, path, body) => {
    const inlet = await start(engine);

    const answer = await inlet.api('PUT', path, body);

    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('validation_failed');
    expect((await inlet.api('GET', '/v1/sources')).body.data).toEqual([]);
  });

  it('names the key and the rule when a key is invalid', async () => {
    const inlet = await start(engine);

    const answer = await inlet.api('PUT', '/v1/sources/Directory', {
      name: 'D',
      provider: 'workos',
    });

    expect(answer.body.message).toContain('"Directory"');
    expect(answer.body.message).toContain('lower-case');
  });

  it('rejects a body that is not JSON', async () => {
    const inlet = await start(engine);

    const answer = await rawRequest(
      inlet,
      'PUT',
      '/v1/sources/directory',
      { authorization: `Bearer ${inlet.inlet.apiKey}`, 'content-type': 'application/json' },
      '{"name": ',
    );

    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('invalid_json');
  });

  it('lists provider event types and rejects unknown providers', async () => {
    const inlet = await start(engine);

    const workos = await inlet.api('GET', '/v1/providers/workos/event-types');
    const stripe = await inlet.api('GET', '/v1/providers/stripe/event-types');

    expect(workos.status).toBe(200);
    expect(workos.body.data.map((info: any) => info.type)).toContain('dsync.user.created');
    expect(stripe.status).toBe(400);
    expect(stripe.body.code).toBe('unsupported_provider');
    expect(stripe.body.message).toContain('"stripe"');
  });

  it('answers 404 for unknown sources and environments', async () => {
    const inlet = await start(engine);
    await inlet.api('PUT', '/v1/sources/directory', { name: 'Directory', provider: 'workos' });

    const unknownSource = await inlet.api('GET', '/v1/sources/missing');
    const unknownSourceEnvironment = await inlet.api(
      'PUT',
      '/v1/sources/missing/environments/development',
      { tolerance_seconds: 60 },
    );
    const unknownEnvironment = await inlet.api(
      'PUT',
      '/v1/sources/directory/environments/staging',
      { tolerance_seconds: 60 },
    );

    expect(unknownSource.status).toBe(404);
    expect(unknownSource.body.code).toBe('not_found');
    expect(unknownSourceEnvironment.status).toBe(404);
    expect(unknownSourceEnvironment.body.code).toBe('not_found');
    expect(unknownEnvironment.status).toBe(404);
    expect(unknownEnvironment.body.code).toBe('unknown_environment');
    expect(unknownEnvironment.body.message).toContain('development, production');
  });

  it.each([
    ['a short secret', { signing_secret: 'short' }],
    ['a tolerance of 0', { tolerance_seconds: 0 }],
    ['a negative grace period', { signing_secret: SECRET, secret_grace_seconds: -1 }],
    ['an extra field', { secret: SECRET }],
    [
      'event types that are not strings',
      { disabled_event_types: [{ type: 'dsync.user.created' }] },
    ],
  ])('rejects environment settings with %s', async (_name, body) => {
    const inlet = await start(engine);
    await inlet.api('PUT', '/v1/sources/directory', { name: 'Directory', provider: 'workos' });

    const answer = await inlet.api('PUT', '/v1/sources/directory/environments/development', body);

    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('validation_failed');
    const shown = await inlet.api('GET', '/v1/sources/directory');
    expect(shown.body.environments[0].signing_secrets).toEqual([]);
  });

  it('applies a wider tolerance to deliveries', async () => {
    const inlet = await start(engine);
    const url = await inlet.createWorkosSource('directory', SECRET);
    const stale = await buildDelivery({ secret: SECRET, timestampMs: Date.now() - 4 * 60_000 });
    expect((await postDelivery(url, stale)).status).toBe(401);

    const updated = await inlet.api('PUT', '/v1/sources/directory/environments/development', {
      tolerance_seconds: 600,
    });

    expect(updated.body.tolerance_seconds).toBe(600);
    expect((await postDelivery(url, stale)).status).toBe(200);
  });

  it('starts new environments with the configured tolerance', async () => {
    const inlet = await startTestInlet(engine, { INLET_SIGNATURE_TOLERANCE_SECONDS: '600' });

    const created = await inlet.api('PUT', '/v1/sources/directory', {
      name: 'Directory',
      provider: 'workos',
    });

    expect(created.body.environments[0].tolerance_seconds).toBe(600);
  });

  it.each([
    ['no Authorization header', {}],
    ['a wrong key', { authorization: 'Bearer inlet_wrong_key_0123456789abcdef' }],
    ['an empty bearer token', { authorization: 'Bearer ' }],
    ['basic authentication', { authorization: 'Basic YWRtaW46YWRtaW4=' }],
  ])('rejects %s with unauthorized', async (_name, headers) => {
    const inlet = await start(engine);
    const paths = [
      ['GET', '/v1/sources'],
      ['PUT', '/v1/sources/directory'],
      ['GET', '/v1/sources/directory'],
      ['DELETE', '/v1/sources/directory'],
      ['PUT', '/v1/sources/directory/environments/development'],
      ['GET', '/v1/sources/directory/environments/development/events'],
      ['GET', '/v1/sources/directory/environments/development/rejections'],
      ['POST', '/v1/sources/directory/environments/development/test-events'],
    ];

    for (const [method, path] of paths) {
      const body =
        method === 'GET' || method === 'DELETE'
          ? undefined
          : JSON.stringify({ name: 'D', provider: 'workos' });
      const answer = await rawRequest(
        inlet,
        method!,
        path!,
        { 'content-type': 'application/json', ...headers },
        body,
      );
      expect(answer.status, `${method} ${path}`).toBe(401);
      expect(answer.body.code, `${method} ${path}`).toBe('unauthorized');
    }
    expect((await inlet.api('GET', '/v1/sources')).body.data).toEqual([]);
  });

  it('deletes a source with its events', async () => {
    const inlet = await start(engine);
    const url = await inlet.createWorkosSource('directory', SECRET);
    const otherUrl = await inlet.createWorkosSource('authkit', SECRET);
    await postDelivery(url, await buildDelivery({ secret: SECRET }));
    await postDelivery(url, await buildDelivery({ secret: 'whsec_forged_0123456789abcdef' }));
    const kept = await postDelivery(otherUrl, await buildDelivery({ secret: SECRET }));
    await waitFor('the rejection record', async () => {
      const page = await inlet.api(
        'GET',
        '/v1/sources/directory/environments/development/rejections',
      );
      return page.body.data.length > 0 ? true : undefined;
    });

    const deleted = await inlet.api('DELETE', '/v1/sources/directory');

    expect(deleted.status).toBe(204);
    expect((await inlet.api('GET', '/v1/sources/directory')).status).toBe(404);
    expect(
      (await inlet.api('GET', '/v1/sources')).body.data.map((source: any) => source.key),
    ).toEqual(['authkit']);
    const db = inlet.inlet.database.db;
    expect(await db.selectFrom('events').select('id').execute()).toEqual([{ id: kept.body.id }]);
    expect(await db.selectFrom('delivery_rejections').select('id').execute()).toEqual([]);
    expect(
      (await db.selectFrom('event_types').selectAll().execute()).map((row) => row.event_type),
    ).toEqual(['dsync.user.created']);
    expect(await db.selectFrom('signing_secrets').select('id').execute()).toHaveLength(1);
    expect(await db.selectFrom('source_environments').select('id').execute()).toHaveLength(2);
    const afterDelete = await postDelivery(url, await buildDelivery({ secret: SECRET }));
    expect(afterDelete.status).toBe(404);
  });

  it('answers 404 when deleting an unknown source', async () => {
    const inlet = await start(engine);

    const answer = await inlet.api('DELETE', '/v1/sources/missing');

    expect(answer.status).toBe(404);
    expect(answer.body.code).toBe('not_found');
  });

  it('can create a source again after deleting it', async () => {
    const inlet = await start(engine);
    const first = await inlet.api('PUT', '/v1/sources/directory', {
      name: 'Directory',
      provider: 'workos',
    });
    await inlet.api('DELETE', '/v1/sources/directory');

    const second = await inlet.api('PUT', '/v1/sources/directory', {
      name: 'Directory',
      provider: 'workos',
    });

    expect(second.status).toBe(201);
    expect(second.body.environments[0].webhook_url).not.toBe(
      first.body.environments[0].webhook_url,
    );
  });

  it('sends a server-signed test event', async () => {
    const inlet = await start(engine);
    await inlet.createWorkosSource('directory', SECRET);

    const answer = await inlet.api(
      'POST',
      '/v1/sources/directory/environments/development/test-events',
      {
        event_type: 'dsync.user.created',
      },
    );

    expect(answer.status).toBe(200);
    expect(answer.body.status).toBe('received');
    const event = await inlet.api(
      'GET',
      `/v1/sources/directory/environments/development/events/${answer.body.id}`,
    );
    expect(event.body.verification).toBe('verified');
    expect(event.body.event_type).toBe('dsync.user.created');
    expect(event.body.headers['user-agent']).toBe('inlet-test-event');
  });

  it('sends a test event with a given body', async () => {
    const inlet = await start(engine);
    await inlet.createWorkosSource('directory', SECRET);
    const body = { id: 'event_custom_test_1', event: 'user.created', data: { id: 'user_1' } };

    const answer = await inlet.api(
      'POST',
      '/v1/sources/directory/environments/development/test-events',
      {
        event_type: 'user.created',
        body,
      },
    );

    const event = await inlet.api(
      'GET',
      `/v1/sources/directory/environments/development/events/${answer.body.id}`,
    );
    expect(event.body.provider_event_id).toBe('event_custom_test_1');
    expect(event.body.body).toEqual(body);
  });

  it('refuses a test event without a signing secret', async () => {
    const inlet = await start(engine);
    await inlet.api('PUT', '/v1/sources/directory', { name: 'Directory', provider: 'workos' });

    const answer = await inlet.api(
      'POST',
      '/v1/sources/directory/environments/development/test-events',
      {
        event_type: 'dsync.user.created',
      },
    );

    expect(answer.status).toBe(401);
    expect(answer.body.code).toBe('no_signing_secret');
    expect(answer.body.message).toContain('inlet sources secret set directory --env development');
  });

  it('publishes the API in OpenAPI without a key', async () => {
    const inlet = await start(engine);

    const response = await fetch(`${inlet.url}/openapi.json`);

    expect(response.status).toBe(200);
    const document = (await response.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toMatch(/^3\./);
    const paths = Object.keys(document.paths);
    for (const path of [
      '/integrations/receive/{ingestId}',
      '/v1/sources',
      '/v1/sources/{key}',
      '/v1/sources/{key}/environments/{environment}',
      '/v1/sources/{key}/environments/{environment}/test-events',
      '/v1/sources/{key}/environments/{environment}/events',
      '/v1/sources/{key}/environments/{environment}/events/{id}',
      '/v1/sources/{key}/environments/{environment}/event-types',
      '/v1/sources/{key}/environments/{environment}/rejections',
      '/v1/providers/{provider}/event-types',
    ]) {
      expect(paths, path).toContain(path);
    }
    expect(paths).not.toContain('/healthz');
  });
});

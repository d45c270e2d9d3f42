import { describe, expect, it } from 'vitest';
import { describeEachEngine } from '../support/engines.js';
import { startTestInlet, type TestInlet } from '../support/inlet.js';

/** Calls the API with extra headers, which `inlet.api` does not send. */
async function callWithHeaders(
  inlet: TestInlet,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<{ status: number; body: any }> {
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

describeEachEngine('data API', (engine) => {
  describe('users', () => {
    it('identifies, merges and reads', async () => {
      const inlet = await startTestInlet(engine);

      const created = await inlet.api('PUT', '/v1/users/u1', {
        name: 'Ada',
        email: 'ada@example.com',
        properties: { plan: 'pro', team: 'core' },
      });
      const merged = await inlet.api('PUT', '/v1/users/u1', {
        properties: { team: null, seats: 3 },
      });
      const read = await inlet.api('GET', '/v1/users/u1');

      expect(created.status).toBe(201);
      expect(merged.status).toBe(200);
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({
        environment: 'development',
        id: 'u1',
        name: 'Ada',
        email: 'ada@example.com',
        properties: { plan: 'pro', seats: 3 },
      });
      expect(read.body).not.toHaveProperty('deleted_at');
      expect(read.body).not.toHaveProperty('preferences');
    });

    it('deletes and revives', async () => {
      const inlet = await startTestInlet(engine);
      await inlet.api('PUT', '/v1/users/u1', { name: 'Ada', properties: { old: true } });

      const deleted = await inlet.api('DELETE', '/v1/users/u1');
      const afterDelete = await inlet.api('GET', '/v1/users/u1');
      const deletedAgain = await inlet.api('DELETE', '/v1/users/u1');
      const revived = await inlet.api('PUT', '/v1/users/u1', { name: 'Ada' });

      expect(deleted.status).toBe(204);
      expect(afterDelete.status).toBe(404);
      expect(afterDelete.body.code).toBe('not_found');
      expect(deletedAgain.status).toBe(404);
      expect(revived.status).toBe(201);
      expect(revived.body.properties).toEqual({});
    });

    it('paginates the list', async () => {
      const inlet = await startTestInlet(engine);
      for (const id of ['u1', 'u2', 'u3']) await inlet.api('PUT', `/v1/users/${id}`, {});

      const first = await inlet.api('GET', '/v1/users?limit=2');
      const second = await inlet.api('GET', `/v1/users?limit=2&after=${first.body.next_cursor}`);

      expect(first.body.data.map((user: { id: string }) => user.id)).toEqual(['u1', 'u2']);
      expect(second.body.data.map((user: { id: string }) => user.id)).toEqual(['u3']);
      expect(second.body.next_cursor).toBeNull();
    });

    it('rejects invalid fields by name', async () => {
      const inlet = await startTestInlet(engine);

      const badEmail = await inlet.api('PUT', '/v1/users/u1', { email: 'nope' });
      const unknownField = await inlet.api('PUT', '/v1/users/u1', { nickname: 'A' });
      const badProperties = await inlet.api('PUT', '/v1/users/u1', { properties: [1] });
      const controlInId = await inlet.api('PUT', '/v1/users/a%0Ab', {});
      const badCursor = await inlet.api('GET', '/v1/users?after=zzz');

      expect(badEmail.status).toBe(400);
      expect(badEmail.body.code).toBe('validation_failed');
      expect(badEmail.body.message).toContain('email');
      expect(unknownField.status).toBe(400);
      expect(unknownField.body.message).toContain('additional properties');
      expect(badProperties.status).toBe(400);
      expect(badProperties.body.message).toContain('properties');
      expect(controlInId.status).toBe(400);
      expect(controlInId.body.message).toContain('user id');
      expect(badCursor.status).toBe(400);
      expect(badCursor.body.message).toContain('cursor');
      expect((await inlet.api('GET', '/v1/users/u1')).status).toBe(404);
    });

    it('stores validated preferences', async () => {
      const inlet = await startTestInlet(engine);
      await inlet.api('PUT', '/v1/users/u1', {});

      const saved = await inlet.api('PUT', '/v1/users/u1/preferences', {
        workflows: { digest: false },
        channel_types: { email: false },
      });
      const read = await inlet.api('GET', '/v1/users/u1/preferences');
      const invalid = await inlet.api('PUT', '/v1/users/u1/preferences', {
        channel_types: { sms: true },
      });
      const missingUser = await inlet.api('PUT', '/v1/users/nobody/preferences', {});

      expect(saved.status).toBe(200);
      expect(read.body).toEqual({
        workflows: { digest: false },
        categories: {},
        channel_types: { email: false },
      });
      expect(invalid.status).toBe(400);
      expect(invalid.body.message).toContain('channel_types');
      expect(missingUser.status).toBe(404);
    });

    it('requires the API key', async () => {
      const inlet = await startTestInlet(engine);

      const response = await fetch(`${inlet.url}/v1/users`);

      expect(response.status).toBe(401);
    });
  });

  describe('environments', () => {
    it('keep the same id apart', async () => {
      const inlet = await startTestInlet(engine);

      await inlet.api('PUT', '/v1/users/u1', { name: 'Dev' });
      await callWithHeaders(
        inlet,
        'PUT',
        '/v1/users/u1',
        { 'Inlet-Environment': 'production' },
        { name: 'Prod' },
      );
      const dev = await inlet.api('GET', '/v1/users/u1?environment=development');
      const prodByQuery = await inlet.api('GET', '/v1/users/u1?environment=production');
      const prodByHeader = await callWithHeaders(inlet, 'GET', '/v1/users/u1', {
        'Inlet-Environment': 'production',
      });

      expect(dev.body.name).toBe('Dev');
      expect(prodByQuery.body.name).toBe('Prod');
      expect(prodByQuery.body.environment).toBe('production');
      expect(prodByHeader.body.name).toBe('Prod');
    });

    it('rejects an unknown environment', async () => {
      const inlet = await startTestInlet(engine);

      const byQuery = await inlet.api('GET', '/v1/users?environment=staging');
      const byHeader = await callWithHeaders(
        inlet,
        'PUT',
        '/v1/tenants/acme',
        { 'Inlet-Environment': 'qa' },
        {},
      );

      expect(byQuery.status).toBe(404);
      expect(byQuery.body.code).toBe('unknown_environment');
      expect(byQuery.body.message).toContain('staging');
      expect(byHeader.status).toBe(404);
      expect(byHeader.body.code).toBe('unknown_environment');
    });

    it('rejects a header and query that differ', async () => {
      const inlet = await startTestInlet(engine);

      const response = await callWithHeaders(inlet, 'GET', '/v1/users?environment=production', {
        'Inlet-Environment': 'development',
      });

      expect(response.status).toBe(400);
      expect(response.body.message).toContain('differ');
    });

    it('follow the configured list', async () => {
      const inlet = await startTestInlet(engine, { INLET_ENVIRONMENTS: 'staging,live' });

      const created = await inlet.api('PUT', '/v1/users/u1', { name: 'Default' });
      const development = await inlet.api('GET', '/v1/users/u1?environment=development');

      expect(created.body.environment).toBe('staging');
      expect(development.body.code).toBe('unknown_environment');
    });
  });

  describe('objects', () => {
    it('sets, lists and deletes', async () => {
      const inlet = await startTestInlet(engine);

      const created = await inlet.api('PUT', '/v1/objects/projects/p1', {
        name: 'Apollo',
        properties: { a: 1 },
      });
      const merged = await inlet.api('PUT', '/v1/objects/projects/p1', { properties: { b: 2 } });
      await inlet.api('PUT', '/v1/objects/projects/p2', {});
      const list = await inlet.api('GET', '/v1/objects/projects');
      const deleted = await inlet.api('DELETE', '/v1/objects/projects/p2');
      const gone = await inlet.api('GET', '/v1/objects/projects/p2');

      expect(created.status).toBe(201);
      expect(merged.body).toMatchObject({
        collection: 'projects',
        id: 'p1',
        name: 'Apollo',
        properties: { a: 1, b: 2 },
      });
      expect(list.body.data.map((object: { id: string }) => object.id)).toEqual(['p1', 'p2']);
      expect(deleted.status).toBe(204);
      expect(gone.status).toBe(404);
    });

    it('manages subscriptions', async () => {
      const inlet = await startTestInlet(engine);

      const subscribed = await inlet.api('POST', '/v1/objects/projects/p1/subscriptions', {
        recipients: ['u1', 'u2'],
        properties: { role: 'owner' },
      });
      const object = await inlet.api('GET', '/v1/objects/projects/p1');
      const unsubscribed = await inlet.api('DELETE', '/v1/objects/projects/p1/subscriptions', {
        recipients: ['u1'],
      });
      const list = await inlet.api('GET', '/v1/objects/projects/p1/subscriptions');
      const ofUser = await inlet.api('GET', '/v1/users/u2/subscriptions');

      expect(subscribed.body).toEqual({ subscribed: 2 });
      expect(object.status).toBe(200);
      expect(unsubscribed.body).toEqual({ unsubscribed: 1 });
      expect(list.body.data).toEqual([
        expect.objectContaining({ recipient_id: 'u2', properties: { role: 'owner' } }),
      ]);
      expect(ofUser.body.data).toEqual([
        expect.objectContaining({ collection: 'projects', object_id: 'p1' }),
      ]);
    });

    it('validates subscription bodies', async () => {
      const inlet = await startTestInlet(engine);
      const recipients = Array.from({ length: 101 }, (_, index) => `u${index}`);

      const tooMany = await inlet.api('POST', '/v1/objects/projects/p1/subscriptions', {
        recipients,
      });
      const missing = await inlet.api('POST', '/v1/objects/projects/p1/subscriptions', {});
      const unknownObject = await inlet.api('GET', '/v1/objects/projects/nope/subscriptions');

      expect(tooMany.status).toBe(400);
      expect(tooMany.body.message).toContain('recipients');
      expect(missing.status).toBe(400);
      expect(missing.body.message).toContain('recipients');
      expect(unknownObject.status).toBe(404);
    });
  });

  describe('tenants and audiences', () => {
    it('sets, lists and deletes tenants', async () => {
      const inlet = await startTestInlet(engine);

      const created = await inlet.api('PUT', '/v1/tenants/acme', {
        name: 'Acme',
        settings: { color: 'red' },
      });
      const merged = await inlet.api('PUT', '/v1/tenants/acme', { settings: { logo: 'acme.png' } });
      const list = await inlet.api('GET', '/v1/tenants');
      const deleted = await inlet.api('DELETE', '/v1/tenants/acme');
      const gone = await inlet.api('GET', '/v1/tenants/acme');

      expect(created.status).toBe(201);
      expect(merged.body.settings).toEqual({ color: 'red', logo: 'acme.png' });
      expect(list.body.data.map((tenant: { id: string }) => tenant.id)).toEqual(['acme']);
      expect(deleted.status).toBe(204);
      expect(gone.status).toBe(404);
    });

    it('adds, lists and removes audience members', async () => {
      const inlet = await startTestInlet(engine);

      const unknown = await inlet.api('GET', '/v1/audiences/beta/members');
      const added = await inlet.api('POST', '/v1/audiences/beta/members', {
        members: [{ user_id: 'u1' }, { user_id: 'u2', tenant_id: 'acme' }],
      });
      const removed = await inlet.api('DELETE', '/v1/audiences/beta/members', {
        members: [{ user_id: 'u1' }],
      });
      const list = await inlet.api('GET', '/v1/audiences/beta/members');
      const invalid = await inlet.api('POST', '/v1/audiences/beta/members', {
        members: [{ tenant_id: 'x' }],
      });

      expect(unknown.status).toBe(404);
      expect(added.body).toEqual({ added: 2 });
      expect(removed.body).toEqual({ removed: 1 });
      expect(list.body.data).toEqual([
        expect.objectContaining({ user_id: 'u2', tenant_id: 'acme' }),
      ]);
      expect(invalid.status).toBe(400);
      expect(invalid.body.message).toContain('user_id');
    });
  });

  it('documents the routes in OpenAPI', async () => {
    const inlet = await startTestInlet(engine);

    const response = await fetch(`${inlet.url}/openapi.json`);
    const document = (await response.json()) as {
      paths: Record<string, Record<string, { tags?: string[]; summary?: string }>>;
    };

    const userPut = document.paths['/v1/users/{id}']?.put;
    const members = document.paths['/v1/audiences/{key}/members']?.post;
    expect(userPut?.tags).toEqual(['users']);
    expect(userPut?.summary).toContain('Identify');
    expect(members?.tags).toEqual(['audiences']);
    expect(document.paths['/v1/objects/{collection}/{id}/subscriptions']?.delete).toBeDefined();
  });
});

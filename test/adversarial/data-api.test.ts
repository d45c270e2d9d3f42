import { describe, expect, it } from 'vitest';
import { describeEachEngine } from '../support/engines.js';
import {
  errorLines,
  expectError,
  expectHealthy,
  nestedObjectJson,
  useHostileServer,
} from './hostile-server.js';

const ACCEPTED_IDS: { name: string; encoded: string; id: string }[] = [
  { name: 'slash', encoded: 'team%2Fadmins', id: 'team/admins' },
  { name: 'dots', encoded: 'a.b..c', id: 'a.b..c' },
  {
    name: 'emoji and bidi controls',
    encoded: encodeURIComponent('😀\u202ename'),
    id: '😀\u202ename',
  },
  { name: 'spaces and quotes', encoded: encodeURIComponent(`o'neil "x"`), id: `o'neil "x"` },
  { name: '255 characters', encoded: 'u'.repeat(255), id: 'u'.repeat(255) },
];

const REJECTED_IDS: { name: string; encoded: string; status: number; code: string }[] = [
  { name: '256 characters', encoded: 'u'.repeat(256), status: 400, code: 'validation_failed' },
  {
    name: '128 emoji (256 UTF-16 units)',
    encoded: encodeURIComponent('😀'.repeat(128)),
    status: 400,
    code: 'validation_failed',
  },
  { name: '2000 characters', encoded: 'u'.repeat(2000), status: 404, code: 'not_found' },
  { name: 'NUL', encoded: 'a%00b', status: 400, code: 'validation_failed' },
  { name: 'newline', encoded: 'a%0Ab', status: 400, code: 'validation_failed' },
  { name: 'DEL', encoded: 'a%7Fb', status: 400, code: 'validation_failed' },
  { name: 'C1 control', encoded: 'a%C2%85b', status: 400, code: 'validation_failed' },
  { name: 'malformed escape', encoded: 'a%ZZ', status: 400, code: 'validation_failed' },
  { name: 'lone surrogate', encoded: 'a%ED%A0%80', status: 400, code: 'validation_failed' },
];

const BAD_PREFERENCES: { name: string; text: string }[] = [
  { name: 'workflows as an array', text: '{"workflows":[]}' },
  { name: 'null toggle', text: '{"workflows":{"digest":null}}' },
  { name: 'string toggle', text: '{"categories":{"billing":"false"}}' },
  { name: 'numeric toggle', text: '{"channel_types":{"email":0}}' },
  { name: 'unknown channel type', text: '{"channel_types":{"sms":false}}' },
  { name: 'empty workflow key', text: '{"workflows":{"":false}}' },
  { name: 'unknown group', text: '{"topics":{}}' },
  { name: 'array body', text: '[]' },
];

function users(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `user_${index}`);
}

function cursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describeEachEngine('hostile recipient data input', (engine) => {
  const hostile = useHostileServer(engine);

  describe('ids', () => {
    it.each(ACCEPTED_IDS)('stores and reads an id with $name', async ({ encoded, id }) => {
      const written = await hostile.api('PUT', `/v1/users/${encoded}`, { name: 'Ada' });
      const read = await hostile.api('GET', `/v1/users/${encoded}`);

      expect(written.status).toBe(201);
      expect(read.status).toBe(200);
      expect(read.body.id).toBe(id);
    });

    it.each(REJECTED_IDS)('rejects an id with $name', async ({ encoded, status, code }) => {
      const answer = await hostile.api('PUT', `/v1/users/${encoded}`, { name: 'Ada' });

      expectError(answer, status, code);
    });

    it('rejects control characters in collections and audience keys', async () => {
      const object = await hostile.api('PUT', '/v1/objects/a%01b/o1', { name: 'x' });
      const audience = await hostile.api('POST', '/v1/audiences/a%1Bb/members', {
        members: [{ user_id: 'user_1' }],
      });

      expectError(object, 400, 'validation_failed');
      expectError(audience, 400, 'validation_failed');
    });
  });

  describe('properties', () => {
    const BAD_PROPERTIES: { name: string; text: string; code: string }[] = [
      { name: 'an array', text: '{"properties":[1]}', code: 'validation_failed' },
      { name: 'null', text: '{"properties":null}', code: 'validation_failed' },
      { name: 'a string', text: '{"properties":"x"}', code: 'validation_failed' },
      {
        name: 'over 64 KiB',
        text: JSON.stringify({ properties: { blob: 'x'.repeat(70_000) } }),
        code: 'validation_failed',
      },
      {
        name: 'nested 6000 levels',
        text: `{"properties":${nestedObjectJson(6000)}}`,
        code: 'validation_failed',
      },
      {
        name: 'nested 101 levels',
        text: `{"properties":${nestedObjectJson(100)}}`,
        code: 'validation_failed',
      },
      {
        name: 'a __proto__ key',
        text: '{"properties":{"__proto__":{"x":1}}}',
        code: 'invalid_json',
      },
      {
        name: 'constructor.prototype',
        text: '{"properties":{"constructor":{"prototype":{"x":1}}}}',
        code: 'invalid_json',
      },
    ];

    it.each(BAD_PROPERTIES)('rejects properties that are $name', async ({ text, code }) => {
      const answer = await hostile.send('PUT', '/v1/users/props_rejected', text);
      const read = await hostile.api('GET', '/v1/users/props_rejected');

      expectError(answer, 400, code);
      expectError(read, 404, 'not_found');
    });

    it('stores properties nested 100 levels', async () => {
      const answer = await hostile.send(
        'PUT',
        '/v1/users/props_deep',
        `{"properties":${nestedObjectJson(99)}}`,
      );

      expect(answer.status).toBe(201);
    });

    it('keeps stored properties when a merge exceeds 64 KiB', async () => {
      const first = await hostile.api('PUT', '/v1/users/props_merge', {
        properties: { a: 'x'.repeat(40_000) },
      });
      const second = await hostile.api('PUT', '/v1/users/props_merge', {
        properties: { b: 'y'.repeat(40_000) },
      });
      const read = await hostile.api('GET', '/v1/users/props_merge');

      expect(first.status).toBe(201);
      expectError(second, 400, 'validation_failed');
      expect(Object.keys(read.body.properties)).toEqual(['a']);
    });

    it('rejects tenant settings nested 6000 levels', async () => {
      const answer = await hostile.send(
        'PUT',
        '/v1/tenants/tenant_deep',
        `{"settings":${nestedObjectJson(6000)}}`,
      );

      expectError(answer, 400, 'validation_failed');
      expectError(await hostile.api('GET', '/v1/tenants/tenant_deep'), 404, 'not_found');
    });

    it('rejects objects for text attributes', async () => {
      const answer = await hostile.api('PUT', '/v1/users/text_attr', { name: { first: 'Ada' } });

      expectError(answer, 400, 'validation_failed');
    });
  });

  describe('preferences', () => {
    it.each(BAD_PREFERENCES)('rejects $name and keeps the stored ones', async ({ text }) => {
      await hostile.api('PUT', '/v1/users/prefs_user', { name: 'Ada' });
      const stored = { workflows: { digest: true }, categories: {}, channel_types: {} };
      expect((await hostile.api('PUT', '/v1/users/prefs_user/preferences', stored)).status).toBe(
        200,
      );

      const answer = await hostile.send('PUT', '/v1/users/prefs_user/preferences', text);
      const read = await hostile.api('GET', '/v1/users/prefs_user/preferences');

      expectError(answer, 400, 'validation_failed');
      expect(read.body).toEqual(stored);
    });

    it('answers 404 for a user that does not exist', async () => {
      const answer = await hostile.api('PUT', '/v1/users/nobody/preferences', {});

      expectError(answer, 404, 'not_found');
    });
  });

  describe('subscriptions', () => {
    const SUBSCRIPTIONS = '/v1/objects/projects/p1/subscriptions';

    it('rejects 101 recipients and writes nothing', async () => {
      const answer = await hostile.api('POST', '/v1/objects/projects/p101/subscriptions', {
        recipients: users(101),
      });
      const object = await hostile.api('GET', '/v1/objects/projects/p101');

      expectError(answer, 400, 'validation_failed');
      expectError(object, 404, 'not_found');
    });

    it('accepts 100 recipients', async () => {
      const answer = await hostile.api('POST', SUBSCRIPTIONS, { recipients: users(100) });

      expect(answer.status).toBe(200);
      expect(answer.body.subscribed).toBe(100);
    });

    it('rejects a bad recipient and keeps the others out', async () => {
      const answer = await hostile.api('POST', '/v1/objects/projects/p_ctrl/subscriptions', {
        recipients: ['user_ok', 'user\u0000bad'],
      });
      const object = await hostile.api('GET', '/v1/objects/projects/p_ctrl');

      expectError(answer, 400, 'validation_failed');
      expect(answer.body.message).toContain('recipients[1]');
      expectError(object, 404, 'not_found');
    });

    it.each([
      { name: 'no recipients', body: { recipients: [] } },
      { name: 'properties as an array', body: { recipients: ['user_1'], properties: [1] } },
      {
        name: 'properties over 64 KiB',
        body: { recipients: ['user_1'], properties: { blob: 'x'.repeat(70_000) } },
      },
      { name: 'recipients as objects', body: { recipients: [{ id: 'user_1' }] } },
    ])('rejects $name', async ({ body }) => {
      expectError(await hostile.api('POST', SUBSCRIPTIONS, body), 400, 'validation_failed');
    });

    it('rejects 1001 audience members', async () => {
      const members = users(1001).map((user_id) => ({ user_id }));

      const answer = await hostile.api('POST', '/v1/audiences/big/members', { members });

      expectError(answer, 400, 'validation_failed');
      expectError(await hostile.api('GET', '/v1/audiences/big/members'), 404, 'not_found');
    });
  });

  describe('environment', () => {
    it.each([
      {
        name: 'unknown header',
        path: '/v1/users',
        header: 'staging',
        status: 404,
        code: 'unknown_environment',
      },
      {
        name: '__proto__ query',
        path: '/v1/users?environment=__proto__',
        status: 404,
        code: 'unknown_environment',
      },
      {
        name: 'constructor query',
        path: '/v1/users?environment=constructor',
        status: 404,
        code: 'unknown_environment',
      },
      {
        name: 'toString header',
        path: '/v1/users',
        header: 'toString',
        status: 404,
        code: 'unknown_environment',
      },
      {
        name: 'empty query',
        path: '/v1/users?environment=',
        status: 404,
        code: 'unknown_environment',
      },
      {
        name: 'header of 100 characters',
        path: '/v1/users',
        header: 'e'.repeat(100),
        status: 400,
        code: 'validation_failed',
      },
      {
        name: 'repeated query',
        path: '/v1/users?environment=development&environment=production',
        status: 400,
        code: 'validation_failed',
      },
      {
        name: 'header and query that differ',
        path: '/v1/users?environment=production',
        header: 'development',
        status: 400,
        code: 'validation_failed',
      },
    ])('rejects $name', async ({ path, header, status, code }) => {
      const response = await fetch(hostile.url + path, {
        headers: {
          authorization: `Bearer ${hostile.server.inlet.apiKey}`,
          ...(header === undefined ? {} : { 'inlet-environment': header }),
        },
      });

      expectError({ status: response.status, body: await response.json() }, status, code);
    });
  });

  describe('cursors', () => {
    it.each([
      { name: 'garbage', path: '/v1/users?after=garbage' },
      { name: 'a JSON object', path: `/v1/users?after=${cursor({ id: 'a' })}` },
      { name: 'numbers', path: `/v1/users?after=${cursor([1])}` },
      { name: 'too many parts', path: `/v1/users?after=${cursor(['a', 'b'])}` },
      { name: 'NUL', path: '/v1/users?after=%00' },
      { name: 'over 200 characters', path: `/v1/users?after=${'A'.repeat(300)}` },
      { name: 'limit 0', path: '/v1/users?limit=0' },
      { name: 'limit 1000000', path: '/v1/users?limit=1000000' },
      { name: 'limit 1.5', path: '/v1/users?limit=1.5' },
      { name: 'unknown parameter', path: '/v1/users?offset=10' },
      { name: 'object list cursor', path: `/v1/objects/projects?after=${cursor(['a', 'b'])}` },
    ])('rejects $name', async ({ path }) => {
      expectError(await hostile.api('GET', path), 400, 'validation_failed');
    });

    it('rejects a garbage audience member cursor', async () => {
      await hostile.api('POST', '/v1/audiences/cursor_test/members', {
        members: [{ user_id: 'user_1' }],
      });

      const answer = await hostile.api(
        'GET',
        `/v1/audiences/cursor_test/members?after=${cursor(['a'])}`,
      );

      expectError(answer, 400, 'validation_failed');
    });
  });

  describe('afterwards', () => {
    it('logged no internal error and keeps serving', async () => {
      expect(errorLines(hostile.logLines)).toEqual([]);
      await expectHealthy(hostile.url);
    });
  });
});

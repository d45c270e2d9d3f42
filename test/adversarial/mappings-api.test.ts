import { beforeAll, describe, expect, it } from 'vitest';
import { describeEachEngine } from '../support/engines.js';
import {
  errorLines,
  expectError,
  expectHealthy,
  nestedArrayJson,
  nestedObjectJson,
  useHostileServer,
} from './hostile-server.js';

const SOURCE = '/v1/sources/directory';
const DEVELOPMENT = `${SOURCE}/environments/development`;
const PRODUCTION = `${SOURCE}/environments/production`;
const MAPPINGS = `${DEVELOPMENT}/mappings`;

interface RejectedMapping {
  name: string;
  /** JSON text sent as is, so it may hold keys and depths JSON.stringify cannot produce. */
  text: string;
  status: number;
  code: string;
  /** Text the error message must contain. */
  message?: string;
}

/** Builds a POST /mappings body for users_identify with `parameters` given as JSON text. */
function identifyWith(parameters: string, conditions = '[]'): string {
  return `{"event_type":"adversarial.user","action_type":"users_identify","parameters":${parameters},"conditions":${conditions}}`;
}

function nestedFirstOf(depth: number): unknown {
  let spec: unknown = 'body.id';
  for (let level = 0; level < depth; level += 1) spec = { first_of: [spec] };
  return spec;
}

const REJECTED_MAPPINGS: RejectedMapping[] = [
  {
    name: 'first_of nested 40 levels',
    text: identifyWith(JSON.stringify({ id: nestedFirstOf(40) })),
    status: 400,
    code: 'validation_failed',
    message: 'nested more than 32 levels deep',
  },
  {
    name: 'literal nested 5000 arrays',
    text: identifyWith(`{"id":"body.id","properties":{"literal":${nestedArrayJson(5000)}}}`),
    status: 400,
    code: 'validation_failed',
    message: 'nested more than 32 levels deep',
  },
  {
    name: 'object spec nested 3000 levels',
    text: identifyWith(
      `{"id":"body.id","properties":${'{"object":{"a":'.repeat(3000)}"body.a"${'}}'.repeat(3000)}}`,
    ),
    status: 400,
    code: 'validation_failed',
    message: 'nested more than 32 levels deep',
  },
  {
    name: '__proto__ parameter name',
    text: identifyWith('{"id":"body.id","__proto__":{"polluted":"yes"}}'),
    status: 400,
    code: 'invalid_json',
    message: '"__proto__"',
  },
  {
    name: '__proto__ key in object spec',
    text: identifyWith('{"id":"body.id","properties":{"object":{"__proto__":"body.a"}}}'),
    status: 400,
    code: 'invalid_json',
  },
  {
    name: '__proto__ key in find.where',
    text: identifyWith('{"id":{"find":"body.list","where":{"__proto__":1}}}'),
    status: 400,
    code: 'invalid_json',
  },
  {
    name: 'constructor key in find.where',
    text: identifyWith('{"id":{"find":"body.list","where":{"constructor":1}}}'),
    status: 400,
    code: 'validation_failed',
    message: 'parameters.id.where.constructor',
  },
  {
    name: 'constructor parameter name',
    text: identifyWith('{"id":"body.id","constructor":"body.a"}'),
    status: 400,
    code: 'validation_failed',
    message: 'parameters.constructor',
  },
  {
    name: 'condition value nested 8000 arrays',
    text: identifyWith(
      '{"id":"body.id"}',
      `[{"path":"body.id","operator":"equal_to","value":${nestedArrayJson(8000)}}]`,
    ),
    status: 400,
    code: 'validation_failed',
    message: 'conditions.0.value: the value is nested more than 32 levels deep',
  },
  {
    name: 'condition with __proto__ key',
    text: identifyWith(
      '{"id":"body.id"}',
      '[{"path":"body.id","operator":"exists","__proto__":{"polluted":"yes"}}]',
    ),
    status: 400,
    code: 'invalid_json',
  },
  {
    name: 'condition without operator',
    text: identifyWith('{"id":"body.id"}', '[{"path":"body.id"}]'),
    status: 400,
    code: 'validation_failed',
    message: 'conditions.0.operator',
  },
  {
    name: 'condition is_in without array',
    text: identifyWith('{"id":"body.id"}', '[{"path":"body.id","operator":"is_in","value":"a"}]'),
    status: 400,
    code: 'validation_failed',
    message: 'needs an array value',
  },
  {
    name: '21 conditions',
    text: identifyWith(
      '{"id":"body.id"}',
      JSON.stringify(Array.from({ length: 21 }, () => ({ path: 'body.id', operator: 'exists' }))),
    ),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: '5000 broken template placeholders',
    text: identifyWith(
      JSON.stringify({ id: 'body.id', name: { template: '{{ body. }}'.repeat(5000) } }),
    ),
    status: 400,
    code: 'validation_failed',
    message: 'parameters.name.template',
  },
  {
    name: 'path outside body and headers',
    text: identifyWith('{"id":"event.data.id"}'),
    status: 400,
    code: 'validation_failed',
    message: 'paths start with "body" or "headers"',
  },
  {
    name: 'non-finite literal',
    text: identifyWith('{"id":{"literal":1e400}}'),
    status: 400,
    code: 'validation_failed',
    message: 'is not a JSON number',
  },
  {
    name: 'null value spec',
    text: identifyWith('{"id":null}'),
    status: 400,
    code: 'validation_failed',
    message: 'parameters.id',
  },
  {
    name: 'parameters as an array',
    text: identifyWith('["body.id"]'),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'event type as an object',
    text: '{"event_type":{"a":1},"action_type":"users_delete","parameters":{"id":"body.id"}}',
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'event type of 256 characters',
    text: `{"event_type":"${'e'.repeat(256)}","action_type":"users_delete","parameters":{"id":"body.id"}}`,
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'unknown action type',
    text: '{"event_type":"x","action_type":"users_explode","parameters":{"id":"body.id"}}',
    status: 400,
    code: 'validation_failed',
  },
  { name: 'array body', text: '[1,2]', status: 400, code: 'validation_failed' },
  { name: 'string body', text: '"mapping"', status: 400, code: 'validation_failed' },
  { name: 'null body', text: 'null', status: 400, code: 'validation_failed' },
  { name: 'truncated JSON', text: '{"event_type":', status: 400, code: 'invalid_json' },
];

describeEachEngine('hostile mapping input', (engine) => {
  const hostile = useHostileServer(engine, { INLET_WORKER_CONCURRENCY: '0' });
  let mappingId = '';
  let otherSourceMappingId = '';
  let storedEventId = '';

  beforeAll(async () => {
    const created = await hostile.api('PUT', SOURCE, {
      name: 'Directory',
      provider: 'workos',
      default_mappings: false,
    });
    expect(created.status).toBe(201);
    const other = await hostile.api('PUT', '/v1/sources/other', {
      name: 'Other',
      provider: 'workos',
      default_mappings: false,
    });
    expect(other.status).toBe(201);
    const secret = await hostile.api('PUT', DEVELOPMENT, {
      signing_secret: 'whsec_hostile_mappings_Qw3Er5Ty7Ui9',
    });
    expect(secret.status).toBe(200);

    const mapping = await hostile.api('POST', MAPPINGS, {
      event_type: 'adversarial.user',
      action_type: 'users_identify',
      parameters: { id: 'body.id', properties: 'body.a' },
    });
    expect(mapping.status).toBe(201);
    mappingId = mapping.body.id;
    const otherMapping = await hostile.api(
      'POST',
      '/v1/sources/other/environments/development/mappings',
      { event_type: 'x', action_type: 'users_delete', parameters: { id: 'body.id' } },
    );
    expect(otherMapping.status).toBe(201);
    otherSourceMappingId = otherMapping.body.id;

    const stored = await hostile.api('POST', `${DEVELOPMENT}/test-events`, {
      event_type: 'dsync.user.created',
    });
    expect(stored.status).toBe(200);
    storedEventId = stored.body.id;
  });

  describe('create', () => {
    it.each(REJECTED_MAPPINGS)('rejects $name', async ({ text, status, code, message }) => {
      const answer = await hostile.send('POST', MAPPINGS, text);

      expectError(answer, status, code);
      if (message !== undefined) expect(answer.body.message).toContain(message);
    });

    it('stores none of the rejected mappings', async () => {
      const listed = await hostile.api('GET', MAPPINGS);

      expect(listed.status).toBe(200);
      expect(listed.body.data.map((mapping: { id: string }) => mapping.id)).toEqual([mappingId]);
    });

    it('resolves paths with unusual unicode keys', async () => {
      const key = 'név \u202e😀\u200d';
      const created = await hostile.api('POST', MAPPINGS, {
        event_type: 'adversarial.unicode',
        action_type: 'users_delete',
        parameters: { id: `body[${JSON.stringify(key)}]` },
      });
      const rehearsed = await hostile.api('POST', `${DEVELOPMENT}/rehearse`, {
        event_type: 'adversarial.unicode',
        body: { [key]: 'user_unicode' },
      });

      expect(created.status).toBe(201);
      expect(rehearsed.status).toBe(200);
      expect(rehearsed.body.actions[0].resolved).toEqual({ id: 'user_unicode' });
      expect((await hostile.api('DELETE', `${MAPPINGS}/${created.body.id}`)).status).toBe(204);
    });

    it('resolves a template of 5000 placeholders', async () => {
      const created = await hostile.api('POST', MAPPINGS, {
        event_type: 'adversarial.template',
        action_type: 'users_identify',
        parameters: { id: 'body.id', name: { template: '{{ body.id }}'.repeat(5000) } },
      });
      const rehearsed = await hostile.api('POST', `${DEVELOPMENT}/rehearse`, {
        event_type: 'adversarial.template',
        body: { id: 'u1' },
      });

      expect(created.status).toBe(201);
      expect(rehearsed.status).toBe(200);
      expect(rehearsed.body.actions[0].resolved.name).toBe('u1'.repeat(5000));
      // The 10000-character name is over the 2048-character limit of the name attribute.
      expect(rehearsed.body.errors.map((error: { field: string }) => error.field)).toEqual([
        'name',
      ]);
      expect((await hostile.api('DELETE', `${MAPPINGS}/${created.body.id}`)).status).toBe(204);
    });
  });

  describe('update', () => {
    const PATCHES: { name: string; body: unknown; code: string }[] = [
      { name: 'active null', body: { active: null }, code: 'validation_failed' },
      { name: 'active "false"', body: { active: 'false' }, code: 'validation_failed' },
      { name: 'active 0', body: { active: 0 }, code: 'validation_failed' },
      {
        name: 'action without its parameters',
        body: { action_type: 'objects_set' },
        code: 'validation_failed',
      },
      {
        name: 'parameters missing a required one',
        body: { parameters: {} },
        code: 'validation_failed',
      },
      { name: 'parameters null', body: { parameters: null }, code: 'validation_failed' },
      { name: 'conditions null', body: { conditions: null }, code: 'validation_failed' },
      { name: 'empty event type', body: { event_type: '' }, code: 'validation_failed' },
      { name: 'unknown field', body: { position: 1 }, code: 'validation_failed' },
      { name: 'array body', body: [], code: 'validation_failed' },
    ];

    it.each(PATCHES)('rejects $name and keeps the mapping', async ({ body, code }) => {
      const before = await hostile.api('GET', `${MAPPINGS}/${mappingId}`);

      const answer = await hostile.api('PATCH', `${MAPPINGS}/${mappingId}`, body);
      const after = await hostile.api('GET', `${MAPPINGS}/${mappingId}`);

      expectError(answer, 400, code);
      expect(after.body).toEqual(before.body);
      expect(after.body.active).toBe(true);
    });

    it('answers 404 for ids of other environments and sources', async () => {
      const production = await hostile.api('PATCH', `${PRODUCTION}/mappings/${mappingId}`, {
        active: false,
      });
      const otherSource = await hostile.api('PATCH', `${MAPPINGS}/${otherSourceMappingId}`, {
        active: false,
      });
      const unknown = await hostile.api('PATCH', `${MAPPINGS}/map_unknown`, { active: false });
      const deleted = await hostile.api('DELETE', `${PRODUCTION}/mappings/${mappingId}`);

      expectError(production, 404, 'not_found');
      expectError(otherSource, 404, 'not_found');
      expectError(unknown, 404, 'not_found');
      expectError(deleted, 404, 'not_found');
      expect((await hostile.api('GET', `${MAPPINGS}/${mappingId}`)).status).toBe(200);
    });

    it('rejects an id over 64 characters', async () => {
      const answer = await hostile.api('PATCH', `${MAPPINGS}/${'m'.repeat(65)}`, { active: false });

      expectError(answer, 400, 'validation_failed');
    });

    it('names unknown sources and environments', async () => {
      expectError(
        await hostile.api('GET', '/v1/sources/missing/environments/development/mappings'),
        404,
        'not_found',
      );
      expectError(
        await hostile.api('GET', `${SOURCE}/environments/staging/mappings`),
        404,
        'unknown_environment',
      );
    });
  });

  describe('rehearse', () => {
    const REHEARSE = `${DEVELOPMENT}/rehearse`;
    const BAD_BODIES: { name: string; text: string; status: number; code: string }[] = [
      { name: 'array body', text: '[1]', status: 400, code: 'validation_failed' },
      { name: 'string sample', text: '{"body":"x"}', status: 400, code: 'validation_failed' },
      { name: 'array sample', text: '{"body":[1,2]}', status: 400, code: 'validation_failed' },
      { name: 'null sample', text: '{"body":null}', status: 400, code: 'validation_failed' },
      { name: 'no sample and no event', text: '{}', status: 400, code: 'validation_failed' },
      { name: 'sample without type', text: '{"body":{}}', status: 400, code: 'event_type_missing' },
      {
        name: 'numeric event field',
        text: '{"body":{"id":"e","event":5}}',
        status: 400,
        code: 'event_type_missing',
      },
      {
        name: 'unknown event id',
        text: '{"event_id":"evt_unknown"}',
        status: 404,
        code: 'not_found',
      },
      {
        name: 'unknown field',
        text: '{"event_type":"x","body":{},"run":1}',
        status: 400,
        code: 'validation_failed',
      },
      {
        name: '2 MB sample',
        text: JSON.stringify({ event_type: 'x', body: { id: 'a'.repeat(2_000_000) } }),
        status: 413,
        code: 'payload_too_large',
      },
    ];

    it.each(BAD_BODIES)('rejects $name', async ({ text, status, code }) => {
      expectError(await hostile.send('POST', REHEARSE, text), status, code);
    });

    it('answers 404 for an event of another environment', async () => {
      const answer = await hostile.api('POST', `${PRODUCTION}/rehearse`, {
        event_id: storedEventId,
      });

      expectError(answer, 404, 'not_found');
    });

    it('reports a sample nested 100000 levels as a field error', async () => {
      const text = `{"event_type":"adversarial.user","body":{"id":"u1","a":${nestedObjectJson(100_000)}}}`;

      const answer = await hostile.send('POST', REHEARSE, text);

      expect(answer.status).toBe(200);
      expect(answer.body.status).toBe('error');
      expect(answer.body.errors).toHaveLength(1);
      expect(answer.body.errors[0].field).toBe('properties');
      expect(answer.body.errors[0].message).toContain('nested more than 64 levels deep');
    });

    it('resolves a 900 KB sample', async () => {
      const text = JSON.stringify({
        event_type: 'adversarial.user',
        body: { id: 'u1', a: { blob: 'x'.repeat(900_000) } },
      });

      const answer = await hostile.send('POST', REHEARSE, text);

      expect(answer.status).toBe(200);
      expect(answer.body.actions[0].resolved.id).toBe('u1');
      expect(answer.body.actions[0].resolved.properties.blob).toHaveLength(900_000);
    });
  });

  describe('replay', () => {
    const REPLAY = `${DEVELOPMENT}/events/replay`;
    const BAD_FILTERS: { name: string; body: unknown }[] = [
      { name: 'since not a time', body: { since: 'yesterday' } },
      { name: 'until out of range', body: { until: '2025-13-45T99:99:99Z' } },
      { name: 'limit 0', body: { limit: 0 } },
      { name: 'limit 100000', body: { limit: 100_000 } },
      { name: 'limit 1.5', body: { limit: 1.5 } },
      { name: 'unknown status', body: { status: 'exploded' } },
      { name: 'unknown filter', body: { source: 'x' } },
      { name: 'array body', body: [] },
    ];

    it.each(BAD_FILTERS)('rejects $name', async ({ body }) => {
      expectError(await hostile.api('POST', REPLAY, body), 400, 'validation_failed');
    });

    it('answers 404 for events it does not hold', async () => {
      const unknown = await hostile.api('POST', `${DEVELOPMENT}/events/evt_unknown/replay`);
      const otherEnvironment = await hostile.api(
        'POST',
        `${PRODUCTION}/events/${storedEventId}/replay`,
      );
      const otherSource = await hostile.api(
        'POST',
        `/v1/sources/other/environments/development/events/${storedEventId}/replay`,
      );
      const tooLong = await hostile.api('POST', `${DEVELOPMENT}/events/${'e'.repeat(300)}/replay`);

      expectError(unknown, 404, 'not_found');
      expectError(otherEnvironment, 404, 'not_found');
      expectError(otherSource, 404, 'not_found');
      expectError(tooLong, 400, 'validation_failed');
    });

    it('replays nothing for a window in the future', async () => {
      const answer = await hostile.api('POST', REPLAY, { since: '2999-01-01T00:00:00Z' });

      expect(answer.status).toBe(200);
      expect(answer.body.data).toEqual([]);
    });
  });

  describe('afterwards', () => {
    it('logged no internal error and keeps serving', async () => {
      expect(errorLines(hostile.logLines)).toEqual([]);
      await expectHealthy(hostile.url);
    });
  });
});

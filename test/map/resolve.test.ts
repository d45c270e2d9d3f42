import { describe, expect, it } from 'vitest';
import {
  resolveParameters,
  resolveSpec,
  validateSpec,
  ValueSpecError,
  type EventContext,
  type ValueSpec,
} from '../../src/map/index.js';

const SCIM_ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** Builds a dsync.user.created delivery for an invented person, shaped like a WorkOS user. */
function directoryUserContext(): EventContext {
  return {
    body: {
      object: 'event',
      id: 'event_01J9QZK3T5RM8VB2C4D6E8F0GH',
      event: 'dsync.user.created',
      data: {
        object: 'directory_user',
        id: 'directory_user_01J9QZK2W7XN3PA5SB7DC9EF1G',
        directory_id: 'directory_01J9QZ8M4H6KJ2L0N8P6R4T2V0',
        organization_id: 'org_01J9QZ7A1B3C5D7E9F1G3H5J7K',
        email: 'soraya.lindqvist@brackenfield.example',
        first_name: 'Soraya',
        last_name: 'Lindqvist',
        state: 'active',
        emails: [
          { primary: false, type: 'home', value: 'soraya.l@mailbox.example' },
          { primary: true, type: 'work', value: 'soraya.lindqvist@brackenfield.example' },
        ],
        raw_attributes: {
          userName: 'soraya.lindqvist@brackenfield.example',
          [SCIM_ENTERPRISE]: { department: 'Procurement' },
        },
        created_at: '2025-04-02T08:30:00.000Z',
      },
      created_at: '2025-04-02T08:30:00.120Z',
    },
    headers: {
      'content-type': 'application/json',
      'workos-signature': 't=1743582600120, v1=00ff',
      'x-request-id': 'req_5d1c9a',
    },
  };
}

/** Builds a directory user without a top-level email or last name, as some directories send. */
function sparseUserContext(): EventContext {
  return {
    body: {
      event: 'dsync.user.created',
      data: {
        id: 'directory_user_01J9R0',
        email: null,
        first_name: 'Teodor',
        last_name: null,
        nickname: '',
        aliases: [],
        score: 7,
        verified: true,
        emails: [
          { primary: false, type: 'other', value: 'teo@old.example' },
          { primary: true, type: 'work', value: 'teodor@brackenfield.example' },
        ],
      },
    },
    headers: {},
  };
}

describe('resolveSpec on a directory user', () => {
  it.each<[string, ValueSpec, unknown]>([
    ['path string', 'body.data.id', 'directory_user_01J9QZK2W7XN3PA5SB7DC9EF1G'],
    ['path to a header', 'headers.x-request-id', 'req_5d1c9a'],
    ['array element', 'body.data.emails[1].value', 'soraya.lindqvist@brackenfield.example'],
    ['negative index', 'body.data.emails[-1].type', 'work'],
    [
      'SCIM enterprise key',
      `body.data.raw_attributes["${SCIM_ENTERPRISE}"].department`,
      'Procurement',
    ],
    ['path spec', { path: 'body.data.first_name' }, 'Soraya'],
    ['path spec with unused default', { path: 'body.data.state', default: 'unknown' }, 'active'],
    ['path spec with default', { path: 'body.data.job_title', default: 'Staff' }, 'Staff'],
    ['missing path', 'body.data.job_title', undefined],
    ['missing path spec without default', { path: 'body.data.job_title' }, undefined],
    ['literal string', { literal: 'welcome' }, 'welcome'],
    ['literal number', { literal: 3 }, 3],
    ['literal null', { literal: null }, null],
    [
      'literal object',
      { literal: { plan: 'team', seats: [1, 2] } },
      { plan: 'team', seats: [1, 2] },
    ],
    [
      'find primary email',
      { find: 'body.data.emails', where: { primary: true }, select: 'value' },
      'soraya.lindqvist@brackenfield.example',
    ],
    [
      'find by two properties',
      { find: 'body.data.emails', where: { primary: false, type: 'home' }, select: 'value' },
      'soraya.l@mailbox.example',
    ],
    [
      'find without select',
      { find: 'body.data.emails', where: { type: 'home' } },
      { primary: false, type: 'home', value: 'soraya.l@mailbox.example' },
    ],
    ['find without where', { find: 'body.data.emails', select: 'type' }, 'home'],
    ['find with no match', { find: 'body.data.emails', where: { type: 'fax' } }, undefined],
    ['find on a non-array', { find: 'body.data.email', where: { primary: true } }, undefined],
    ['find on a missing path', { find: 'body.data.phones', where: { primary: true } }, undefined],
    [
      'find with a missing select',
      { find: 'body.data.emails', where: { primary: true }, select: 'display' },
      undefined,
    ],
    [
      'template with all values',
      { template: 'org-{{ body.data.organization_id }}' },
      'org-org_01J9QZ7A1B3C5D7E9F1G3H5J7K',
    ],
    [
      'template without spaces in braces',
      { template: '{{body.data.first_name}} <{{body.data.email}}>' },
      'Soraya <soraya.lindqvist@brackenfield.example>',
    ],
    [
      'template with a header',
      { template: 'request {{ headers.x-request-id }}' },
      'request req_5d1c9a',
    ],
    ['template with a missing value', { template: 'Dept {{ body.data.department }}' }, undefined],
    [
      'template joining a full name',
      { template: '{{ body.data.first_name }} {{ body.data.last_name }}', missing: 'empty' },
      'Soraya Lindqvist',
    ],
    ['template without placeholders', { template: 'fixed text' }, 'fixed text'],
  ])('resolves %s', (_case, spec, expected) => {
    expect(resolveSpec(spec, directoryUserContext())).toEqual(expected);
  });

  it('resolves a nested object spec', () => {
    const spec: ValueSpec = {
      object: {
        id: 'body.data.id',
        name: { template: '{{ body.data.first_name }} {{ body.data.last_name }}' },
        contact: {
          object: {
            email: { find: 'body.data.emails', where: { primary: true }, select: 'value' },
            phone: 'body.data.phone_number',
          },
        },
        department: `body.data.raw_attributes["${SCIM_ENTERPRISE}"].department`,
        source: { literal: 'workos' },
        title: 'body.data.job_title',
      },
    };
    const value = resolveSpec(spec, directoryUserContext()) as Record<string, unknown>;
    expect(value).toEqual({
      id: 'directory_user_01J9QZK2W7XN3PA5SB7DC9EF1G',
      name: 'Soraya Lindqvist',
      contact: { email: 'soraya.lindqvist@brackenfield.example' },
      department: 'Procurement',
      source: 'workos',
    });
    expect(Object.hasOwn(value, 'title')).toBe(false);
    expect(Object.hasOwn(value.contact as object, 'phone')).toBe(false);
  });

  it('resolves an object spec with no values to an empty object', () => {
    expect(
      resolveSpec({ object: { title: 'body.data.job_title' } }, directoryUserContext()),
    ).toEqual({});
  });

  it('copies whole-object selections', () => {
    const context = directoryUserContext();
    const data = resolveSpec('body.data', context) as { emails: unknown[]; first_name: string };
    data.first_name = 'Changed';
    data.emails.length = 0;
    expect(resolveSpec('body.data.first_name', context)).toBe('Soraya');
    expect(resolveSpec('body.data.emails[0].type', context)).toBe('home');
  });

  it('copies find results', () => {
    const context = directoryUserContext();
    const entry = resolveSpec({ find: 'body.data.emails', where: { primary: true } }, context) as {
      value: string;
    };
    entry.value = 'changed@example.com';
    expect(resolveSpec('body.data.emails[1].value', context)).toBe(
      'soraya.lindqvist@brackenfield.example',
    );
  });

  it('copies literal values', () => {
    const spec = { literal: { tags: ['a'] } };
    const value = resolveSpec(spec, directoryUserContext()) as { tags: string[] };
    value.tags.push('b');
    expect(spec.literal.tags).toEqual(['a']);
  });

  it('selects the whole body', () => {
    const context = directoryUserContext();
    expect(resolveSpec('body', context)).toEqual(context.body);
  });
});

describe('first_of', () => {
  const email: ValueSpec = {
    first_of: [
      'body.data.email',
      { find: 'body.data.emails', where: { primary: true }, select: 'value' },
    ],
  };

  it.each<[string, ValueSpec, unknown]>([
    ['skips null', { first_of: ['body.data.email', 'body.data.id'] }, 'directory_user_01J9R0'],
    [
      'skips the empty string',
      { first_of: ['body.data.nickname', 'body.data.first_name'] },
      'Teodor',
    ],
    ['skips the empty array', { first_of: ['body.data.aliases', { literal: ['none'] }] }, ['none']],
    [
      'skips a missing path',
      { first_of: ['body.data.middle_name', 'body.data.first_name'] },
      'Teodor',
    ],
    ['keeps zero', { first_of: [{ literal: 0 }, 'body.data.score'] }, 0],
    ['keeps false', { first_of: [{ literal: false }, 'body.data.verified'] }, false],
    ['keeps an empty object', { first_of: [{ literal: {} }, 'body.data.id'] }, {}],
    ['takes the first non-empty', { first_of: ['body.data.score', 'body.data.first_name'] }, 7],
    [
      'returns undefined when all are empty',
      { first_of: ['body.data.email', 'body.data.nickname'] },
      undefined,
    ],
    [
      'skips an unresolved template',
      {
        first_of: [
          { template: '{{ body.data.first_name }} {{ body.data.last_name }}' },
          'body.data.id',
        ],
      },
      'directory_user_01J9R0',
    ],
    ['falls back to the primary email', email, 'teodor@brackenfield.example'],
  ])('%s', (_case, spec, expected) => {
    expect(resolveSpec(spec, sparseUserContext())).toEqual(expected);
  });

  it('prefers the top-level email when present', () => {
    expect(resolveSpec(email, directoryUserContext())).toBe(
      'soraya.lindqvist@brackenfield.example',
    );
  });
});

describe('templates', () => {
  it.each<[string, ValueSpec, unknown]>([
    ['stringifies numbers', { template: 'score {{ body.data.score }}' }, 'score 7'],
    ['stringifies booleans', { template: 'verified={{ body.data.verified }}' }, 'verified=true'],
    [
      'treats null as missing',
      { template: '{{ body.data.first_name }} {{ body.data.last_name }}' },
      undefined,
    ],
    [
      'joins a name with a missing last name',
      { template: '{{ body.data.first_name }} {{ body.data.last_name }}', missing: 'empty' },
      'Teodor',
    ],
    [
      'collapses the gap of a missing middle name',
      {
        template:
          '{{ body.data.first_name }} {{ body.data.middle_name }} {{ body.data.first_name }}',
        missing: 'empty',
      },
      'Teodor Teodor',
    ],
    [
      'trims when only the last part is present',
      { template: ' {{ body.data.title }}  {{ body.data.first_name }} ', missing: 'empty' },
      'Teodor',
    ],
    [
      'returns an empty string when all are missing',
      { template: '{{ body.data.title }}', missing: 'empty' },
      '',
    ],
    [
      'returns undefined in unresolved mode',
      { template: 'x {{ body.data.title }}', missing: 'unresolved' },
      undefined,
    ],
  ])('%s', (_case, spec, expected) => {
    expect(resolveSpec(spec, sparseUserContext())).toEqual(expected);
  });

  it.each<[string, string, string]>([
    ['an array', '{{ body.data.emails }}', 'resolved to an array'],
    ['an object', '{{ body.data.emails[0] }}', 'resolved to an object'],
  ])('rejects %s in a placeholder', (_case, template, reason) => {
    expect(() => resolveSpec({ template }, sparseUserContext())).toThrow(ValueSpecError);
    expect(() => resolveSpec({ template }, sparseUserContext())).toThrow(reason);
  });

  it('rejects an object even when another placeholder is missing', () => {
    const spec: ValueSpec = { template: '{{ body.data.title }} {{ body.data.emails }}' };
    expect(() => resolveSpec(spec, sparseUserContext())).toThrow(ValueSpecError);
  });
});

describe('validateSpec', () => {
  it.each<[string, unknown]>([
    ['path string', 'body.data.id'],
    ['headers root alone', 'headers'],
    ['bracket after root', 'body["data"]'],
    ['literal', { literal: { nested: [1, 'two', null, true] } }],
    ['path with default', { path: 'body.x', default: '' }],
    ['first_of', { first_of: ['body.a', { literal: 1 }] }],
    ['template', { template: 'a {{ body.b }}', missing: 'empty' }],
    ['object', { object: { a: 'body.a', b: { object: { c: { literal: 1 } } } } }],
    ['find', { find: 'body.list', where: { primary: true, type: null, rank: 1 }, select: 'a.b' }],
    ['find without options', { find: 'body.list' }],
  ])('accepts %s', (_case, spec) => {
    expect(validateSpec(spec, 'parameters.x')).toEqual([]);
  });

  it.each<[string, unknown, string]>([
    ['a literal string in path position', 'hello', 'parameters.x: "hello" is not a path'],
    ['a bare root name prefix', 'bodyguard', 'parameters.x: "bodyguard" is not a path'],
    ['a path syntax error', 'body..id', 'parameters.x: Invalid path "body..id" at column 6'],
    ['a number', 42, 'parameters.x: expected a path string or an object'],
    ['null', null, 'parameters.x: expected a path string or an object'],
    ['an array', ['body.a'], 'parameters.x: expected a path string or an object'],
    [
      'an object without a spec key',
      { value: 'x' },
      'parameters.x: the object has none of the spec keys',
    ],
    [
      'two spec keys',
      { path: 'body.a', literal: 1 },
      '"literal", "path", but exactly one is allowed',
    ],
    [
      'an unknown option',
      { path: 'body.a', fallback: 'x' },
      'unknown key "fallback" in a path spec',
    ],
    [
      'an option of another form',
      { literal: 1, default: 2 },
      'unknown key "default" in a literal spec',
    ],
    ['a non-string path', { path: 3 }, 'parameters.x.path: expected a path string'],
    [
      'a literal that is not JSON',
      { literal: Number.NaN },
      'parameters.x.literal: NaN is not a JSON number',
    ],
    [
      'a default that is not JSON',
      { path: 'body.a', default: new Date(0) },
      'parameters.x.default: expected a JSON value, but got an instance of Date',
    ],
    ['an empty first_of', { first_of: [] }, 'parameters.x.first_of: expected a non-empty array'],
    [
      'a bad first_of entry',
      { first_of: ['body.a', 'plain text'] },
      'parameters.x.first_of[1]: "plain text" is not a path',
    ],
    [
      'an unclosed placeholder',
      { template: 'a {{ body.b' },
      'parameters.x.template: the placeholder at column 3 is not closed',
    ],
    [
      'an empty placeholder',
      { template: 'a {{ }}' },
      'parameters.x.template: the placeholder at column 3 is empty',
    ],
    [
      'a bad placeholder root',
      { template: '{{ data.id }}' },
      'parameters.x.template: Invalid path "data.id" at column 1',
    ],
    [
      'a bad missing option',
      { template: 'a', missing: 'skip' },
      'parameters.x.missing: expected "unresolved", "empty", but got "skip"',
    ],
    [
      'a non-object object spec',
      { object: ['body.a'] },
      'parameters.x.object: expected an object of specs',
    ],
    [
      'a bad nested object field',
      { object: { user: { object: { email: 'email' } } } },
      'parameters.x.object.user.object.email: "email" is not a path',
    ],
    [
      'a quoted object key in the location',
      { object: { 'first name': 'name' } },
      'parameters.x.object["first name"]: "name" is not a path',
    ],
    [
      'a relative find path',
      { find: 'data.emails' },
      'parameters.x.find: "data.emails" is not a path',
    ],
    [
      'a non-object where',
      { find: 'body.a', where: [true] },
      'parameters.x.where: expected an object of property values',
    ],
    [
      'an object in where',
      { find: 'body.a', where: { address: { city: 'x' } } },
      'parameters.x.where.address: expected a string, number, boolean or null',
    ],
    [
      'a bad select',
      { find: 'body.a', select: 'a..b' },
      'parameters.x.select: Invalid path "a..b" at column 3',
    ],
    [
      'a non-string select',
      { find: 'body.a', select: 1 },
      'parameters.x.select: expected a relative path string',
    ],
  ])('rejects %s', (_case, spec, message) => {
    const errors = validateSpec(spec, 'parameters.x');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(message);
  });

  it('suggests the literal form for a plain string', () => {
    const [message] = validateSpec('hello', 'parameters.x');
    expect(message).toContain('{"literal":"hello"}');
  });

  it('reports every problem in a spec', () => {
    const spec = { first_of: ['text', { template: '{{' }, { object: { a: 'b' } }] };
    expect(validateSpec(spec, 'parameters.x')).toEqual([
      expect.stringContaining('parameters.x.first_of[0]:'),
      expect.stringContaining('parameters.x.first_of[1].template:'),
      expect.stringContaining('parameters.x.first_of[2].object.a:'),
    ]);
  });

  it('rejects specs nested too deeply', () => {
    let spec: unknown = 'body.a';
    for (let level = 0; level < 40; level += 1) {
      spec = { first_of: [spec] };
    }
    const errors = validateSpec(spec, 'parameters.x');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('nested more than 32 levels');
  });

  it('throws ValueSpecError from resolveSpec for an invalid spec', () => {
    expect(() => resolveSpec('plain text', directoryUserContext())).toThrow(ValueSpecError);
    expect(() => resolveSpec('plain text', directoryUserContext())).toThrow(
      'value: "plain text" is not a path',
    );
  });
});

describe('prototype safety', () => {
  it.each<[string, ValueSpec]>([
    ['body.__proto__', 'body.__proto__'],
    ['body.constructor.prototype', 'body.constructor.prototype'],
    ['body["__proto__"].polluted', 'body["__proto__"].polluted'],
    ['a path spec on body.constructor', { path: 'body.constructor' }],
    ['a find selecting constructor', { find: 'body.data.emails', select: 'constructor' }],
    ['a find on emails.constructor', { find: 'body.data.emails.constructor' }],
  ])('returns undefined for %s', (_case, spec) => {
    expect(resolveSpec(spec, directoryUserContext())).toBeUndefined();
  });

  it('does not match inherited properties in where', () => {
    const spec: ValueSpec = { find: 'body.data.emails', where: { toString: null } };
    expect(resolveSpec(spec, directoryUserContext())).toBeUndefined();
  });

  it('rejects an object spec key __proto__', () => {
    const spec: unknown = JSON.parse('{"object": {"__proto__": {"literal": {"polluted": true}}}}');
    const errors = validateSpec(spec, 'parameters.x');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('parameters.x.object: the key "__proto__" is not allowed');
  });

  it('rejects a where key __proto__', () => {
    const spec: unknown = JSON.parse('{"find": "body.a", "where": {"__proto__": {"x": 1}}}');
    expect(validateSpec(spec, 'parameters.x')).toEqual([
      expect.stringContaining('parameters.x.where.__proto__: the key "__proto__" is not allowed'),
    ]);
  });

  it('rejects a parameter named __proto__', () => {
    const parameters = JSON.parse('{"__proto__": {"literal": 1}, "id": "body.id"}') as Record<
      string,
      ValueSpec
    >;
    const result = resolveParameters(parameters, { body: { id: 'x' }, headers: {} });
    expect(result.values).toEqual({ id: 'x' });
    expect(result.errors).toEqual([
      {
        field: '__proto__',
        message: expect.stringContaining('"__proto__" is not allowed') as unknown,
      },
    ]);
    expect(Object.getPrototypeOf(result.values)).toBe(Object.prototype);
  });

  it('resolves a parsed __proto__ payload without pollution', () => {
    const body: unknown = JSON.parse(
      '{"__proto__": {"polluted": true}, "data": {"__proto__": {"polluted": true}, "id": "u1"}}',
    );
    const context: EventContext = { body, headers: {} };
    const result = resolveParameters(
      {
        whole: 'body',
        data: 'body.data',
        proto: 'body.__proto__',
        nested: 'body.data["__proto__"].polluted',
        built: { object: { id: 'body.data.id', copy: 'body.data' } },
        found: { find: 'body.data.__proto__' },
      },
      context,
    );
    expect(result.errors).toEqual([]);
    expect(Object.keys(result.values)).toEqual(['whole', 'data', 'built']);
    expect(Object.getPrototypeOf(result.values.data)).toBe(Object.prototype);
    expect((result.values.data as Record<string, unknown>).polluted).toBeUndefined();
    expect((result.values.whole as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('resolveParameters', () => {
  it('resolves a welcome e-mail mapping', () => {
    const result = resolveParameters(
      {
        to: {
          first_of: [
            'body.data.email',
            { find: 'body.data.emails', where: { primary: true }, select: 'value' },
          ],
        },
        name: {
          template: '{{ body.data.first_name }} {{ body.data.last_name }}',
          missing: 'empty',
        },
        department: {
          path: `body.data.raw_attributes["${SCIM_ENTERPRISE}"].department`,
          default: 'Unassigned',
        },
        tenant: { template: 'org-{{ body.data.organization_id }}' },
        request_id: 'headers.x-request-id',
        manager: 'body.data.manager_id',
      },
      directoryUserContext(),
    );
    expect(result.errors).toEqual([]);
    expect(result.values).toEqual({
      to: 'soraya.lindqvist@brackenfield.example',
      name: 'Soraya Lindqvist',
      department: 'Procurement',
      tenant: 'org-org_01J9QZ7A1B3C5D7E9F1G3H5J7K',
      request_id: 'req_5d1c9a',
    });
    expect(Object.hasOwn(result.values, 'manager')).toBe(false);
  });

  it('reports invalid specs per field', () => {
    const result = resolveParameters(
      {
        id: 'body.data.id',
        greeting: 'Hello there' as ValueSpec,
        choices: { first_of: ['body.data.email', 'nobody'] },
      },
      directoryUserContext(),
    );
    expect(result.values).toEqual({ id: 'directory_user_01J9QZK2W7XN3PA5SB7DC9EF1G' });
    expect(result.errors).toHaveLength(2);
    expect(result.errors[0]?.field).toBe('greeting');
    expect(result.errors[0]?.message).toContain('parameters.greeting: "Hello there" is not a path');
    expect(result.errors[1]?.field).toBe('choices');
    expect(result.errors[1]?.message).toContain(
      'parameters.choices.first_of[1]: "nobody" is not a path',
    );
  });

  it('reports an object in a template as a field error', () => {
    const result = resolveParameters(
      { subject: { template: 'Emails: {{ body.data.emails }}' }, id: 'body.data.id' },
      directoryUserContext(),
    );
    expect(result.values).toEqual({ id: 'directory_user_01J9QZK2W7XN3PA5SB7DC9EF1G' });
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]?.field).toBe('subject');
    expect(result.errors[0]?.message).toContain(
      'parameters.subject.template: the placeholder {{ body.data.emails }} resolved to an array',
    );
  });

  it('locates template errors inside nested specs', () => {
    const result = resolveParameters(
      { user: { object: { label: { first_of: [{ template: '{{ body.data }}' }] } } } },
      directoryUserContext(),
    );
    expect(result.errors[0]?.message).toContain(
      'parameters.user.object.label.first_of[0].template:',
    );
  });

  it('reports parameters that are not an object', () => {
    const result = resolveParameters(
      ['body.a'] as unknown as Record<string, ValueSpec>,
      directoryUserContext(),
    );
    expect(result.values).toEqual({});
    expect(result.errors).toEqual([
      { field: '', message: 'parameters: expected an object of value specs.' },
    ]);
  });

  it('leaves the event unchanged', () => {
    const context = directoryUserContext();
    const result = resolveParameters(
      { data: 'body.data', primary: { find: 'body.data.emails', where: { primary: true } } },
      context,
    );
    const data = result.values.data as { emails: unknown[] };
    data.emails.pop();
    (result.values.primary as { value: string }).value = 'changed';
    expect(context).toEqual(directoryUserContext());
  });
});

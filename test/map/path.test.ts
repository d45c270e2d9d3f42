import { describe, expect, it } from 'vitest';
import {
  evaluatePath,
  parsePath,
  parseRelativePath,
  PathSyntaxError,
  type EventContext,
  type PathSegment,
} from '../../src/map/index.js';

const SCIM_ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

function buildContext(): EventContext {
  return {
    body: {
      event: 'dsync.user.updated',
      data: {
        id: 'directory_user_01HZX4',
        emails: [
          { primary: false, type: 'home', value: 'maren@example.net' },
          { primary: true, type: 'work', value: 'maren.okafor@example.com' },
        ],
        raw_attributes: {
          [SCIM_ENTERPRISE]: { department: 'Field Operations' },
          'quoted"key': 'double',
          "it's": 'single',
          'back\\slash': 'backslash',
        },
        manager: null,
        active: false,
        count: 0,
      },
    },
    headers: { 'x-request-id': 'req_7781', 'content-type': 'application/json' },
  };
}

const key = (name: string): PathSegment => ({ type: 'key', key: name });
const index = (position: number): PathSegment => ({ type: 'index', index: position });

describe('parsePath', () => {
  it.each<[string, PathSegment[]]>([
    ['body', [key('body')]],
    ['headers', [key('headers')]],
    ['body.data.id', [key('body'), key('data'), key('id')]],
    [
      'body.data.emails[0].value',
      [key('body'), key('data'), key('emails'), index(0), key('value')],
    ],
    ['body.data.emails[-1]', [key('body'), key('data'), key('emails'), index(-1)]],
    ['headers.x-request-id', [key('headers'), key('x-request-id')]],
    ['body["a.b"]', [key('body'), key('a.b')]],
    ["body['a.b'].c", [key('body'), key('a.b'), key('c')]],
    ['body["say \\"hi\\""]', [key('body'), key('say "hi"')]],
    ["body['it\\'s']", [key('body'), key("it's")]],
    ['body["back\\\\slash"]', [key('body'), key('back\\slash')]],
    ['body[""]', [key('body'), key('')]],
    ['body.data[0][1]', [key('body'), key('data'), index(0), index(1)]],
    [
      `body.data.raw_attributes["${SCIM_ENTERPRISE}"].department`,
      [key('body'), key('data'), key('raw_attributes'), key(SCIM_ENTERPRISE), key('department')],
    ],
  ])('parses %s', (path, expected) => {
    expect(parsePath(path)).toEqual(expected);
  });

  it('returns the cached frozen segments', () => {
    const first = parsePath('body.data.cached');
    expect(parsePath('body.data.cached')).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });

  it.each<[string, number, string]>([
    ['data.id', 1, 'must start with "body" or "headers"'],
    ['', 1, 'must start with "body" or "headers"'],
    ['bodyx.id', 1, 'must start with "body" or "headers"'],
    ['["body"].id', 1, 'must start with "body" or "headers"'],
    ['body..x', 6, 'expected a key name but found "."'],
    ['body.', 6, 'expected a key name but found the end of the path'],
    ['body.data[', 10, 'the bracket is not closed'],
    ['body.data[0', 10, 'the bracket is not closed'],
    ['body.data["id"', 10, 'the bracket is not closed'],
    ['body.data["id', 11, 'the quoted key is not closed'],
    ['body.data[]', 11, 'expected an integer index or a quoted key'],
    ['body.data[id]', 11, 'expected an integer index or a quoted key'],
    ['body.data[1.5]', 12, 'expected "]" but found "."'],
    ['body.data]', 10, 'expected "." or "[" but found "]"'],
    ['body["a"]b', 10, 'expected "." or "[" but found "b"'],
    ['body["a\\n"]', 8, 'a backslash inside quotes must be followed by'],
  ])('rejects %j at column %i', (path, column, reason) => {
    let caught: unknown;
    try {
      parsePath(path);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PathSyntaxError);
    const syntaxError = caught as PathSyntaxError;
    expect(syntaxError.column).toBe(column);
    expect(syntaxError.path).toBe(path);
    expect(syntaxError.message).toContain(JSON.stringify(path));
    expect(syntaxError.message).toContain(`column ${column}`);
    expect(syntaxError.message).toContain(reason);
  });
});

describe('parseRelativePath', () => {
  it.each<[string, PathSegment[]]>([
    ['value', [key('value')]],
    ['address.city', [key('address'), key('city')]],
    ['[0].type', [index(0), key('type')]],
    ['["a.b"]', [key('a.b')]],
  ])('parses %s', (path, expected) => {
    expect(parseRelativePath(path)).toEqual(expected);
  });

  it.each<[string, number]>([
    ['', 1],
    ['.value', 1],
    ['value.', 7],
  ])('rejects %j at column %i', (path, column) => {
    expect(() => parseRelativePath(path)).toThrow(PathSyntaxError);
    expect(() => parseRelativePath(path)).toThrow(`column ${column}`);
  });
});

describe('evaluatePath', () => {
  it.each<[string, unknown]>([
    ['body.event', 'dsync.user.updated'],
    ['body.data.id', 'directory_user_01HZX4'],
    ['body.data.emails[0].value', 'maren@example.net'],
    ['body.data.emails[1].type', 'work'],
    ['body.data.emails[-1].value', 'maren.okafor@example.com'],
    ['body.data.emails[-2].type', 'home'],
    [`body.data.raw_attributes["${SCIM_ENTERPRISE}"].department`, 'Field Operations'],
    [`body.data.raw_attributes['${SCIM_ENTERPRISE}'].department`, 'Field Operations'],
    ['body.data.raw_attributes["quoted\\"key"]', 'double'],
    ["body.data.raw_attributes['it\\'s']", 'single'],
    ['body.data.raw_attributes["back\\\\slash"]', 'backslash'],
    ['headers.x-request-id', 'req_7781'],
    ['headers["content-type"]', 'application/json'],
    ['headers.X-Request-ID', 'req_7781'],
    ['body.data.manager', null],
    ['body.data.active', false],
    ['body.data.count', 0],
  ])('reads %s', (path, expected) => {
    expect(evaluatePath(buildContext(), path)).toEqual(expected);
  });

  it.each([
    'body.missing',
    'body.data.missing',
    'body.data.emails[5]',
    'body.data.emails[-3]',
    'body.data.emails[0].missing',
    'body.data.emails[0].value.missing',
    'body.data.manager.name',
    'body.data.missing.deeper.still',
    'headers.authorization',
    'headers.x-request-id.length',
  ])('returns undefined for missing %s', (path) => {
    expect(evaluatePath(buildContext(), path)).toBeUndefined();
  });

  it.each([
    ['an index into an object', 'body.data[0]'],
    ['a key into an array', 'body.data.emails.length'],
    ['a quoted index into an array', 'body.data.emails["0"]'],
    ['a key into a string', 'body.event.length'],
    ['an index into a string', 'body.event[0]'],
    ['a key into a boolean', 'body.data.active.valueOf'],
  ])('returns undefined for %s', (_case, path) => {
    expect(evaluatePath(buildContext(), path)).toBeUndefined();
  });

  it('selects the whole body', () => {
    const context = buildContext();
    expect(evaluatePath(context, 'body')).toEqual(context.body);
  });

  it('selects a whole object', () => {
    const context = buildContext();
    const data = (context.body as { data: unknown }).data;
    expect(evaluatePath(context, 'body.data')).toEqual(data);
  });

  it('selects all headers', () => {
    expect(evaluatePath(buildContext(), 'headers')).toEqual(buildContext().headers);
  });

  it('copies whole-object selections', () => {
    const context = buildContext();
    const emails = evaluatePath(context, 'body.data.emails') as { value: string }[];
    emails.push({ value: 'added@example.com' });
    const first = emails[0];
    if (first !== undefined) {
      first.value = 'changed@example.com';
    }
    expect(evaluatePath(context, 'body.data.emails[0].value')).toBe('maren@example.net');
    expect(evaluatePath(context, 'body.data.emails[2]')).toBeUndefined();
  });

  it('throws PathSyntaxError for an invalid path', () => {
    expect(() => evaluatePath(buildContext(), 'data.id')).toThrow(PathSyntaxError);
  });
});

describe('evaluatePath prototype safety', () => {
  it.each([
    'body.__proto__',
    'body.constructor',
    'body.constructor.prototype',
    'body.data.constructor.name',
    'body.data.emails.constructor',
    'body["__proto__"]',
    'body["__proto__"].polluted',
    'body.toString',
    'body.data.hasOwnProperty',
    'headers.__proto__',
    'headers.constructor',
  ])('returns undefined for %s', (path) => {
    expect(evaluatePath(buildContext(), path)).toBeUndefined();
  });

  it('ignores an own __proto__ key from parsed JSON', () => {
    const body: unknown = JSON.parse('{"__proto__": {"polluted": true}, "id": "x"}');
    const context: EventContext = { body, headers: {} };
    expect(evaluatePath(context, 'body.__proto__')).toBeUndefined();
    expect(evaluatePath(context, 'body["__proto__"].polluted')).toBeUndefined();
    expect(evaluatePath(context, 'body.polluted')).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('copies a parsed __proto__ key without changing prototypes', () => {
    const body: unknown = JSON.parse('{"data": {"__proto__": {"polluted": true}, "id": "x"}}');
    const data = evaluatePath({ body, headers: {} }, 'body.data') as Record<string, unknown>;
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(data.polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

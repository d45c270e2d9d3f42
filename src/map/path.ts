/**
 * Paths into a received event, such as `body.data.emails[0].value` or `headers.x-request-id`.
 *
 * A path is a root name (`body` or `headers`) followed by any number of segments. Each segment
 * has one of three forms:
 * - `.name`, where the name is a run of characters other than `.`, `[` and `]`.
 * - `[index]` with an integer index, where `-1` is the last element.
 * - `["key"]` or `['key']`, where a backslash escapes a quote or a backslash inside the key.
 *
 * Relative paths, which select inside an array element, have the same segments without the root.
 */

/** Event data that a mapping reads: the parsed JSON body and the headers with lower-case names. */
export interface EventContext {
  body: unknown;
  headers: Record<string, string>;
}

export type PathSegment =
  | { readonly type: 'key'; readonly key: string }
  | { readonly type: 'index'; readonly index: number };

export const PATH_ROOTS = ['body', 'headers'] as const;

/**
 * Keys that evaluation never follows, so that a path cannot reach `Object.prototype` or a
 * constructor through inherited properties.
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
]);

/**
 * Maximum nesting of an event value that a mapping copies. Webhook payloads nest a few levels, and
 * the limit keeps a hostile body from exhausting the call stack when the value is copied, compared
 * or serialized.
 */
export const MAX_VALUE_DEPTH = 64;

/** Maximum number of parsed paths kept per cache. When full, the oldest entry is evicted. */
const MAX_CACHED_PATHS = 1000;

const absolutePathCache = new Map<string, readonly PathSegment[]>();
const relativePathCache = new Map<string, readonly PathSegment[]>();

/** A path that does not follow the grammar. `column` is 1-based and points at the problem. */
export class PathSyntaxError extends Error {
  override name = 'PathSyntaxError';

  constructor(
    readonly path: string,
    readonly column: number,
    reason: string,
  ) {
    super(`Invalid path ${JSON.stringify(path)} at column ${column}: ${reason}`);
  }
}

/**
 * Parses an event path into segments. The first segment is always the root key `body` or
 * `headers`. Results are cached, and the returned array is frozen because callers share it.
 * Throws PathSyntaxError for a path that does not follow the grammar.
 */
export function parsePath(path: string): readonly PathSegment[] {
  return parseCached(path, absolutePathCache, true);
}

/**
 * Parses a path relative to some value, such as `value` or `address.city` or `[0].type`.
 * Throws PathSyntaxError for an empty path or one that does not follow the grammar.
 */
export function parseRelativePath(path: string): readonly PathSegment[] {
  return parseCached(path, relativePathCache, false);
}

/**
 * An event value that a mapping will not copy because it is nested more than MAX_VALUE_DEPTH
 * levels deep.
 */
export class EventValueError extends Error {
  override name = 'EventValueError';
}

/**
 * Evaluates `path` against the event and returns the value, or undefined when any segment is
 * missing. Objects and arrays are returned as deep copies, so changing the result never changes
 * the event. Throws PathSyntaxError for an invalid path, and EventValueError for a value that
 * `cloneValue` rejects.
 */
export function evaluatePath(context: EventContext, path: string): unknown {
  return cloneValue(lookupPath(context, parsePath(path)));
}

/**
 * Returns the value at parsed absolute `segments` in the event without copying it. Callers must
 * not modify the result. Header names are compared in lower case because HTTP header names are
 * case-insensitive (RFC 9110, section 5.1).
 */
export function lookupPath(context: EventContext, segments: readonly PathSegment[]): unknown {
  const [root, first, ...rest] = segments;
  if (root?.type !== 'key') {
    return undefined;
  }

  const start: unknown = root.key === 'headers' ? context.headers : context.body;
  if (first === undefined) {
    return start;
  }

  const headerName = root.key === 'headers' && first.type === 'key';
  const firstSegment: PathSegment = headerName
    ? { type: 'key', key: first.key.toLowerCase() }
    : first;
  return readPath(readSegment(start, firstSegment), rest);
}

/** Returns the value at relative `segments` inside `value`, or undefined when one is missing. */
export function readPath(value: unknown, segments: readonly PathSegment[]): unknown {
  let current = value;
  for (const segment of segments) {
    if (current === undefined) {
      return undefined;
    }
    current = readSegment(current, segment);
  }
  return current;
}

/**
 * Returns a deep copy of an object or array, and any other value unchanged. A parsed `__proto__`
 * key stays an own data property of the copy. Throws EventValueError for a value nested more than
 * MAX_VALUE_DEPTH levels deep.
 */
export function cloneValue<T>(value: T): T {
  if (typeof value !== 'object' || value === null) {
    return value;
  }
  if (nestsDeeperThan(value, MAX_VALUE_DEPTH)) {
    throw new EventValueError(
      `the event value is nested more than ${MAX_VALUE_DEPTH} levels deep; map a field inside it.`,
    );
  }
  return structuredClone(value);
}

/**
 * Returns whether objects and arrays in `value` nest more than `max` levels deep. The walk uses
 * its own stack, so any depth is safe to check.
 */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  for (let entry = pending.pop(); entry !== undefined; entry = pending.pop()) {
    if (typeof entry.value !== 'object' || entry.value === null) {
      continue;
    }
    if (entry.depth + 1 > max) {
      return true;
    }
    for (const item of Object.values(entry.value)) {
      pending.push({ value: item, depth: entry.depth + 1 });
    }
  }
  return false;
}

export function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads one segment, following only own properties. An index matches only in an array, a key
 * matches only in a non-array object, and a forbidden key never matches.
 */
function readSegment(value: unknown, segment: PathSegment): unknown {
  if (segment.type === 'index') {
    if (!Array.isArray(value)) {
      return undefined;
    }
    const position = segment.index < 0 ? value.length + segment.index : segment.index;
    return Object.hasOwn(value, position) ? value[position] : undefined;
  }

  if (FORBIDDEN_KEYS.has(segment.key) || !isPlainRecord(value)) {
    return undefined;
  }
  return Object.hasOwn(value, segment.key) ? value[segment.key] : undefined;
}

function parseCached(
  path: string,
  cache: Map<string, readonly PathSegment[]>,
  withRoot: boolean,
): readonly PathSegment[] {
  const cached = cache.get(path);
  if (cached !== undefined) {
    return cached;
  }

  const segments = Object.freeze(new PathParser(path).parse(withRoot));
  if (cache.size >= MAX_CACHED_PATHS) {
    const oldest = cache.keys().next();
    if (oldest.done !== true) {
      cache.delete(oldest.value);
    }
  }
  cache.set(path, segments);
  return segments;
}

/** A single-pass parser over one path string. `position` is the 0-based index of the next character. */
class PathParser {
  private position = 0;

  constructor(private readonly path: string) {}

  parse(withRoot: boolean): PathSegment[] {
    const segments: PathSegment[] = [];
    if (withRoot) {
      segments.push(this.parseRoot());
    } else if (this.path.length === 0) {
      this.fail('expected a key or an index, but the path is empty.');
    } else if (this.path[0] !== '[') {
      segments.push({ type: 'key', key: this.parseName() });
    }

    while (this.position < this.path.length) {
      const character = this.path[this.position];
      if (character === '.') {
        this.position += 1;
        segments.push({ type: 'key', key: this.parseName() });
      } else if (character === '[') {
        segments.push(this.parseBracket());
      } else {
        this.fail(`expected "." or "[" but found ${JSON.stringify(character)}.`);
      }
    }
    return segments;
  }

  private parseRoot(): PathSegment {
    const name = this.readName();
    if (!(PATH_ROOTS as readonly string[]).includes(name)) {
      this.position = 0;
      this.fail('a path must start with "body" or "headers".');
    }
    return { type: 'key', key: name };
  }

  private parseName(): string {
    const name = this.readName();
    if (name.length === 0) {
      const found = this.path[this.position];
      const what = found === undefined ? 'the end of the path' : JSON.stringify(found);
      this.fail(`expected a key name but found ${what}.`);
    }
    return name;
  }

  private readName(): string {
    const start = this.position;
    while (this.position < this.path.length && !'.[]'.includes(this.path[this.position] ?? '')) {
      this.position += 1;
    }
    return this.path.slice(start, this.position);
  }

  /** Parses `[0]`, `[-1]`, `["key"]` or `['key']` starting at the opening bracket. */
  private parseBracket(): PathSegment {
    const open = this.position;
    this.position += 1;
    if (this.position >= this.path.length) {
      this.position = open;
      this.fail('the bracket is not closed.');
    }

    const quote = this.path[this.position];
    const segment: PathSegment =
      quote === '"' || quote === "'"
        ? { type: 'key', key: this.parseQuoted(quote) }
        : { type: 'index', index: this.parseIndex() };

    if (this.position >= this.path.length) {
      this.position = open;
      this.fail('the bracket is not closed.');
    }
    if (this.path[this.position] !== ']') {
      this.fail(`expected "]" but found ${JSON.stringify(this.path[this.position])}.`);
    }
    this.position += 1;
    return segment;
  }

  private parseQuoted(quote: string): string {
    const open = this.position;
    this.position += 1;
    let key = '';
    while (this.position < this.path.length) {
      const character = this.path[this.position];
      if (character === quote) {
        this.position += 1;
        return key;
      }
      if (character === '\\') {
        key += this.parseEscape();
      } else {
        key += character;
        this.position += 1;
      }
    }
    this.position = open;
    return this.fail(`the quoted key is not closed; add a closing ${quote}.`);
  }

  private parseEscape(): string {
    const escaped = this.path[this.position + 1];
    if (escaped !== '"' && escaped !== "'" && escaped !== '\\') {
      this.fail('a backslash inside quotes must be followed by ", \' or \\.');
    }
    this.position += 2;
    return escaped;
  }

  private parseIndex(): number {
    const start = this.position;
    const match = /^-?\d+/.exec(this.path.slice(start));
    const index = match === null ? Number.NaN : Number(match[0]);
    if (match === null || !Number.isSafeInteger(index)) {
      this.fail('expected an integer index or a quoted key inside the brackets.');
    }
    this.position += match[0].length;
    return index;
  }

  private fail(reason: string): never {
    throw new PathSyntaxError(this.path, this.position + 1, reason);
  }
}

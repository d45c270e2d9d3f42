/**
 * JSON helpers for the workflow editor. A strict scanner reports where a syntax error is, because
 * browsers word `JSON.parse` errors differently and some name no position. It also maps each
 * value's path to its place in the text, so a validation error can select the text it is about.
 */

export type JsonPath = (string | number)[];

/** Offsets of a value in the text, and of its property name when it is an object member. */
export interface JsonSpan {
  start: number;
  end: number;
  keyStart?: number;
  keyEnd?: number;
}

export interface JsonSyntaxProblem {
  message: string;
  offset: number;
  /** 1-based line and column of `offset`. */
  line: number;
  column: number;
}

export type JsonParseResult =
  | { ok: true; value: unknown; spans: Map<string, JsonSpan> }
  | { ok: false; problem: JsonSyntaxProblem };

/** Parses JSON text, returning the value with the span of every value, or the first error. */
export function parseJsonText(text: string): JsonParseResult {
  const spans = new Map<string, JsonSpan>();
  try {
    new JsonScanner(text, spans).document();
  } catch (error) {
    if (!(error instanceof JsonScanError)) throw error;
    return { ok: false, problem: { message: error.message, ...locate(text, error.offset) } };
  }
  try {
    return { ok: true, value: JSON.parse(text), spans };
  } catch (error) {
    // The scanner accepts only strict JSON, so this is not expected. The native error is reported.
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, problem: { message, ...locate(text, 0) } };
  }
}

/** Returns the 1-based line and column of an offset. */
export function locate(text: string, offset: number) {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  return { offset, line, column };
}

export const pathKey = (path: JsonPath) => JSON.stringify(path);

/**
 * Splits a validation error path such as `steps[2] (ref "welcome").template.subject` into
 * segments (`["steps", 2, "template", "subject"]`). The ref notes are left out.
 */
export function parseIssuePath(path: string): JsonPath {
  const segments: JsonPath = [];
  const pattern = /\[(\d+)\]|\s*\(ref "(?:[^"\\]|\\.)*"\)|\.?([^.[]+)/g;
  for (const match of path.matchAll(pattern)) {
    if (match[1] !== undefined) segments.push(Number(match[1]));
    else if (match[2] !== undefined) segments.push(match[2]);
  }
  return segments;
}

/**
 * Finds the text to select for a path: the value when the whole path exists, else the property
 * name (or value) of the longest prefix that exists. Returns undefined when only the root matches.
 */
export function findSpan(
  spans: Map<string, JsonSpan>,
  path: JsonPath,
): { start: number; end: number } | undefined {
  for (let length = path.length; length > 0; length -= 1) {
    const span = spans.get(pathKey(path.slice(0, length)));
    if (span === undefined) continue;
    if (length < path.length && span.keyStart !== undefined && span.keyEnd !== undefined) {
      return { start: span.keyStart, end: span.keyEnd };
    }
    return { start: span.start, end: span.end };
  }
  return undefined;
}

class JsonScanError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES = '"\\/bfnrtu';

/** A recursive-descent scanner for strict JSON (RFC 8259) that records value spans. */
class JsonScanner {
  private position = 0;

  constructor(
    private readonly text: string,
    private readonly spans: Map<string, JsonSpan>,
  ) {}

  document(): void {
    this.value([]);
    this.whitespace();
    if (this.position < this.text.length) {
      this.fail('Unexpected text after the end of the JSON value.');
    }
  }

  private fail(message: string, offset = this.position): never {
    throw new JsonScanError(message, offset);
  }

  private whitespace(): void {
    while (this.position < this.text.length && ' \t\n\r'.includes(this.text[this.position]!)) {
      this.position += 1;
    }
  }

  private value(path: JsonPath, key?: { start: number; end: number }): void {
    this.whitespace();
    const start = this.position;
    const character = this.text[start];
    if (character === undefined) this.fail('Unexpected end of the text; a value is missing.');

    if (character === '{') this.object(path);
    else if (character === '[') this.array(path);
    else if (character === '"') this.string();
    else if (character === '-' || (character >= '0' && character <= '9')) this.number();
    else if (character === 't') this.literal('true');
    else if (character === 'f') this.literal('false');
    else if (character === 'n') this.literal('null');
    else this.fail(`Unexpected character ${JSON.stringify(character)}; expected a value.`);

    this.spans.set(pathKey(path), {
      start,
      end: this.position,
      ...(key ? { keyStart: key.start, keyEnd: key.end } : {}),
    });
  }

  private object(path: JsonPath): void {
    this.position += 1;
    this.whitespace();
    if (this.text[this.position] === '}') {
      this.position += 1;
      return;
    }
    for (;;) {
      this.whitespace();
      if (this.text[this.position] !== '"') {
        this.fail(
          this.text[this.position] === '}'
            ? 'Expected a property name; JSON does not allow a comma before "}".'
            : 'Expected a property name in double quotes.',
        );
      }
      const keyStart = this.position;
      const name = this.string();
      const keyEnd = this.position;
      this.whitespace();
      if (this.text[this.position] !== ':') this.fail(`Expected ":" after the property name.`);
      this.position += 1;
      this.value([...path, name], { start: keyStart, end: keyEnd });
      this.whitespace();
      const next = this.text[this.position];
      this.position += 1;
      if (next === ',') continue;
      if (next === '}') return;
      this.fail('Expected "," or "}" after the property value.', this.position - 1);
    }
  }

  private array(path: JsonPath): void {
    this.position += 1;
    this.whitespace();
    if (this.text[this.position] === ']') {
      this.position += 1;
      return;
    }
    for (let index = 0; ; index += 1) {
      this.whitespace();
      if (this.text[this.position] === ']') {
        this.fail('Expected a value; JSON does not allow a comma before "]".');
      }
      this.value([...path, index]);
      this.whitespace();
      const next = this.text[this.position];
      this.position += 1;
      if (next === ',') continue;
      if (next === ']') return;
      this.fail('Expected "," or "]" after the array element.', this.position - 1);
    }
  }

  /** Scans a string starting at its opening quote and returns its decoded value. */
  private string(): string {
    const start = this.position;
    this.position += 1;
    for (;;) {
      const character = this.text[this.position];
      if (character === undefined)
        this.fail('The string is not closed with a double quote.', start);
      if (character === '"') {
        this.position += 1;
        return JSON.parse(this.text.slice(start, this.position)) as string;
      }
      if (character === '\\') {
        const escape = this.text[this.position + 1];
        if (escape === undefined || !ESCAPES.includes(escape)) {
          this.fail('Invalid escape sequence in a string.');
        }
        if (
          escape === 'u' &&
          !/^[0-9a-fA-F]{4}$/.test(this.text.slice(this.position + 2, this.position + 6))
        ) {
          this.fail('Invalid \\u escape; it needs four hexadecimal digits.');
        }
        this.position += escape === 'u' ? 6 : 2;
        continue;
      }
      if (character < ' ') {
        this.fail(
          character === '\n'
            ? 'Line break inside a string; write it as \\n or close the string.'
            : 'Control character inside a string; escape it.',
        );
      }
      this.position += 1;
    }
  }

  private number(): void {
    NUMBER.lastIndex = this.position;
    const match = NUMBER.exec(this.text);
    if (match === null || match[0] === '') this.fail('Invalid number.');
    this.position += match[0].length;
  }

  private literal(word: 'true' | 'false' | 'null'): void {
    if (!this.text.startsWith(word, this.position)) {
      this.fail(
        'Unexpected word; expected a value such as a string in double quotes, a number, true, false or null.',
      );
    }
    this.position += word.length;
  }
}

/**
 * Value specs: the forms a mapping parameter may take, and their validation.
 * Resolution against an event lives in resolve.ts.
 */
import {
  FORBIDDEN_KEYS,
  PATH_ROOTS,
  PathSyntaxError,
  isPlainRecord,
  parsePath,
  parseRelativePath,
  type PathSegment,
} from './path.js';

/** An event path such as `body.data.id`. */
export type PathString = string;

/** A fixed JSON value. */
export interface LiteralSpec {
  literal: unknown;
}

/** An event path with an optional value used when the path does not resolve. */
export interface PathSpec {
  path: PathString;
  default?: unknown;
}

/** A list of specs, of which the first with a non-empty value wins. */
export interface FirstOfSpec {
  first_of: ValueSpec[];
}

/**
 * Handling of template placeholders whose value is missing or null. `unresolved` (the default)
 * makes the whole template resolve to undefined. `empty` substitutes an empty string, then trims
 * the result and collapses runs of spaces.
 */
export type TemplateMissing = 'unresolved' | 'empty';

/** A string with `{{ path }}` placeholders. */
export interface TemplateSpec {
  template: string;
  missing?: TemplateMissing;
}

/** An object built key by key from nested specs. */
export interface ObjectSpec {
  object: { [key: string]: ValueSpec };
}

/**
 * The first element of the array at `find` whose own properties equal every entry of `where`,
 * optionally narrowed by the relative path `select`.
 */
export interface FindSpec {
  find: PathString;
  where?: Record<string, string | number | boolean | null>;
  select?: string;
}

export type ValueSpec =
  PathString | LiteralSpec | PathSpec | FirstOfSpec | TemplateSpec | ObjectSpec | FindSpec;

export type TemplatePart =
  | { readonly type: 'text'; readonly text: string }
  | {
      readonly type: 'placeholder';
      readonly path: string;
      readonly segments: readonly PathSegment[];
    };

/** The key that selects each spec form, with the option keys that form accepts. */
const SPEC_FORMS = {
  literal: [],
  path: ['default'],
  first_of: [],
  template: ['missing'],
  object: [],
  find: ['where', 'select'],
} as const satisfies Record<string, readonly string[]>;

export type SpecForm = keyof typeof SPEC_FORMS;

const SPEC_FORM_NAMES = Object.keys(SPEC_FORMS) as SpecForm[];

const TEMPLATE_MISSING_VALUES: readonly string[] = [
  'unresolved',
  'empty',
] satisfies TemplateMissing[];

/**
 * Maximum nesting of specs inside `first_of` and `object`, and of arrays and objects inside a
 * literal or default value. Real mappings nest a few levels, and the limit keeps a malformed
 * configuration from exhausting the call stack during validation and resolution.
 */
export const MAX_NESTING_DEPTH = 32;

/** Maximum number of parsed templates kept in memory. When full, the oldest entry is evicted. */
const MAX_CACHED_TEMPLATES = 1000;

const templateCache = new Map<string, readonly TemplatePart[]>();

/** A template whose text cannot be split into text and placeholders. */
export class TemplateSyntaxError extends Error {
  override name = 'TemplateSyntaxError';
}

/**
 * Validates a value spec and returns one message per problem, or an empty list when the spec is
 * valid. Each message starts with the location of the problem, built from `location` such as
 * `parameters.name` followed by spec keys and indexes (`parameters.name.first_of[1]`).
 */
export function validateSpec(spec: unknown, location: string): string[] {
  const errors: string[] = [];
  collectSpecErrors(spec, location, 0, errors);
  return errors;
}

/** Returns which form a validated object spec has. */
export function specForm(spec: Exclude<ValueSpec, string>): SpecForm {
  const form = SPEC_FORM_NAMES.find((name) => Object.hasOwn(spec, name));
  if (form === undefined) {
    throw new Error(
      `Internal error: specForm received an object with none of ${SPEC_FORM_NAMES.join(', ')}.`,
    );
  }
  return form;
}

/**
 * Splits a template into text and placeholders. Results are cached. Throws TemplateSyntaxError
 * for an unclosed or empty placeholder, and PathSyntaxError for an invalid placeholder path.
 */
export function parseTemplate(template: string): readonly TemplatePart[] {
  const cached = templateCache.get(template);
  if (cached !== undefined) {
    return cached;
  }

  const parts = Object.freeze(splitTemplate(template));
  if (templateCache.size >= MAX_CACHED_TEMPLATES) {
    const oldest = templateCache.keys().next();
    if (oldest.done !== true) {
      templateCache.delete(oldest.value);
    }
  }
  templateCache.set(template, parts);
  return parts;
}

/** Appends an object key to a location, quoting keys that are not plain identifiers. */
export function appendKey(location: string, key: string): string {
  return /^[A-Za-z_$][\w$-]*$/.test(key)
    ? `${location}.${key}`
    : `${location}[${JSON.stringify(key)}]`;
}

// NOTE: there is no escape for a literal "{{" in template text, and a placeholder ends at the first
// "}}", so a quoted key containing "}}" cannot be used inside a placeholder.
function splitTemplate(template: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let position = 0;
  while (position < template.length) {
    const open = template.indexOf('{{', position);
    if (open === -1) {
      parts.push({ type: 'text', text: template.slice(position) });
      break;
    }
    if (open > position) {
      parts.push({ type: 'text', text: template.slice(position, open) });
    }

    const close = template.indexOf('}}', open + 2);
    if (close === -1) {
      throw new TemplateSyntaxError(
        `the placeholder at column ${open + 1} is not closed; add "}}".`,
      );
    }
    const path = template.slice(open + 2, close).trim();
    if (path.length === 0) {
      throw new TemplateSyntaxError(
        `the placeholder at column ${open + 1} is empty; write a path such as {{ body.data.id }}.`,
      );
    }
    parts.push({ type: 'placeholder', path, segments: parsePath(path) });
    position = close + 2;
  }
  return parts;
}

function collectSpecErrors(spec: unknown, location: string, depth: number, errors: string[]): void {
  if (depth > MAX_NESTING_DEPTH) {
    errors.push(`${location}: specs are nested more than ${MAX_NESTING_DEPTH} levels deep.`);
    return;
  }
  if (typeof spec === 'string') {
    collectPathErrors(spec, location, errors);
    return;
  }
  if (!isPlainRecord(spec)) {
    errors.push(
      `${location}: expected a path string or an object with one of ${formatList(SPEC_FORM_NAMES)}, but got ${describeType(spec)}.`,
    );
    return;
  }

  const forms = SPEC_FORM_NAMES.filter((name) => Object.hasOwn(spec, name));
  const [form] = forms;
  if (form === undefined) {
    errors.push(
      `${location}: the object has none of the spec keys ${formatList(SPEC_FORM_NAMES)}.`,
    );
    return;
  }
  if (forms.length > 1) {
    errors.push(
      `${location}: the object has the spec keys ${formatList(forms)}, but exactly one is allowed.`,
    );
    return;
  }

  const allowed: readonly string[] = [form, ...SPEC_FORMS[form]];
  for (const key of Object.keys(spec).filter((name) => !allowed.includes(name))) {
    errors.push(
      `${location}: unknown key ${JSON.stringify(key)} in a ${form} spec; allowed keys are ${formatList(allowed)}.`,
    );
  }
  collectFormErrors(form, spec, location, depth, errors);
}

function collectFormErrors(
  form: SpecForm,
  spec: Record<string, unknown>,
  location: string,
  depth: number,
  errors: string[],
): void {
  switch (form) {
    case 'literal':
      collectJsonErrors(spec.literal, `${location}.literal`, depth, errors);
      return;
    case 'path':
      collectPathErrors(spec.path, `${location}.path`, errors);
      if (Object.hasOwn(spec, 'default')) {
        collectJsonErrors(spec.default, `${location}.default`, depth, errors);
      }
      return;
    case 'first_of':
      collectFirstOfErrors(spec.first_of, `${location}.first_of`, depth, errors);
      return;
    case 'template':
      collectTemplateErrors(spec, location, errors);
      return;
    case 'object':
      collectObjectErrors(spec.object, `${location}.object`, depth, errors);
      return;
    case 'find':
      collectFindErrors(spec, location, errors);
      return;
  }
}

function collectPathErrors(path: unknown, location: string, errors: string[]): void {
  if (typeof path !== 'string') {
    errors.push(`${location}: expected a path string, but got ${describeType(path)}.`);
    return;
  }

  const rootPattern = new RegExp(`^(${PATH_ROOTS.join('|')})([.[]|$)`);
  if (!rootPattern.test(path)) {
    const literal = JSON.stringify({ literal: path });
    errors.push(
      `${location}: ${JSON.stringify(path)} is not a path because paths start with "body" or "headers". For a fixed string, write ${literal}.`,
    );
    return;
  }
  collectSyntaxErrors(() => parsePath(path), location, errors);
}

function collectFirstOfErrors(
  entries: unknown,
  location: string,
  depth: number,
  errors: string[],
): void {
  if (!Array.isArray(entries) || entries.length === 0) {
    errors.push(
      `${location}: expected a non-empty array of specs, but got ${describeType(entries)}.`,
    );
    return;
  }
  entries.forEach((entry, index) => {
    collectSpecErrors(entry, `${location}[${index}]`, depth + 1, errors);
  });
}

function collectTemplateErrors(
  spec: Record<string, unknown>,
  location: string,
  errors: string[],
): void {
  const template = spec.template;
  if (typeof template !== 'string') {
    errors.push(`${location}.template: expected a string, but got ${describeType(template)}.`);
  } else {
    collectSyntaxErrors(() => parseTemplate(template), `${location}.template`, errors);
  }

  const missing = spec.missing;
  if (Object.hasOwn(spec, 'missing') && !TEMPLATE_MISSING_VALUES.includes(missing as string)) {
    errors.push(
      `${location}.missing: expected ${formatList(TEMPLATE_MISSING_VALUES)}, but got ${JSON.stringify(missing) ?? describeType(missing)}.`,
    );
  }
}

function collectObjectErrors(
  fields: unknown,
  location: string,
  depth: number,
  errors: string[],
): void {
  if (!isPlainRecord(fields)) {
    errors.push(`${location}: expected an object of specs, but got ${describeType(fields)}.`);
    return;
  }
  for (const [key, fieldSpec] of Object.entries(fields)) {
    if (key === '__proto__') {
      errors.push(
        `${location}: the key "__proto__" is not allowed because it would replace the prototype of the built object.`,
      );
      continue;
    }
    collectSpecErrors(fieldSpec, appendKey(location, key), depth + 1, errors);
  }
}

function collectFindErrors(
  spec: Record<string, unknown>,
  location: string,
  errors: string[],
): void {
  collectPathErrors(spec.find, `${location}.find`, errors);

  if (Object.hasOwn(spec, 'where')) {
    collectWhereErrors(spec.where, `${location}.where`, errors);
  }

  if (Object.hasOwn(spec, 'select')) {
    const select = spec.select;
    if (typeof select !== 'string') {
      errors.push(
        `${location}.select: expected a relative path string, but got ${describeType(select)}.`,
      );
    } else {
      collectSyntaxErrors(() => parseRelativePath(select), `${location}.select`, errors);
    }
  }
}

function collectWhereErrors(where: unknown, location: string, errors: string[]): void {
  if (!isPlainRecord(where)) {
    errors.push(
      `${location}: expected an object of property values, but got ${describeType(where)}.`,
    );
    return;
  }
  for (const [key, value] of Object.entries(where)) {
    const keyLocation = appendKey(location, key);
    if (FORBIDDEN_KEYS.has(key)) {
      errors.push(
        `${keyLocation}: the key ${JSON.stringify(key)} is not allowed because lookups never match it.`,
      );
    } else if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) {
      errors.push(
        `${keyLocation}: expected a string, number, boolean or null, but got ${describeType(value)}.`,
      );
    }
  }
}

/** Reports values that JSON cannot represent, so that resolved values stay plain JSON. */
function collectJsonErrors(
  value: unknown,
  location: string,
  depth: number,
  errors: string[],
): void {
  if (depth > MAX_NESTING_DEPTH) {
    errors.push(`${location}: the value is nested more than ${MAX_NESTING_DEPTH} levels deep.`);
    return;
  }
  if (value === null || typeof value === 'string' || typeof value === 'boolean') {
    return;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      errors.push(`${location}: ${value} is not a JSON number.`);
    }
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      collectJsonErrors(item, `${location}[${index}]`, depth + 1, errors);
    });
    return;
  }
  if (isPlainRecord(value) && isPlainPrototype(value)) {
    for (const [key, item] of Object.entries(value)) {
      collectJsonErrors(item, appendKey(location, key), depth + 1, errors);
    }
    return;
  }
  errors.push(`${location}: expected a JSON value, but got ${describeType(value)}.`);
}

function collectSyntaxErrors(parse: () => unknown, location: string, errors: string[]): void {
  try {
    parse();
  } catch (error) {
    if (error instanceof PathSyntaxError || error instanceof TemplateSyntaxError) {
      errors.push(`${location}: ${error.message}`);
      return;
    }
    throw error;
  }
}

function isPlainPrototype(value: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function describeType(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'an array';
  }
  if (typeof value === 'object') {
    const tag = Object.prototype.toString.call(value).slice('[object '.length, -1);
    return isPlainPrototype(value) ? 'an object' : `an instance of ${tag}`;
  }
  return typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`;
}

function formatList(items: readonly string[]): string {
  return items.map((item) => JSON.stringify(item)).join(', ');
}

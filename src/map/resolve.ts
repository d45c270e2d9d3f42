/**
 * Resolution of value specs against a received event. Resolution only reads the event and
 * returns fresh plain JSON values, so callers may change the results freely.
 */
import {
  cloneValue,
  EventValueError,
  isPlainRecord,
  lookupPath,
  parsePath,
  parseRelativePath,
  readPath,
  type EventContext,
} from './path.js';
import {
  appendKey,
  parseTemplate,
  specForm,
  validateSpec,
  type FindSpec,
  type FirstOfSpec,
  type LiteralSpec,
  type ObjectSpec,
  type PathSpec,
  type TemplateSpec,
  type ValueSpec,
} from './value-spec.js';

/**
 * Error for a spec that is invalid or that meets an event value it cannot use, such as an object
 * in a template.
 */
export class ValueSpecError extends Error {
  override name = 'ValueSpecError';
}

/** A problem with one parameter. `field` is the parameter name and `message` names the location. */
export interface FieldError {
  field: string;
  message: string;
}

export interface ResolvedParameters {
  /** Resolved values by parameter name. Parameters that resolved to undefined are left out. */
  values: Record<string, unknown>;
  errors: FieldError[];
}

/**
 * Resolves one spec against the event and returns its value, or undefined when it does not
 * resolve. Throws ValueSpecError when the spec is invalid or meets a value it cannot use.
 * `location` prefixes error messages.
 */
export function resolveSpec(spec: ValueSpec, context: EventContext, location = 'value'): unknown {
  const problems = validateSpec(spec, location);
  if (problems.length > 0) {
    throw new ValueSpecError(problems.join(' '));
  }
  return resolveValidSpec(spec, context, location);
}

/**
 * Resolves every parameter of a mapping against the event. Never throws for invalid specs or for
 * JSON event data that a spec cannot use. Each such problem becomes an error for its parameter,
 * and the other parameters still resolve. Checking required parameters and types is left to the
 * action schemas.
 */
export function resolveParameters(
  parameters: Record<string, ValueSpec>,
  context: EventContext,
): ResolvedParameters {
  const values: Record<string, unknown> = {};
  const errors: FieldError[] = [];
  if (!isPlainRecord(parameters)) {
    errors.push({ field: '', message: 'parameters: expected an object of value specs.' });
    return { values, errors };
  }

  for (const [field, spec] of Object.entries(parameters)) {
    const location = appendKey('parameters', field);
    if (field === '__proto__') {
      const message = `${location}: the parameter name "__proto__" is not allowed.`;
      errors.push({ field, message });
      continue;
    }

    const problems = validateOnce(spec, location);
    if (problems.length > 0) {
      errors.push(...problems.map((message) => ({ field, message })));
      continue;
    }

    try {
      const value = resolveValidSpec(spec, context, location);
      if (value !== undefined) {
        values[field] = value;
      }
    } catch (error) {
      if (!(error instanceof ValueSpecError)) {
        throw error;
      }
      errors.push({ field, message: error.message });
    }
  }
  return { values, errors };
}

const validatedSpecs = new WeakMap<object, string[]>();

/**
 * Validates a spec, remembering the result for spec objects: stored mappings are cached and
 * resolved for every event, and their specs do not change once loaded. Strings are validated
 * each time, which is cheap because parsed paths are cached.
 */
function validateOnce(spec: ValueSpec, location: string): string[] {
  if (typeof spec !== 'object' || spec === null) return validateSpec(spec, location);
  let problems = validatedSpecs.get(spec);
  if (problems === undefined) {
    problems = validateSpec(spec, location);
    validatedSpecs.set(spec, problems);
  }
  return problems;
}

/**
 * Returns whether `first_of` skips a value: undefined, null, the empty string and the empty
 * array count as empty.
 */
export function isEmptyValue(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    value === '' ||
    (Array.isArray(value) && value.length === 0)
  );
}

function resolveValidSpec(spec: ValueSpec, context: EventContext, location: string): unknown {
  if (typeof spec === 'string') {
    return copyValue(lookupPath(context, parsePath(spec)), location);
  }

  switch (specForm(spec)) {
    case 'literal':
      return copyValue((spec as LiteralSpec).literal, location);
    case 'path':
      return resolvePathSpec(spec as PathSpec, context, location);
    case 'first_of':
      return resolveFirstOf(spec as FirstOfSpec, context, location);
    case 'template':
      return resolveTemplate(spec as TemplateSpec, context, location);
    case 'object':
      return resolveObject(spec as ObjectSpec, context, location);
    case 'find':
      return resolveFind(spec as FindSpec, context, location);
  }
}

/**
 * Copies a resolved value. A value that cloneValue rejects becomes a ValueSpecError at `location`.
 */
function copyValue(value: unknown, location: string): unknown {
  try {
    return cloneValue(value);
  } catch (error) {
    if (error instanceof EventValueError) {
      throw new ValueSpecError(`${location}: ${error.message}`);
    }
    throw error;
  }
}

function resolvePathSpec(spec: PathSpec, context: EventContext, location: string): unknown {
  const value = lookupPath(context, parsePath(spec.path));
  return copyValue(value === undefined ? spec.default : value, location);
}

function resolveFirstOf(spec: FirstOfSpec, context: EventContext, location: string): unknown {
  for (const [index, entry] of spec.first_of.entries()) {
    const value = resolveValidSpec(entry, context, `${location}.first_of[${index}]`);
    if (!isEmptyValue(value)) {
      return value;
    }
  }
  return undefined;
}

/**
 * Builds the template string. Strings are inserted as they are, and numbers and booleans as
 * `String(value)`. Undefined and null count as missing. Objects and arrays raise ValueSpecError
 * because they have no single text form.
 */
function resolveTemplate(spec: TemplateSpec, context: EventContext, location: string): unknown {
  let text = '';
  let missing = false;
  for (const part of parseTemplate(spec.template)) {
    if (part.type === 'text') {
      text += part.text;
      continue;
    }

    const value = lookupPath(context, part.segments);
    if (value === undefined || value === null) {
      missing = true;
    } else if (typeof value === 'object') {
      const kind = Array.isArray(value) ? 'an array' : 'an object';
      throw new ValueSpecError(
        `${location}.template: the placeholder {{ ${part.path} }} resolved to ${kind}, but templates accept only strings, numbers and booleans. Select a field inside it.`,
      );
    } else {
      text += String(value);
    }
  }

  if (spec.missing === 'empty') {
    return text.trim().replace(/ {2,}/g, ' ');
  }
  return missing ? undefined : text;
}

function resolveObject(spec: ObjectSpec, context: EventContext, location: string): unknown {
  const result: Record<string, unknown> = {};
  for (const [key, fieldSpec] of Object.entries(spec.object)) {
    // Validation rejects the key __proto__, so each assignment creates an own property.
    const value = resolveValidSpec(fieldSpec, context, appendKey(`${location}.object`, key));
    if (value !== undefined) {
      result[key] = value;
    }
  }
  return result;
}

function resolveFind(spec: FindSpec, context: EventContext, location: string): unknown {
  const list = lookupPath(context, parsePath(spec.find));
  if (!Array.isArray(list)) {
    return undefined;
  }

  const conditions = Object.entries(spec.where ?? {});
  const match: unknown = list.find((element) => matchesWhere(element, conditions));
  if (match === undefined) {
    return undefined;
  }

  const selected =
    spec.select === undefined ? match : readPath(match, parseRelativePath(spec.select));
  return copyValue(selected, location);
}

function matchesWhere(element: unknown, conditions: [string, unknown][]): boolean {
  if (conditions.length === 0) {
    return true;
  }
  if (!isPlainRecord(element)) {
    return false;
  }
  return conditions.every(
    ([key, expected]) => Object.hasOwn(element, key) && element[key] === expected,
  );
}

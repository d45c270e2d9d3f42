import { z } from 'zod';
import {
  lookupPath,
  MAX_VALUE_DEPTH,
  nestsDeeperThan,
  parsePath,
  type EventContext,
} from './path.js';

/** Maximum nesting of a condition's `value`; the same limit applies to literal specs. */
const MAX_CONDITION_VALUE_DEPTH = 32;

const OPERATORS = [
  'equal_to',
  'not_equal_to',
  'exists',
  'not_exists',
  'is_in',
  'not_in',
  'contains',
  'greater_than',
  'less_than',
] as const;

/**
 * A test on one event path. Mapping conditions let a mapping run only for some events of a type,
 * for example subscribing a directory user to their organization only when the role is admin.
 */
export const conditionSchema = z
  .object({
    path: z.string().superRefine((path, ctx) => {
      try {
        parsePath(path);
      } catch (error) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: (error as Error).message });
      }
    }),
    operator: z.enum(OPERATORS),
    value: z.unknown().optional(),
  })
  .strict()
  .superRefine((condition, ctx) => {
    if (nestsDeeperThan(condition.value, MAX_CONDITION_VALUE_DEPTH)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `the value is nested more than ${MAX_CONDITION_VALUE_DEPTH} levels deep`,
        path: ['value'],
      });
    }
    const needsValue = condition.operator !== 'exists' && condition.operator !== 'not_exists';
    if (needsValue && condition.value === undefined) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `operator "${condition.operator}" needs a value`,
        path: ['value'],
      });
    }
    if (
      (condition.operator === 'is_in' || condition.operator === 'not_in') &&
      !Array.isArray(condition.value)
    ) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `operator "${condition.operator}" needs an array value`,
        path: ['value'],
      });
    }
  });

export type Condition = z.infer<typeof conditionSchema>;
export const conditionsSchema = z.array(conditionSchema).max(20);

/**
 * Returns whether every condition holds for the event; an empty list always holds. Conditions only
 * read the event, so values are compared in place without copying them.
 */
export function conditionsHold(conditions: readonly Condition[], context: EventContext): boolean {
  return conditions.every((condition) =>
    conditionHolds(condition, lookupPath(context, parsePath(condition.path))),
  );
}

function conditionHolds(condition: Condition, actual: unknown): boolean {
  const expected = condition.value;
  switch (condition.operator) {
    case 'equal_to':
      return isEqual(actual, expected);
    case 'not_equal_to':
      return !isEqual(actual, expected);
    case 'exists':
      return actual !== undefined && actual !== null;
    case 'not_exists':
      return actual === undefined || actual === null;
    case 'is_in':
      return (expected as unknown[]).some((candidate) => isEqual(actual, candidate));
    case 'not_in':
      return !(expected as unknown[]).some((candidate) => isEqual(actual, candidate));
    case 'contains':
      if (typeof actual === 'string')
        return typeof expected === 'string' && actual.includes(expected);
      return Array.isArray(actual) && actual.some((item) => isEqual(item, expected));
    case 'greater_than':
      return compare(actual, expected) > 0;
    case 'less_than':
      return compare(actual, expected) < 0;
  }
}

// A condition value nests at most MAX_CONDITION_VALUE_DEPTH levels, so an event value nested
// deeper never equals it. The check keeps JSON.stringify off values deep enough to overflow.
function isEqual(left: unknown, right: unknown): boolean {
  if (nestsDeeperThan(left, MAX_VALUE_DEPTH) || nestsDeeperThan(right, MAX_VALUE_DEPTH)) {
    return false;
  }
  return JSON.stringify(left) === JSON.stringify(right);
}

// Numbers compare numerically and strings lexically (ISO-8601 times sort correctly as strings);
// mixed or missing values never satisfy an ordering condition.
function compare(left: unknown, right: unknown): number {
  if (typeof left === 'number' && typeof right === 'number') return left - right;
  if (typeof left !== 'string' || typeof right !== 'string') return Number.NaN;
  if (left === right) return 0;
  return left < right ? -1 : 1;
}

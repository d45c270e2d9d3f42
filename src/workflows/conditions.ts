import { isDeepStrictEqual } from 'node:util';
import type { Branch, Condition } from './definition.js';
import { readRunPath, type RunPathScope } from './run-path.js';

/** Returns the index of the first branch whose conditions match, or undefined when none does. */
export function chooseBranch(branches: readonly Branch[], scope: RunPathScope): number | undefined {
  const index = branches.findIndex((branch) => branchMatches(branch, scope));
  return index === -1 ? undefined : index;
}

export function branchMatches(branch: Branch, scope: RunPathScope): boolean {
  const results = branch.conditions.map((condition) => conditionHolds(condition, scope));
  return branch.match === 'any' ? results.some(Boolean) : results.every(Boolean);
}

/**
 * Evaluates one condition against the value at its path. A missing value or mismatched types
 * make a comparison false, so `not_equal_to`, `not_contains` and `not_exists` hold for them.
 */
export function conditionHolds(condition: Condition, scope: RunPathScope): boolean {
  const actual = readRunPath(scope, condition.path);
  const expected = condition.value;

  switch (condition.operator) {
    case 'equal_to':
      return valuesEqual(actual, expected);
    case 'not_equal_to':
      return !valuesEqual(actual, expected);
    case 'greater_than':
      return compare(actual, expected) > 0;
    case 'less_than':
      return compare(actual, expected) < 0;
    case 'contains':
      return contains(actual, expected);
    case 'not_contains':
      return !contains(actual, expected);
    case 'exists':
      return actual !== undefined && actual !== null;
    case 'not_exists':
      return actual === undefined || actual === null;
    case 'is_in':
      return contains(expected, actual);
  }
}

/**
 * Compares JSON values. A number and a numeric string are equal when their numbers are, because
 * trigger data from webhooks often carries numbers as strings.
 */
function valuesEqual(actual: unknown, expected: unknown): boolean {
  const actualNumber = asNumber(actual);
  const expectedNumber = asNumber(expected);
  if (
    typeof actual !== typeof expected &&
    actualNumber !== undefined &&
    expectedNumber !== undefined
  ) {
    return actualNumber === expectedNumber;
  }
  return isDeepStrictEqual(actual, expected);
}

/**
 * Orders numbers (or numeric strings) numerically and other strings by code unit, so ISO-8601
 * UTC times order by time. Returns NaN, which fails both `>` and `<`, for anything else.
 */
function compare(actual: unknown, expected: unknown): number {
  const actualNumber = asNumber(actual);
  const expectedNumber = asNumber(expected);
  if (actualNumber !== undefined && expectedNumber !== undefined)
    return actualNumber - expectedNumber;
  if (typeof actual === 'string' && typeof expected === 'string') {
    if (actual === expected) return 0;
    return actual < expected ? -1 : 1;
  }
  return Number.NaN;
}

/** Returns whether an array has an element equal to `item`, or a string contains `item` as a substring. */
function contains(container: unknown, item: unknown): boolean {
  if (Array.isArray(container)) return container.some((element) => valuesEqual(element, item));
  if (typeof container === 'string' && (typeof item === 'string' || typeof item === 'number')) {
    return container.includes(String(item));
  }
  return false;
}

function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  return undefined;
}

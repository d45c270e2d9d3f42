import { parseRelativePath, PathSyntaxError, readPath } from '../map/path.js';

/** Roots a workflow path may start with: trigger data, the recipient, the actor and the tenant. */
export const RUN_PATH_ROOTS = ['data', 'recipient', 'actor', 'tenant'] as const;
export type RunPathRoot = (typeof RUN_PATH_ROOTS)[number];

/** The values a workflow path reads, keyed by root. */
export type RunPathScope = Partial<Record<RunPathRoot, unknown>>;

/**
 * Checks a path such as `data.organization_id` or `recipient.properties.plan`. Returns an error
 * message, or undefined when the path is valid and starts with one of `roots`.
 */
export function checkRunPath(
  path: string,
  roots: readonly RunPathRoot[] = RUN_PATH_ROOTS,
): string | undefined {
  try {
    const [root] = parseRelativePath(path);
    if (root?.type !== 'key' || !(roots as readonly string[]).includes(root.key)) {
      return `path "${path}" must start with ${roots.map((name) => `"${name}."`).join(', ')}`;
    }
    return undefined;
  } catch (error) {
    if (error instanceof PathSyntaxError) return error.message;
    throw error;
  }
}

/** Returns the value at `path` in `scope`, or undefined when any segment is missing. */
export function readRunPath(scope: RunPathScope, path: string): unknown {
  const [root, ...rest] = parseRelativePath(path);
  if (root?.type !== 'key' || !Object.hasOwn(scope, root.key)) return undefined;
  return readPath(scope[root.key as RunPathRoot], rest);
}

import type { Step } from './definition.js';

/**
 * The position of a run's next step in the step tree, as indexes. `[2]` is the third top-level
 * step. Inside a branch the cursor grows by two: `[2, 1, 0]` is the first step of branch 1 of
 * step 2, and branch index -1 stands for the step's `default_steps`.
 */
export type Cursor = readonly number[];

export const DEFAULT_BRANCH = -1;

export const START: Cursor = [0];

/** Returns the step at `cursor`, or undefined when the run has passed its last step. */
export function stepAt(steps: readonly Step[], cursor: Cursor): Step | undefined {
  const list = listAt(steps, cursor.slice(0, -1));
  return list[cursor[cursor.length - 1]!];
}

/** Moves past the step at `cursor`, leaving finished branches for the step after the branch. */
export function advance(steps: readonly Step[], cursor: Cursor): Cursor {
  const next = [...cursor];
  next[next.length - 1]! += 1;
  return settle(steps, next);
}

/** Moves into branch `branchIndex` (or DEFAULT_BRANCH) of the branch step at `cursor`. */
export function enterBranch(steps: readonly Step[], cursor: Cursor, branchIndex: number): Cursor {
  return settle(steps, [...cursor, branchIndex, 0]);
}

/** Pops out of every branch whose steps are all done, so the cursor names a step or the end. */
function settle(steps: readonly Step[], cursor: number[]): Cursor {
  let current = cursor;
  while (current.length > 1) {
    const list = listAt(steps, current.slice(0, -1));
    if (current[current.length - 1]! < list.length) break;
    const parent = current.slice(0, -3);
    current = [...parent, current[current.length - 3]! + 1];
  }
  return current;
}

/** Returns the step list that the indexes `prefix` (step, branch, step, branch, ...) lead to. */
function listAt(steps: readonly Step[], prefix: readonly number[]): readonly Step[] {
  let list = steps;
  for (let depth = 0; depth < prefix.length; depth += 2) {
    const step = list[prefix[depth]!];
    const branchIndex = prefix[depth + 1]!;
    if (step?.type !== 'branch') {
      throw new Error(`Cursor ${JSON.stringify(prefix)} does not point into a branch step`);
    }
    list =
      branchIndex === DEFAULT_BRANCH
        ? (step.default_steps ?? [])
        : (step.branches[branchIndex]?.steps ?? []);
  }
  return list;
}

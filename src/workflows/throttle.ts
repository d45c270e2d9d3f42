import type { ExpressionBuilder } from 'kysely';
import type { Tx } from '../db/database.js';
import type { Database } from '../db/schema.js';
import type { ThrottleStep } from './definition.js';
import { durationMs } from './duration.js';
import type { RunRow } from './run-store.js';

export interface ThrottleDecision {
  allowed: boolean;
  /** Runs that reached the step in the current window, this one included. */
  count: number;
  windowStartedAt: string;
}

/**
 * Counts a run against a throttle step. Windows are fixed: the first run after a window ended
 * starts a new one at its own time. Runs beyond `limit` in a window are not allowed. The counter
 * is one row updated by a single statement, so concurrent runs cannot both take the last place.
 */
export async function passThrottle(
  tx: Tx,
  run: RunRow,
  step: ThrottleStep,
  keyValue: unknown,
  now: Date,
): Promise<ThrottleDecision> {
  const nowIso = now.toISOString();
  const windowStart = new Date(now.getTime() - durationMs(step.window)).toISOString();
  const throttleKey = [
    run.environment,
    run.workflow_key,
    step.ref,
    JSON.stringify(keyValue ?? null),
  ].join('\n');

  await tx
    .insertInto('workflow_throttles')
    .values({
      throttle_key: throttleKey,
      environment: run.environment,
      workflow_key: run.workflow_key,
      step_ref: step.ref,
      window_started_at: nowIso,
      count: 0,
      updated_at: nowIso,
    })
    .onConflict((conflict) => conflict.column('throttle_key').doNothing())
    .execute();

  // Both SET expressions read the row as it was before the update, on SQLite and PostgreSQL.
  const expired = (eb: ExpressionBuilder<Database, 'workflow_throttles'>) =>
    eb('window_started_at', '<=', windowStart);
  const row = await tx
    .updateTable('workflow_throttles')
    .set((eb) => ({
      window_started_at: eb
        .case()
        .when(expired(eb))
        .then(nowIso)
        .else(eb.ref('window_started_at'))
        .end(),
      count: eb
        .case()
        .when(expired(eb))
        .then(1)
        .else(eb('count', '+', 1))
        .end(),
      updated_at: nowIso,
    }))
    .where('throttle_key', '=', throttleKey)
    .returning(['count', 'window_started_at'])
    .executeTakeFirstOrThrow();

  const count = Number(row.count);
  return { allowed: count <= step.limit, count, windowStartedAt: row.window_started_at };
}

import { z } from 'zod';
import { inTransaction } from '../data/index.js';
import type { Db, Tx } from '../db/database.js';
import { InletError } from '../errors.js';
import type { EngineContext } from './context.js';
import { ACTIVE_RUN_STATUSES } from './run-store.js';
import { USERS_COLLECTION } from './trigger-input.js';

export interface CancelInput {
  cancellation_key: string;
  /** Only cancel the runs of these recipients: user ids, `{id}` users or `{collection, id}` objects. */
  recipients?: unknown[];
}

export interface CancelResult {
  cancelled_run_ids: string[];
}

const cancelSchema = z
  .object({
    cancellation_key: z.string().min(1).max(255),
    recipients: z.array(z.unknown()).min(1).max(1000).optional(),
  })
  .strict();

/**
 * Cancels the active runs of a workflow that were triggered with `cancellation_key`: runs waiting
 * in a delay or batch, and runs queued or between steps. A run stops before its next step. A run
 * cancelled inside an open batch is left out of the batch's items.
 */
export async function cancelRuns(
  engine: EngineContext,
  exec: Db | Tx,
  environment: string,
  workflowKey: string,
  input: unknown,
): Promise<CancelResult> {
  const parsed = cancelSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`,
    );
    throw new InletError('validation_failed', `Invalid cancel request: ${problems.join('; ')}`);
  }
  await engine.workflows.get(workflowKey, exec);
  const recipientIds =
    parsed.data.recipients === undefined
      ? undefined
      : await recipientIdsOf(engine, exec, environment, parsed.data.recipients);
  if (recipientIds?.length === 0) return { cancelled_run_ids: [] };

  const cancelled = await inTransaction(exec, async (tx) => {
    const now = engine.clock().toISOString();
    const runs = await tx
      .selectFrom('workflow_runs')
      .select(['id', 'wait_job_id'])
      .where('environment', '=', environment)
      .where('workflow_key', '=', workflowKey)
      .where('cancellation_key', '=', parsed.data.cancellation_key)
      .where('status', 'in', ACTIVE_RUN_STATUSES)
      .orderBy('id')
      .$if(recipientIds !== undefined, (q) => q.where('recipient_id', 'in', recipientIds!))
      .$if(engine.kind === 'postgres', (q) => q.forUpdate())
      .execute();
    const ids = runs.map((run) => run.id);

    for (let start = 0; start < ids.length; start += 500) {
      await tx
        .updateTable('workflow_runs')
        .set({
          status: 'cancelled',
          wait_kind: null,
          wait_job_id: null,
          waiting_until: null,
          updated_at: now,
          finished_at: now,
        })
        .where('id', 'in', ids.slice(start, start + 500))
        .execute();
    }
    await engine.runs.finishWaitingSteps(tx, ids, 'cancelled', now);
    const jobIds = runs.map((run) => run.wait_job_id).filter((id): id is string => id !== null);
    await engine.queue.cancelPending(tx, jobIds);
    return ids;
  });

  engine.log.info(
    {
      workflow: workflowKey,
      environment,
      cancellationKey: parsed.data.cancellation_key,
      runs: cancelled.length,
    },
    'workflow runs cancelled',
  );
  return { cancelled_run_ids: cancelled };
}

/** Resolves cancel recipients to user ids; objects stand for their current subscribers. */
async function recipientIdsOf(
  engine: EngineContext,
  exec: Db | Tx,
  environment: string,
  recipients: unknown[],
): Promise<string[]> {
  const ids = new Set<string>();
  for (const [index, recipient] of recipients.entries()) {
    if (typeof recipient === 'string') {
      ids.add(recipient);
      continue;
    }
    const record =
      typeof recipient === 'object' && recipient !== null
        ? (recipient as Record<string, unknown>)
        : {};
    if (typeof record.id !== 'string') {
      throw new InletError(
        'validation_failed',
        `Invalid cancel request: recipients[${index}] must be a user id, a user object with a string "id", or an object reference {"collection", "id"}.`,
      );
    }
    if (record.collection === undefined || record.collection === USERS_COLLECTION) {
      ids.add(record.id);
    } else {
      const subscribers = await engine.directory.subscribersOf(
        exec,
        environment,
        String(record.collection),
        record.id,
      );
      for (const subscriber of subscribers ?? []) ids.add(subscriber.user_id);
    }
  }
  return [...ids];
}

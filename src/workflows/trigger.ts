import type { Insertable } from 'kysely';
import type { Db, Tx } from '../db/database.js';
import { InletError } from '../errors.js';
import { newId } from '../ids.js';
import type { Logger } from '../logger.js';
import type { JobQueue } from '../queue/job-queue.js';
import { START } from './cursor.js';
import { JOB_KINDS, type StepJobPayload } from './jobs.js';
import type { InlineUser, RecipientDirectory } from './recipients.js';
import type { WorkflowRunsTable } from './tables.js';
import {
  assertRecipientCount,
  fingerprintTrigger,
  parseTriggerInput,
  type ParsedTrigger,
} from './trigger-input.js';
import type { WorkflowStore, WorkflowVersion } from './workflow-store.js';

export interface TriggerOptions {
  /** Same key and same body within 24 hours return the first response without new runs. */
  idempotencyKey?: string;
  /** The source event whose action mapping triggered the workflow, for traceability. */
  sourceEventId?: string;
  /** The action log entry of that mapping. */
  actionLogId?: string;
}

export interface SkippedRecipient {
  recipient: string | { collection: string; id: string };
  reason: 'user_not_found' | 'object_not_found';
}

export interface TriggerResult {
  workflow_run_ids: string[];
  /** Recipients that got no run: users never identified (or deleted) and unknown objects. */
  skipped_recipients: SkippedRecipient[];
}

/** How long a trigger's Idempotency-Key and its response are kept. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;
const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

interface Target {
  subscription?: Record<string, unknown>;
}

/** Starts workflow runs: one per recipient, each with a queued job that runs its first step. */
export class TriggerService {
  constructor(
    private readonly deps: {
      workflows: WorkflowStore;
      directory: RecipientDirectory;
      queue: JobQueue;
      clock: () => Date;
      log: Logger;
    },
  ) {}

  /**
   * Triggers workflow `key` for every recipient of `input`. Runs and their jobs are written with
   * `exec`, so they commit with the caller's transaction; the caller wakes the worker afterwards.
   * Throws InletError: `validation_failed`, `workflow_not_found`, `workflow_inactive`,
   * `too_many_recipients` and `idempotency_conflict`.
   */
  async trigger(
    exec: Db | Tx,
    environment: string,
    key: string,
    input: unknown,
    options: TriggerOptions = {},
  ): Promise<TriggerResult> {
    const idempotency =
      options.idempotencyKey === undefined
        ? undefined
        : { key: options.idempotencyKey, fingerprint: fingerprintTrigger(key, input) };
    if (idempotency !== undefined) {
      assertIdempotencyKey(idempotency.key);
      const previous = await this.findResponse(
        exec,
        environment,
        idempotency.key,
        idempotency.fingerprint,
      );
      if (previous !== undefined) return previous;
    }

    // Every check that can reject the trigger runs before the key is claimed, so a rejected
    // trigger leaves no key behind even when the caller commits its transaction anyway.
    const parsed = parseTriggerInput(input);
    const workflow = await this.deps.workflows.findTriggerable(exec, key);
    const fanOut = await this.fanOut(exec, environment, parsed);
    if (idempotency !== undefined) {
      const previous = await this.claimKey(
        exec,
        environment,
        idempotency.key,
        idempotency.fingerprint,
      );
      if (previous !== undefined) return previous;
    }

    const result = await this.createRuns(exec, environment, workflow, parsed, fanOut, options);
    if (idempotency !== undefined) {
      await exec
        .updateTable('workflow_idempotency_keys')
        .set({ response: JSON.stringify(result) })
        .where('environment', '=', environment)
        .where('idempotency_key', '=', idempotency.key)
        .execute();
    }
    return result;
  }

  /** Deletes stored trigger responses older than the idempotency window; returns how many. */
  async deleteExpiredIdempotencyKeys(exec: Db | Tx): Promise<number> {
    const result = await exec
      .deleteFrom('workflow_idempotency_keys')
      .where('expires_at', '<=', this.deps.clock().toISOString())
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  private async createRuns(
    exec: Db | Tx,
    environment: string,
    workflow: WorkflowVersion,
    trigger: ParsedTrigger,
    { targets, skipped }: { targets: Map<string, Target>; skipped: SkippedRecipient[] },
    options: TriggerOptions,
  ): Promise<TriggerResult> {
    // An operator's trigger may bring a deleted user back, like PUT /v1/users does. A source
    // event's trigger may not, so that a late event cannot undo a deletion.
    await this.identifyInlineUsers(exec, environment, trigger, options.sourceEventId === undefined);
    const known = await this.deps.directory.findUsers(exec, environment, [...targets.keys()]);
    for (const id of targets.keys()) {
      if (!known.has(id)) {
        targets.delete(id);
        skipped.push({ recipient: id, reason: 'user_not_found' });
      }
    }

    const now = this.deps.clock().toISOString();
    const triggerId = newId('trg');
    const rows: Insertable<WorkflowRunsTable>[] = [...targets].map(([recipientId, target]) => ({
      id: newId('run'),
      environment,
      workflow_key: workflow.key,
      workflow_version: workflow.version,
      trigger_id: triggerId,
      recipient_id: recipientId,
      subscription: target.subscription === undefined ? null : JSON.stringify(target.subscription),
      actor:
        trigger.actor === null
          ? null
          : JSON.stringify(trigger.actor.inline ?? { id: trigger.actor.id }),
      tenant: trigger.tenant === null ? null : JSON.stringify(trigger.tenant),
      data: JSON.stringify(trigger.data),
      cancellation_key: trigger.cancellationKey,
      status: 'queued',
      cursor: JSON.stringify(START),
      wait_kind: null,
      wait_job_id: null,
      waiting_until: null,
      batch_id: null,
      batched_into_run_id: null,
      source_event_id: options.sourceEventId ?? null,
      action_log_id: options.actionLogId ?? null,
      error_code: null,
      error_message: null,
      created_at: now,
      updated_at: now,
      finished_at: null,
    }));

    for (let start = 0; start < rows.length; start += 50) {
      await exec
        .insertInto('workflow_runs')
        .values(rows.slice(start, start + 50))
        .execute();
    }
    for (const row of rows) {
      const payload: StepJobPayload = { runId: row.id };
      await this.deps.queue.enqueue(exec, { kind: JOB_KINDS.step, payload });
    }

    this.deps.log.debug(
      {
        workflow: workflow.key,
        environment,
        triggerId,
        runs: rows.length,
        skipped: skipped.length,
        sourceEventId: options.sourceEventId,
      },
      'workflow triggered',
    );
    return { workflow_run_ids: rows.map((row) => row.id), skipped_recipients: skipped };
  }

  /**
   * Expands recipients into user ids, replacing each object by its subscribers. A user reached
   * twice gets one run; the first way it was reached decides its subscription properties.
   */
  private async fanOut(exec: Db | Tx, environment: string, trigger: ParsedTrigger) {
    const targets = new Map<string, Target>();
    const skipped: SkippedRecipient[] = [];

    for (const recipient of trigger.recipients) {
      if (recipient.kind === 'user') {
        if (!targets.has(recipient.id)) targets.set(recipient.id, {});
        continue;
      }
      const subscribers = await this.deps.directory.subscribersOf(
        exec,
        environment,
        recipient.collection,
        recipient.id,
      );
      if (subscribers === undefined) {
        skipped.push({
          recipient: { collection: recipient.collection, id: recipient.id },
          reason: 'object_not_found',
        });
        continue;
      }
      for (const subscriber of subscribers) {
        if (!targets.has(subscriber.user_id)) {
          targets.set(subscriber.user_id, { subscription: subscriber.properties });
        }
      }
      assertRecipientCount(targets.size);
    }
    return { targets, skipped };
  }

  private async identifyInlineUsers(
    exec: Db | Tx,
    environment: string,
    trigger: ParsedTrigger,
    revive: boolean,
  ): Promise<void> {
    const inline: InlineUser[] = [];
    for (const recipient of trigger.recipients) {
      if (recipient.kind === 'user' && recipient.inline !== undefined) {
        inline.push(recipient.inline);
      }
    }
    if (trigger.actor?.inline !== undefined) inline.push(trigger.actor.inline);
    for (const user of inline) {
      await this.deps.directory.identifyUser(exec, environment, user, revive);
    }
  }

  /** Returns the stored response for a key used within the window, or undefined when unused. */
  private async findResponse(
    exec: Db | Tx,
    environment: string,
    key: string,
    fingerprint: string,
  ): Promise<TriggerResult | undefined> {
    const row = await exec
      .selectFrom('workflow_idempotency_keys')
      .selectAll()
      .where('environment', '=', environment)
      .where('idempotency_key', '=', key)
      .where('expires_at', '>', this.deps.clock().toISOString())
      .executeTakeFirst();
    if (row === undefined) return undefined;
    if (row.fingerprint !== fingerprint) throw idempotencyConflict(key);
    // A null response means a transaction committed the key without the runs, which happens
    // only when a caller swallowed an error. The key then counts as unused.
    return (JSON.parse(row.response) as TriggerResult | null) ?? undefined;
  }

  /**
   * Reserves the key for this request. On PostgreSQL a concurrent request with the same key waits
   * on the insert until the first commits, and then reads its response.
   */
  private async claimKey(
    exec: Db | Tx,
    environment: string,
    key: string,
    fingerprint: string,
  ): Promise<TriggerResult | undefined> {
    const now = this.deps.clock();
    await exec
      .deleteFrom('workflow_idempotency_keys')
      .where('environment', '=', environment)
      .where('idempotency_key', '=', key)
      .where('expires_at', '<=', now.toISOString())
      .execute();
    const inserted = await exec
      .insertInto('workflow_idempotency_keys')
      .values({
        environment,
        idempotency_key: key,
        fingerprint,
        response: 'null',
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + IDEMPOTENCY_WINDOW_MS).toISOString(),
      })
      .onConflict((conflict) => conflict.columns(['environment', 'idempotency_key']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0) return undefined;
    return this.findResponse(exec, environment, key, fingerprint);
  }
}

function assertIdempotencyKey(key: string): void {
  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw new InletError(
      'validation_failed',
      `The Idempotency-Key header must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters long; got ${key.length}.`,
    );
  }
}

function idempotencyConflict(key: string): InletError {
  return new InletError(
    'idempotency_conflict',
    `Idempotency-Key "${key}" was already used with a different request in the last 24 hours; use a new key for a different request.`,
  );
}

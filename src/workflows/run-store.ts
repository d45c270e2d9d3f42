import type { Selectable } from 'kysely';
import type { Db, DatabaseKind, Tx } from '../db/database.js';
import { InletError, notFound } from '../errors.js';
import { newId } from '../ids.js';
import { decodeCursor, encodeCursor, pageLimit, type Page } from './pagination.js';
import type { WorkflowRunsTable, WorkflowRunStepsTable } from './tables.js';

/**
 * Run statuses. `queued`, `running` and `waiting` (in a delay or batch) are active; the others are
 * final. `batched` runs had their batch delivered by another run, named in `batched_into_run_id`.
 */
export const RUN_STATUSES = [
  'queued',
  'running',
  'waiting',
  'completed',
  'cancelled',
  'throttled',
  'batched',
  'failed',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const ACTIVE_RUN_STATUSES: readonly RunStatus[] = ['queued', 'running', 'waiting'];

export type StepStatus =
  'completed' | 'waiting' | 'skipped' | 'throttled' | 'batched' | 'cancelled';

export type RunRow = Selectable<WorkflowRunsTable>;
export type StepRow = Selectable<WorkflowRunStepsTable>;

export interface StepView {
  ref: string;
  type: string;
  status: string;
  detail: Record<string, unknown>;
  started_at: string;
  finished_at: string | null;
}

export interface RunSummary {
  id: string;
  environment: string;
  workflow: string;
  workflow_version: number;
  trigger_id: string;
  recipient_id: string;
  status: string;
  cancellation_key: string | null;
  batch_id: string | null;
  batched_into_run_id: string | null;
  waiting_until: string | null;
  source_event_id: string | null;
  action_log_id: string | null;
  error: { code: string; message: string | null } | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

export interface RunDetail extends RunSummary {
  data: unknown;
  actor: unknown;
  tenant: unknown;
  subscription: unknown;
  steps: StepView[];
}

export interface RunFilters {
  workflow?: string;
  recipient?: string;
  status?: string;
  source_event_id?: string;
  action_log_id?: string;
  trigger_id?: string;
  after?: string;
  limit?: number;
}

/** Reads and locks run rows and records their steps. */
export class RunStore {
  constructor(
    private readonly db: Db,
    private readonly kind: DatabaseKind,
  ) {}

  /** Reads a run and, on PostgreSQL, locks it until `tx` ends so steps of one run never overlap. */
  async lock(tx: Tx, runId: string): Promise<RunRow | undefined> {
    return tx
      .selectFrom('workflow_runs')
      .selectAll()
      .where('id', '=', runId)
      .$if(this.kind === 'postgres', (query) => query.forUpdate())
      .executeTakeFirst();
  }

  async update(tx: Tx, runId: string, changes: Partial<RunRow>): Promise<void> {
    await tx.updateTable('workflow_runs').set(changes).where('id', '=', runId).execute();
  }

  async recordStep(
    tx: Tx,
    runId: string,
    step: { ref: string; type: string },
    status: StepStatus,
    detail: Record<string, unknown>,
    now: string,
  ): Promise<void> {
    await tx
      .insertInto('workflow_run_steps')
      .values({
        id: newId('step'),
        run_id: runId,
        ref: step.ref,
        type: step.type,
        status,
        detail: JSON.stringify(detail),
        started_at: now,
        finished_at: status === 'waiting' ? null : now,
      })
      .execute();
  }

  /** Finishes the step records of `runIds` that still wait at `ref` (or at any step when omitted). */
  async finishWaitingSteps(
    tx: Tx,
    runIds: readonly string[],
    status: StepStatus,
    now: string,
    options: { ref?: string; detail?: Record<string, unknown> } = {},
  ): Promise<void> {
    for (let start = 0; start < runIds.length; start += 500) {
      await tx
        .updateTable('workflow_run_steps')
        .set({
          status,
          finished_at: now,
          ...(options.detail === undefined ? {} : { detail: JSON.stringify(options.detail) }),
        })
        .where('run_id', 'in', runIds.slice(start, start + 500))
        .where('status', '=', 'waiting')
        .$if(options.ref !== undefined, (query) => query.where('ref', '=', options.ref!))
        .execute();
    }
  }

  async get(environment: string, runId: string): Promise<RunDetail> {
    const row = await this.db
      .selectFrom('workflow_runs')
      .selectAll()
      .where('environment', '=', environment)
      .where('id', '=', runId)
      .executeTakeFirst();
    if (row === undefined)
      throw notFound(`Workflow run "${runId}" in environment "${environment}"`);

    const steps = await this.db
      .selectFrom('workflow_run_steps')
      .selectAll()
      .where('run_id', '=', runId)
      .orderBy('started_at')
      .orderBy('id')
      .execute();
    return {
      ...summarizeRun(row),
      data: JSON.parse(row.data) as unknown,
      actor: parseNullable(row.actor),
      tenant: parseNullable(row.tenant),
      subscription: parseNullable(row.subscription),
      steps: steps.map(toStepView),
    };
  }

  /** Lists runs newest first, keyset-paginated by id. */
  async list(environment: string, filters: RunFilters): Promise<Page<RunSummary>> {
    const limit = pageLimit(filters.limit);
    if (
      filters.status !== undefined &&
      !(RUN_STATUSES as readonly string[]).includes(filters.status)
    ) {
      throw new InletError(
        'validation_failed',
        `Run status "${filters.status}" is invalid; use one of ${RUN_STATUSES.join(', ')}.`,
      );
    }
    const rows = await this.db
      .selectFrom('workflow_runs')
      .selectAll()
      .where('environment', '=', environment)
      .$if(filters.workflow !== undefined, (q) => q.where('workflow_key', '=', filters.workflow!))
      .$if(filters.recipient !== undefined, (q) => q.where('recipient_id', '=', filters.recipient!))
      .$if(filters.status !== undefined, (q) => q.where('status', '=', filters.status!))
      .$if(filters.source_event_id !== undefined, (q) =>
        q.where('source_event_id', '=', filters.source_event_id!),
      )
      .$if(filters.action_log_id !== undefined, (q) =>
        q.where('action_log_id', '=', filters.action_log_id!),
      )
      .$if(filters.trigger_id !== undefined, (q) => q.where('trigger_id', '=', filters.trigger_id!))
      .$if(filters.after !== undefined, (q) => q.where('id', '<', decodeCursor(filters.after!)))
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();

    const data = rows.slice(0, limit).map(summarizeRun);
    const next = rows.length > limit ? encodeCursor(data[data.length - 1]!.id) : null;
    return { data, next_cursor: next };
  }
}

export function summarizeRun(row: RunRow): RunSummary {
  return {
    id: row.id,
    environment: row.environment,
    workflow: row.workflow_key,
    workflow_version: Number(row.workflow_version),
    trigger_id: row.trigger_id,
    recipient_id: row.recipient_id,
    status: row.status,
    cancellation_key: row.cancellation_key,
    batch_id: row.batch_id,
    batched_into_run_id: row.batched_into_run_id,
    waiting_until: row.waiting_until,
    source_event_id: row.source_event_id,
    action_log_id: row.action_log_id,
    error: row.error_code === null ? null : { code: row.error_code, message: row.error_message },
    created_at: row.created_at,
    updated_at: row.updated_at,
    finished_at: row.finished_at,
  };
}

function toStepView(row: StepRow): StepView {
  return {
    ref: row.ref,
    type: row.type,
    status: row.status,
    detail: JSON.parse(row.detail) as Record<string, unknown>,
    started_at: row.started_at,
    finished_at: row.finished_at,
  };
}

function parseNullable(text: string | null): unknown {
  return text === null ? null : (JSON.parse(text) as unknown);
}

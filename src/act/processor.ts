import { performance } from 'node:perf_hooks';
import type { ZodIssue } from 'zod';
import type { Db, Tx } from '../db/database.js';
import type { EventRow, JobRow } from '../db/schema.js';
import { InletError } from '../errors.js';
import { newId } from '../ids.js';
import type { Logger } from '../logger.js';
import { conditionsHold } from '../map/conditions.js';
import type { MappingService, MappingView } from '../map/mapping-service.js';
import type { EventContext } from '../map/path.js';
import { resolveParameters } from '../map/resolve.js';
import type { JobQueue } from '../queue/job-queue.js';
import type { EventStatus } from '../record/event-store.js';
import type { ActionServices } from './action-services.js';
import { saveActionLog, type ActionLogRow, type ActionStatus } from './action-log.js';
import { requiredParameters, type ActionType } from './action-types.js';
import { executeAction, parseParameters } from './execute-action.js';
import {
  processingStatements,
  type EventError,
  type ProcessingStatements,
} from './processing-statements.js';

export interface ProcessOptions {
  /** 0 for the first processing, then one more for each replay. */
  run: number;
  /** On the last attempt transient failures become final. */
  isLastAttempt: boolean;
  /** Whether an earlier attempt of this run may have left action logs. */
  retried: boolean;
  log: Logger;
  /** Ids added to every log line, such as the job id and attempt. */
  logIds?: Record<string, unknown>;
}

// Log lines carry their ids as fields rather than through child loggers: creating a pino child
// for every event and job showed up in CPU profiles of bench/process.
type LogIds = Record<string, unknown>;

export interface ProcessOutcome {
  eventId: string;
  status: EventStatus;
  actions: ActionSummary[];
  /** True when a transient failure should be retried by the job. */
  retry: boolean;
}

interface LoadedEvent {
  row: EventRow;
  environment: string;
  environmentId: string;
  disabledTypes: Set<string>;
  context: EventContext;
}

/**
 * Runs the mappings of one recorded event. Each action runs under a savepoint and writes its
 * action log row in the same transaction, so an action's effect and its record never disagree,
 * and a retried job skips the actions that already succeeded in the same run.
 */
export class EventProcessor {
  private readonly statements: ProcessingStatements;

  constructor(
    private readonly db: Db,
    private readonly mappings: MappingService,
    private readonly services: ActionServices,
    private readonly queue: JobQueue,
  ) {
    this.statements = processingStatements(db);
  }

  /** Processes one event in its own transaction (used by replays). */
  async process(eventId: string, options: ProcessOptions): Promise<ProcessOutcome | undefined> {
    const outcome = await this.db
      .transaction()
      .execute((tx) => this.processIn(tx, eventId, options));
    this.afterCommit();
    return outcome;
  }

  /**
   * Processes one event inside the caller's transaction. Each action runs under a savepoint, so
   * a failed action is rolled back alone while the others and every action log row commit.
   */
  async processIn(
    tx: Tx,
    eventId: string,
    options: ProcessOptions,
  ): Promise<ProcessOutcome | undefined> {
    const event = await this.load(tx, eventId);
    if (event === undefined) return undefined;
    const log = options.log;
    const ids: LogIds = {
      ...options.logIds,
      eventId,
      eventType: event.row.event_type,
      run: options.run,
    };

    if (event.row.event_type === null || event.disabledTypes.has(event.row.event_type)) {
      await this.finish(tx, eventId, 'skipped', null);
      log.info(ids, 'event type is switched off; no actions run');
      return { eventId, status: 'skipped', actions: [], retry: false };
    }

    const mappings = await this.mappings.forEvent(event.environmentId, event.row.event_type, tx);
    // Earlier attempts of the same run left logs only when this is a retry.
    const previous = options.retried
      ? await this.previousLogs(tx, eventId, options.run)
      : new Map<string, ActionLogRow>();

    const actions: ActionSummary[] = [];
    for (const mapping of mappings) {
      const done = previous.get(mapping.id);
      if (done && (done.status === 'succeeded' || done.status === 'skipped')) {
        actions.push(summarize(done));
        continue;
      }
      actions.push(await this.runMapping(tx, event, mapping, done, options, ids));
    }

    const retry = actions.some((action) => action.status === 'retrying');
    const status = retry ? 'processing' : eventStatus(actions);
    await this.finish(tx, eventId, status, firstActionError(actions), !retry);
    log.debug(
      { ...ids, status, actions: actions.length, retry },
      retry ? 'event processing will be retried' : 'event processed',
    );
    return { eventId, status, actions, retry };
  }

  /**
   * Processes a batch of `event.process` jobs in one transaction: one commit for many events is
   * what lets SQLite and PostgreSQL keep up with directory sync bursts. Each event runs under a
   * savepoint and completes or fails its job in the same transaction.
   */
  async processJobs(jobs: readonly JobRow[], queue: JobQueue, log: Logger): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      for (const job of jobs) await this.processJob(tx, job, queue, log);
    });
    this.afterCommit();
  }

  private async processJob(tx: Tx, job: JobRow, queue: JobQueue, log: Logger): Promise<void> {
    const payload = JSON.parse(job.payload) as { eventId: string; run?: number };
    const logIds = { jobId: job.id, attempt: `${job.attempts} of ${job.max_attempts}` };
    await this.statements.savepoint(tx, 'event_job');
    try {
      const outcome = await this.processIn(tx, payload.eventId, {
        run: payload.run ?? 0,
        isLastAttempt: job.attempts >= job.max_attempts,
        retried: job.attempts > 1,
        log,
        logIds,
      });
      if (outcome?.retry) {
        await queue.fail(
          job,
          `Event ${payload.eventId} has actions to retry`,
          { retryable: true },
          tx,
        );
      } else {
        await queue.complete(job, tx);
      }
      await this.statements.release(tx, 'event_job');
    } catch (error) {
      await this.statements.rollbackTo(tx, 'event_job');
      await this.statements.release(tx, 'event_job');
      log.error(
        { ...logIds, err: error, eventId: payload.eventId },
        'processing the event failed; the job will be retried',
      );
      await queue.fail(
        job,
        error instanceof Error ? error.message : String(error),
        { retryable: true },
        tx,
      );
    }
  }

  /** Resolves and validates the mappings of an event without running them. */
  /**
   * Resolves and validates mappings against an event without running them: the stored active
   * mappings of the event type, or `drafts` when given (unsaved mappings, whose id is null).
   */
  async rehearse(
    environmentId: string,
    eventType: string,
    context: EventContext,
    drafts?: MappingView[],
  ) {
    const mappings = drafts ?? (await this.mappings.forEvent(environmentId, eventType));
    return mappings.map((mapping) => {
      const base = {
        mapping_id: drafts === undefined ? mapping.id : null,
        action_type: mapping.action_type,
        parameters: mapping.parameters,
      };
      if (!conditionsHold(mapping.conditions, context)) {
        return {
          ...base,
          status: 'skipped',
          reason: 'conditions_not_met',
          resolved: null,
          errors: [],
        };
      }
      const resolved = resolveParameters(mapping.parameters, context);
      const missing = missingParameters(mapping.action_type, resolved.values).map((field) => ({
        field,
        message: `${field}: required value did not resolve from the event`,
      }));
      const parsed =
        resolved.errors.length === 0 && missing.length === 0
          ? parseParameters(mapping.action_type, resolved.values)
          : undefined;
      const errors = [
        ...resolved.errors,
        ...missing,
        ...(parsed && !parsed.success ? parsed.error.issues.map(issueToFieldError) : []),
      ];
      return {
        ...base,
        status: errors.length === 0 ? 'ok' : 'error',
        resolved: resolved.values,
        errors,
      };
    });
  }

  private async runMapping(
    tx: Tx,
    event: LoadedEvent,
    mapping: MappingView,
    previous: ActionLogRow | undefined,
    options: ProcessOptions,
    ids: LogIds,
  ): Promise<ActionSummary> {
    const started = performance.now();
    const row = previous ?? newActionLog(event.row.id, mapping, options.run);
    row.attempts += 1;
    const finish = async (
      status: ActionStatus,
      fields: Partial<ActionLogRow>,
    ): Promise<ActionSummary> => {
      Object.assign(row, {
        status,
        error_code: null,
        error_message: null,
        ...fields,
        duration_ms: Math.round(performance.now() - started),
        updated_at: new Date().toISOString(),
      });
      if (previous === undefined) await this.statements.insertActionLog(tx, row);
      else await saveActionLog(tx, row, false);
      return summarize(row);
    };

    if (!conditionsHold(mapping.conditions, event.context)) {
      return finish('skipped', { result: JSON.stringify({ outcome: 'conditions_not_met' }) });
    }
    const resolved = resolveParameters(mapping.parameters, event.context);
    row.resolved = JSON.stringify(resolved.values);
    if (resolved.errors.length > 0) {
      const message = resolved.errors.map((error) => error.message).join('; ');
      return finish('failed', { error_code: 'parameter_invalid', error_message: message });
    }
    const missing = missingParameters(mapping.action_type, resolved.values);
    if (missing.length > 0) {
      const message = missing
        .map((name) => `${name}: required value did not resolve from the event`)
        .join('; ');
      return finish('skipped', { error_code: 'parameter_missing', error_message: message });
    }
    const parsed = parseParameters(mapping.action_type, resolved.values);
    if (!parsed.success) {
      const message = parsed.error.issues.map(describeIssue).join('; ');
      return finish('failed', { error_code: 'parameter_invalid', error_message: message });
    }

    const scope = {
      exec: tx,
      environment: event.environment,
      eventId: event.row.id,
      mappingId: mapping.id,
      actionLogId: row.id,
    };
    await this.statements.savepoint(tx, 'action');
    try {
      const output = await executeAction(
        mapping.action_type,
        parsed.data as never,
        scope,
        this.services,
      );
      await this.statements.release(tx, 'action');
      options.log.debug(
        { ...ids, mappingId: mapping.id, actionType: mapping.action_type, outcome: output.outcome },
        'action ran',
      );
      return finish(output.outcome === 'stale' ? 'skipped' : 'succeeded', {
        result: JSON.stringify(output),
      });
    } catch (error) {
      await this.statements.rollbackTo(tx, 'action');
      await this.statements.release(tx, 'action');
      return finish(...this.classifyFailure(error, mapping, row.attempts, options, ids));
    }
  }

  private classifyFailure(
    error: unknown,
    mapping: MappingView,
    attempt: number,
    options: ProcessOptions,
    ids: LogIds,
  ): [ActionStatus, Partial<ActionLogRow>] {
    const { log } = options;
    const context = { ...ids, mappingId: mapping.id, actionType: mapping.action_type, attempt };
    if (error instanceof InletError && error.status < 500) {
      log.warn({ ...context, code: error.code }, 'action failed');
      return ['failed', { error_code: error.code, error_message: error.message }];
    }
    const status = options.isLastAttempt ? 'failed' : 'retrying';
    const message =
      status === 'retrying'
        ? 'action failed; the event will be retried'
        : 'action failed on the last attempt';
    log.error({ ...context, err: error }, message);
    return [
      status,
      {
        error_code: 'action_error',
        error_message: error instanceof Error ? error.message : String(error),
      },
    ];
  }

  private async load(tx: Tx, eventId: string): Promise<LoadedEvent | undefined> {
    const row = await this.statements.loadEvent(tx, eventId);
    if (row === undefined) return undefined;
    const { environment, disabled_event_types: disabled, ...event } = row;
    return {
      row: event,
      environment,
      environmentId: event.source_environment_id,
      disabledTypes: new Set(JSON.parse(disabled) as string[]),
      context: {
        body: JSON.parse(Buffer.from(event.raw_body).toString('utf8')),
        headers: JSON.parse(event.headers) as Record<string, string>,
      },
    };
  }

  private async previousLogs(
    tx: Tx,
    eventId: string,
    run: number,
  ): Promise<Map<string, ActionLogRow>> {
    const rows = await tx
      .selectFrom('action_logs')
      .selectAll()
      .where('event_id', '=', eventId)
      .where('run', '=', run)
      .execute();
    return new Map(rows.map((row) => [row.mapping_id ?? '', row]));
  }

  private async finish(
    tx: Tx,
    eventId: string,
    status: EventStatus,
    error: EventError | null,
    done = true,
  ): Promise<void> {
    const processedAt = done ? new Date().toISOString() : null;
    await this.statements.finishEvent(tx, eventId, status, processedAt, error);
  }

  /** Wakes local workers for jobs that actions enqueued, such as workflow runs. */
  private afterCommit(): void {
    this.queue.notifyEnqueued();
  }
}

/** Outcome of one action as processing uses it; the full record is in the action log. */
export interface ActionSummary {
  id: string;
  action_type: string;
  status: ActionStatus;
  error: { code: string; message: string | null } | null;
}

/**
 * Returns the error of the first failed action, prefixed with its action type, so the event log
 * can show why an event failed without opening it. A later successful replay clears it.
 */
function firstActionError(actions: ActionSummary[]): EventError | null {
  // An action skipped for a missing required value has an error and counts as failed.
  const failed = actions.find(
    (action) =>
      action.error !== null && (action.status === 'failed' || action.status === 'skipped'),
  );
  if (failed?.error == null) return null;
  const detail = failed.error.message ?? failed.error.code;
  return { code: failed.error.code, message: `${failed.action_type}: ${detail}` };
}

function summarize(row: ActionLogRow): ActionSummary {
  const error = row.error_code ? { code: row.error_code, message: row.error_message } : null;
  return { id: row.id, action_type: row.action_type, status: row.status as ActionStatus, error };
}

const configuredParameters = new WeakMap<MappingView, string>();

/** Serializes the mapping's parameters and conditions for the log, once per cached mapping. */
function parametersJson(mapping: MappingView): string {
  let json = configuredParameters.get(mapping);
  if (json === undefined) {
    const conditions = mapping.conditions.length > 0 ? { $conditions: mapping.conditions } : {};
    json = JSON.stringify({ ...mapping.parameters, ...conditions });
    configuredParameters.set(mapping, json);
  }
  return json;
}

function newActionLog(eventId: string, mapping: MappingView, run: number): ActionLogRow {
  const now = new Date().toISOString();
  return {
    id: newId('act'),
    event_id: eventId,
    mapping_id: mapping.id,
    run,
    action_type: mapping.action_type,
    parameters: parametersJson(mapping),
    resolved: null,
    result: null,
    status: 'failed',
    error_code: null,
    error_message: null,
    attempts: 0,
    duration_ms: 0,
    created_at: now,
    updated_at: now,
  };
}

/** Returns processed when nothing failed, failed when every attempted action failed, else partially_failed. */
export function eventStatus(actions: readonly ActionSummary[]): EventStatus {
  const failed = actions.filter(
    (action) => action.status === 'failed' || action.error?.code === 'parameter_missing',
  );
  const attempted = actions.filter(
    (action) => !(action.status === 'skipped' && action.error === null),
  );
  if (failed.length === 0) return 'processed';
  return failed.length === attempted.length ? 'failed' : 'partially_failed';
}

function missingParameters(type: ActionType, values: Record<string, unknown>): string[] {
  return requiredParameters(type).filter(
    (name) => values[name] === undefined || values[name] === null,
  );
}

function describeIssue(issue: ZodIssue): string {
  return `${issue.path.join('.') || 'parameters'}: ${issue.message}`;
}

function issueToFieldError(issue: ZodIssue): { field: string; message: string } {
  return { field: issue.path.join('.'), message: describeIssue(issue) };
}

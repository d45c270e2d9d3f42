import { performance } from 'node:perf_hooks';
import type { ZodIssue } from 'zod';
import type { Db } from '../db/database.js';
import type { EventRow } from '../db/schema.js';
import { InletError } from '../errors.js';
import { newId } from '../ids.js';
import type { Logger } from '../logger.js';
import { conditionsHold } from '../map/conditions.js';
import type { MappingService, MappingView } from '../map/mapping-service.js';
import type { EventContext } from '../map/path.js';
import { resolveParameters } from '../map/resolve.js';
import type { EventStatus } from '../record/event-store.js';
import type { ActionServices } from './action-services.js';
import {
  saveActionLog,
  toActionLogView,
  type ActionLogRow,
  type ActionLogView,
  type ActionStatus,
} from './action-log.js';
import { executeAction, parseParameters } from './execute-action.js';

export interface ProcessOptions {
  /** 0 for the first processing, then one more for each replay. */
  run: number;
  /** On the last attempt transient failures become final. */
  isLastAttempt: boolean;
  log: Logger;
}

export interface ProcessOutcome {
  eventId: string;
  status: EventStatus;
  actions: ActionLogView[];
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
 * Runs the mappings of one recorded event. Each action commits in its own transaction together
 * with its action log row, so an action's effect and its record never disagree, and a retried
 * job skips the actions that already succeeded in the same run.
 */
export class EventProcessor {
  constructor(
    private readonly db: Db,
    private readonly mappings: MappingService,
    private readonly services: ActionServices,
  ) {}

  async process(eventId: string, options: ProcessOptions): Promise<ProcessOutcome | undefined> {
    const event = await this.load(eventId);
    if (event === undefined) return undefined;
    const log = options.log.child({ eventId, eventType: event.row.event_type, run: options.run });

    if (event.row.event_type === null || event.disabledTypes.has(event.row.event_type)) {
      await this.finish(eventId, 'skipped');
      log.info('event type is switched off; no actions run');
      return { eventId, status: 'skipped', actions: [], retry: false };
    }

    const mappings = await this.mappings.forEvent(event.environmentId, event.row.event_type);
    const previous = await this.previousLogs(eventId, options.run);
    await this.db
      .updateTable('events')
      .set({ status: 'processing' })
      .where('id', '=', eventId)
      .execute();

    const actions: ActionLogView[] = [];
    for (const mapping of mappings) {
      const done = previous.get(mapping.id);
      if (done && (done.status === 'succeeded' || done.status === 'skipped')) {
        actions.push(toActionLogView(done));
        continue;
      }
      actions.push(await this.runMapping(event, mapping, done, options, log));
    }

    const retry = actions.some((action) => action.status === 'retrying');
    const status = retry ? 'processing' : eventStatus(actions);
    if (!retry) await this.finish(eventId, status);
    log.info(
      { status, actions: actions.length, retry },
      retry ? 'event processing will be retried' : 'event processed',
    );
    return { eventId, status, actions, retry };
  }

  /** Resolves and validates the mappings of an event without running them. */
  async rehearse(environmentId: string, eventType: string, context: EventContext) {
    const mappings = await this.mappings.forEvent(environmentId, eventType);
    return mappings.map((mapping) => {
      const base = {
        mapping_id: mapping.id,
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
      const parsed =
        resolved.errors.length === 0
          ? parseParameters(mapping.action_type, resolved.values)
          : undefined;
      const errors = [
        ...resolved.errors,
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
    event: LoadedEvent,
    mapping: MappingView,
    previous: ActionLogRow | undefined,
    options: ProcessOptions,
    log: Logger,
  ): Promise<ActionLogView> {
    const started = performance.now();
    const now = new Date().toISOString();
    const row: ActionLogRow = previous ?? {
      id: newId('act'),
      event_id: event.row.id,
      mapping_id: mapping.id,
      run: options.run,
      action_type: mapping.action_type,
      parameters: JSON.stringify({
        ...mapping.parameters,
        ...(mapping.conditions.length ? { $conditions: mapping.conditions } : {}),
      }),
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
    row.attempts += 1;
    const finish = async (
      status: ActionStatus,
      fields: Partial<ActionLogRow>,
    ): Promise<ActionLogView> => {
      Object.assign(row, {
        status,
        error_code: null,
        error_message: null,
        ...fields,
        duration_ms: Math.round(performance.now() - started),
        updated_at: new Date().toISOString(),
      });
      await saveActionLog(this.db, row);
      return toActionLogView(row);
    };

    if (!conditionsHold(mapping.conditions, event.context)) {
      return finish('skipped', { result: JSON.stringify({ outcome: 'conditions_not_met' }) });
    }
    const resolved = resolveParameters(mapping.parameters, event.context);
    row.resolved = JSON.stringify(resolved.values);
    if (resolved.errors.length > 0) {
      return finish('failed', {
        error_code: 'parameter_invalid',
        error_message: resolved.errors.map((error) => error.message).join('; '),
      });
    }
    const parsed = parseParameters(mapping.action_type, resolved.values);
    if (!parsed.success) {
      const missing = parsed.error.issues.filter(isMissingValue);
      const code =
        missing.length === parsed.error.issues.length ? 'parameter_missing' : 'parameter_invalid';
      const message = parsed.error.issues.map((issue) => describeIssue(issue)).join('; ');
      return finish(code === 'parameter_missing' ? 'skipped' : 'failed', {
        error_code: code,
        error_message: message,
      });
    }

    try {
      const result = await this.db.transaction().execute(async (tx) => {
        const output = await executeAction(
          mapping.action_type,
          parsed.data as never,
          {
            exec: tx,
            environment: event.environment,
            eventId: event.row.id,
            mappingId: mapping.id,
            actionLogId: row.id,
          },
          this.services,
        );
        Object.assign(row, {
          status: output.outcome === 'stale' ? 'skipped' : 'succeeded',
          result: JSON.stringify(output),
          error_code: null,
          error_message: null,
          duration_ms: Math.round(performance.now() - started),
          updated_at: new Date().toISOString(),
        });
        await saveActionLog(tx, row);
        return output;
      });
      log.debug(
        { mappingId: mapping.id, actionType: mapping.action_type, outcome: result.outcome },
        'action ran',
      );
      return toActionLogView(row);
    } catch (error) {
      if (error instanceof InletError && error.status < 500) {
        log.warn(
          { mappingId: mapping.id, actionType: mapping.action_type, code: error.code },
          'action failed',
        );
        return finish('failed', { error_code: error.code, error_message: error.message });
      }
      const status = options.isLastAttempt ? 'failed' : 'retrying';
      log.error(
        {
          err: error,
          mappingId: mapping.id,
          actionType: mapping.action_type,
          attempt: row.attempts,
        },
        status === 'retrying'
          ? 'action failed; the event will be retried'
          : 'action failed on the last attempt',
      );
      return finish(status, {
        error_code: 'action_error',
        error_message: error instanceof Error ? error.message : String(error),
      });
    }
  }

  private async load(eventId: string): Promise<LoadedEvent | undefined> {
    const row = await this.db
      .selectFrom('events')
      .innerJoin('source_environments as env', 'env.id', 'events.source_environment_id')
      .selectAll('events')
      .select(['env.environment', 'env.disabled_event_types'])
      .where('events.id', '=', eventId)
      .executeTakeFirst();
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

  private async previousLogs(eventId: string, run: number): Promise<Map<string, ActionLogRow>> {
    const rows = await this.db
      .selectFrom('action_logs')
      .selectAll()
      .where('event_id', '=', eventId)
      .where('run', '=', run)
      .execute();
    return new Map(rows.map((row) => [row.mapping_id ?? '', row]));
  }

  private async finish(eventId: string, status: EventStatus): Promise<void> {
    await this.db
      .updateTable('events')
      .set({ status, processed_at: new Date().toISOString() })
      .where('id', '=', eventId)
      .execute();
  }
}

/** processed when nothing failed, failed when every attempted action failed, else partially_failed. */
export function eventStatus(actions: readonly ActionLogView[]): EventStatus {
  const failed = actions.filter(
    (action) => action.status === 'failed' || action.error?.code === 'parameter_missing',
  );
  const attempted = actions.filter(
    (action) => !(action.status === 'skipped' && action.error === null),
  );
  if (failed.length === 0) return 'processed';
  return failed.length === attempted.length ? 'failed' : 'partially_failed';
}

function isMissingValue(issue: ZodIssue): boolean {
  return issue.code === 'invalid_type' && issue.received === 'undefined';
}

function describeIssue(issue: ZodIssue): string {
  const field = issue.path.join('.') || 'parameters';
  return isMissingValue(issue)
    ? `${field}: required value did not resolve from the event`
    : `${field}: ${issue.message}`;
}

function issueToFieldError(issue: ZodIssue): { field: string; message: string } {
  return { field: issue.path.join('.'), message: describeIssue(issue) };
}

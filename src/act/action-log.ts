import type { Selectable } from 'kysely';
import type { Executor } from './action-services.js';
import type { ActionLogsTable } from './tables.js';

export type ActionLogRow = Selectable<ActionLogsTable>;

/**
 * Status of one action for one event. `retrying` means a transient failure that the event's job
 * will try again; `skipped` covers stale data, unmet conditions and missing required values.
 */
export type ActionStatus = 'succeeded' | 'skipped' | 'failed' | 'retrying';

export interface ActionLogView {
  id: string;
  mapping_id: string | null;
  run: number;
  action_type: string;
  parameters: unknown;
  resolved: unknown;
  result: unknown;
  status: ActionStatus;
  error: { code: string; message: string | null } | null;
  attempts: number;
  duration_ms: number;
  created_at: string;
  updated_at: string;
}

/** Inserts a new action log row, or updates the row of an earlier attempt. */
export async function saveActionLog(
  exec: Executor,
  row: ActionLogRow,
  isNew: boolean,
): Promise<void> {
  if (isNew) {
    await exec.insertInto('action_logs').values(row).execute();
    return;
  }
  const {
    id,
    event_id: _event,
    mapping_id: _mapping,
    run: _run,
    created_at: _created,
    ...changes
  } = row;
  await exec.updateTable('action_logs').set(changes).where('id', '=', id).execute();
}

export async function actionLogsFor(exec: Executor, eventId: string): Promise<ActionLogView[]> {
  const rows = await exec
    .selectFrom('action_logs')
    .selectAll()
    .where('event_id', '=', eventId)
    .orderBy('run')
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toActionLogView);
}

export function toActionLogView(row: ActionLogRow): ActionLogView {
  return {
    id: row.id,
    mapping_id: row.mapping_id,
    run: row.run,
    action_type: row.action_type,
    parameters: JSON.parse(row.parameters),
    resolved: row.resolved === null ? null : JSON.parse(row.resolved),
    result: row.result === null ? null : JSON.parse(row.result),
    status: row.status as ActionStatus,
    error: row.error_code ? { code: row.error_code, message: row.error_message } : null,
    attempts: row.attempts,
    duration_ms: row.duration_ms,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

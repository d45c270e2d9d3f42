import type { Migration } from 'kysely';
import type { DatabaseKind } from '../database.js';
import { sourcesAndEvents } from './0001-sources-and-events.js';
import { recipientData } from './0002-data.js';
import { mappingsAndActionLogs } from './0003-mappings.js';
import { workflowEngine } from './0004-workflows.js';
import { dashboardSessions } from './0005-dashboard-sessions.js';

/**
 * All migrations in order. Names are sortable and never change once released; each module
 * receives the engine so that it can pick column types (blob on SQLite, bytea on PostgreSQL).
 */
export function buildMigrations(kind: DatabaseKind): Record<string, Migration> {
  return {
    '0001-sources-and-events': sourcesAndEvents(kind),
    '0002-data': recipientData(kind),
    '0003-mappings': mappingsAndActionLogs(kind),
    '0004-workflows': workflowEngine(kind),
    '0005-dashboard-sessions': dashboardSessions(),
  };
}

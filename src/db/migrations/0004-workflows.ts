import type { Kysely, Migration } from 'kysely';
import type { DatabaseKind } from '../database.js';

/** Workflow definitions, channel configurations, runs, batches, throttles and messages. */
export function workflowEngine(kind: DatabaseKind): Migration {
  void kind;
  return {
    async up(db: Kysely<any>) {
      await createDefinitionTables(db);
      await createChannelsTable(db);
      await createRunTables(db);
      await createMessagesTable(db);
    },
  };
}

async function createDefinitionTables(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('workflows')
    .addColumn('key', 'text', (col) => col.primaryKey())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('description', 'text')
    .addColumn('active', 'integer', (col) => col.notNull())
    .addColumn('categories', 'text', (col) => col.notNull())
    .addColumn('steps', 'text', (col) => col.notNull())
    .addColumn('version', 'integer', (col) => col.notNull())
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .execute();

  await db.schema
    .createTable('workflow_versions')
    .addColumn('workflow_key', 'text', (col) => col.notNull())
    .addColumn('version', 'integer', (col) => col.notNull())
    .addColumn('definition', 'text', (col) => col.notNull())
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('workflow_versions_pk', ['workflow_key', 'version'])
    .execute();
}

async function createChannelsTable(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('channels')
    .addColumn('environment', 'text', (col) => col.notNull())
    .addColumn('key', 'text', (col) => col.notNull())
    .addColumn('type', 'text', (col) => col.notNull())
    .addColumn('settings', 'text', (col) => col.notNull())
    .addColumn('secrets', 'text')
    .addColumn('secret_hints', 'text', (col) => col.notNull())
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('channels_pk', ['environment', 'key'])
    .execute();
}

async function createRunTables(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('workflow_runs')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('environment', 'text', (col) => col.notNull())
    .addColumn('workflow_key', 'text', (col) => col.notNull())
    .addColumn('workflow_version', 'integer', (col) => col.notNull())
    .addColumn('trigger_id', 'text', (col) => col.notNull())
    .addColumn('recipient_id', 'text', (col) => col.notNull())
    .addColumn('subscription', 'text')
    .addColumn('actor', 'text')
    .addColumn('tenant', 'text')
    .addColumn('data', 'text', (col) => col.notNull())
    .addColumn('cancellation_key', 'text')
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('cursor', 'text', (col) => col.notNull())
    .addColumn('wait_kind', 'text')
    .addColumn('wait_job_id', 'text')
    .addColumn('waiting_until', 'text')
    .addColumn('batch_id', 'text')
    .addColumn('batched_into_run_id', 'text')
    .addColumn('source_event_id', 'text')
    .addColumn('action_log_id', 'text')
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .addColumn('finished_at', 'text')
    .execute();
  await index(db, 'workflow_runs_list', 'workflow_runs', ['environment', 'id']);
  await index(db, 'workflow_runs_cancellation', 'workflow_runs', [
    'environment',
    'workflow_key',
    'cancellation_key',
  ]);
  await index(db, 'workflow_runs_source_event', 'workflow_runs', ['source_event_id']);
  await index(db, 'workflow_runs_action_log', 'workflow_runs', ['action_log_id']);
  await index(db, 'workflow_runs_batch', 'workflow_runs', ['batch_id']);

  await db.schema
    .createTable('workflow_run_steps')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('run_id', 'text', (col) => col.notNull())
    .addColumn('ref', 'text', (col) => col.notNull())
    .addColumn('type', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('detail', 'text', (col) => col.notNull())
    .addColumn('started_at', 'text', (col) => col.notNull())
    .addColumn('finished_at', 'text')
    .execute();
  await db.schema
    .createIndex('workflow_run_steps_run_ref')
    .on('workflow_run_steps')
    .columns(['run_id', 'ref'])
    .unique()
    .execute();

  await db.schema
    .createTable('workflow_batches')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('environment', 'text', (col) => col.notNull())
    .addColumn('workflow_key', 'text', (col) => col.notNull())
    .addColumn('step_ref', 'text', (col) => col.notNull())
    .addColumn('recipient_id', 'text', (col) => col.notNull())
    .addColumn('batch_key', 'text', (col) => col.notNull())
    .addColumn('open_key', 'text', (col) => col.unique())
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('item_count', 'integer', (col) => col.notNull())
    .addColumn('max_items', 'integer', (col) => col.notNull())
    .addColumn('opened_at', 'text', (col) => col.notNull())
    .addColumn('closes_at', 'text', (col) => col.notNull())
    .addColumn('closed_at', 'text')
    .addColumn('close_job_id', 'text')
    .addColumn('leader_run_id', 'text')
    .execute();

  await db.schema
    .createTable('workflow_throttles')
    .addColumn('throttle_key', 'text', (col) => col.primaryKey())
    .addColumn('environment', 'text', (col) => col.notNull())
    .addColumn('workflow_key', 'text', (col) => col.notNull())
    .addColumn('step_ref', 'text', (col) => col.notNull())
    .addColumn('window_started_at', 'text', (col) => col.notNull())
    .addColumn('count', 'integer', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .execute();

  await db.schema
    .createTable('workflow_idempotency_keys')
    .addColumn('environment', 'text', (col) => col.notNull())
    .addColumn('idempotency_key', 'text', (col) => col.notNull())
    .addColumn('fingerprint', 'text', (col) => col.notNull())
    .addColumn('response', 'text', (col) => col.notNull())
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('expires_at', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('workflow_idempotency_keys_pk', ['environment', 'idempotency_key'])
    .execute();
  await index(db, 'workflow_idempotency_keys_expiry', 'workflow_idempotency_keys', ['expires_at']);
}

async function createMessagesTable(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('messages')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('environment', 'text', (col) => col.notNull())
    .addColumn('workflow_key', 'text', (col) => col.notNull())
    .addColumn('run_id', 'text', (col) => col.notNull())
    .addColumn('step_ref', 'text', (col) => col.notNull())
    .addColumn('channel_type', 'text', (col) => col.notNull())
    .addColumn('channel_key', 'text', (col) => col.notNull())
    .addColumn('recipient_id', 'text', (col) => col.notNull())
    .addColumn('tenant_id', 'text')
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('status_reason', 'text')
    .addColumn('status_detail', 'text')
    .addColumn('content', 'text', (col) => col.notNull())
    .addColumn('provider_response', 'text')
    .addColumn('attempts', 'integer', (col) => col.notNull())
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('source_event_id', 'text')
    .addColumn('seen_at', 'text')
    .addColumn('read_at', 'text')
    .addColumn('archived_at', 'text')
    .addColumn('sent_at', 'text')
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .execute();
  await index(db, 'messages_list', 'messages', ['environment', 'id']);
  await index(db, 'messages_feed', 'messages', [
    'environment',
    'recipient_id',
    'channel_type',
    'channel_key',
    'id',
  ]);
  // One message per run and step: a step that runs again after a crash cannot send twice.
  await db.schema
    .createIndex('messages_run_step')
    .on('messages')
    .columns(['run_id', 'step_ref'])
    .unique()
    .execute();
  await index(db, 'messages_source_event', 'messages', ['source_event_id']);
}

async function index(db: Kysely<any>, name: string, table: string, columns: string[]) {
  await db.schema.createIndex(name).on(table).columns(columns).execute();
}

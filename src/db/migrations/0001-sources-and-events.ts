import type { Kysely, Migration } from 'kysely';
import type { DatabaseKind } from '../database.js';

export function sourcesAndEvents(kind: DatabaseKind): Migration {
  const binary = kind === 'postgres' ? 'bytea' : 'blob';

  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('sources')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('key', 'text', (col) => col.notNull().unique())
        .addColumn('name', 'text', (col) => col.notNull())
        .addColumn('description', 'text')
        .addColumn('provider', 'text', (col) => col.notNull())
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addColumn('updated_at', 'text', (col) => col.notNull())
        .execute();

      await db.schema
        .createTable('source_environments')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('source_id', 'text', (col) =>
          col.notNull().references('sources.id').onDelete('cascade'),
        )
        .addColumn('environment', 'text', (col) => col.notNull())
        .addColumn('ingest_id', 'text', (col) => col.notNull().unique())
        .addColumn('tolerance_seconds', 'integer', (col) => col.notNull())
        .addColumn('disabled_event_types', 'text', (col) => col.notNull().defaultTo('[]'))
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addColumn('updated_at', 'text', (col) => col.notNull())
        .addUniqueConstraint('source_environments_source_env_unique', ['source_id', 'environment'])
        .execute();

      await db.schema
        .createTable('signing_secrets')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('source_environment_id', 'text', (col) =>
          col.notNull().references('source_environments.id').onDelete('cascade'),
        )
        .addColumn('ciphertext', 'text', (col) => col.notNull())
        .addColumn('hint', 'text', (col) => col.notNull())
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addColumn('expires_at', 'text')
        .execute();
      await db.schema
        .createIndex('signing_secrets_environment')
        .on('signing_secrets')
        .column('source_environment_id')
        .execute();

      await db.schema
        .createTable('events')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('source_environment_id', 'text', (col) =>
          col.notNull().references('source_environments.id').onDelete('cascade'),
        )
        .addColumn('provider_event_id', 'text')
        .addColumn('event_type', 'text')
        .addColumn('provider_created_at', 'text')
        .addColumn('received_at', 'text', (col) => col.notNull())
        .addColumn('verification', 'text', (col) => col.notNull())
        .addColumn('status', 'text', (col) => col.notNull())
        .addColumn('error_code', 'text')
        .addColumn('error_message', 'text')
        .addColumn('raw_body', binary, (col) => col.notNull())
        .addColumn('headers', 'text', (col) => col.notNull())
        .addColumn('delivery_count', 'integer', (col) => col.notNull().defaultTo(1))
        .addColumn('last_delivered_at', 'text', (col) => col.notNull())
        .addColumn('processed_at', 'text')
        .execute();
      // The deduplication ledger: one row per provider event id and source environment. NULL ids
      // (deliveries rejected as invalid before an id was read) never collide on either engine.
      await db.schema
        .createIndex('events_dedupe')
        .on('events')
        .columns(['source_environment_id', 'provider_event_id'])
        .unique()
        .execute();
      await db.schema
        .createIndex('events_log')
        .on('events')
        .columns(['source_environment_id', 'id'])
        .execute();
      await db.schema
        .createIndex('events_received_at')
        .on('events')
        .column('received_at')
        .execute();

      await db.schema
        .createTable('event_types')
        .addColumn('source_environment_id', 'text', (col) =>
          col.notNull().references('source_environments.id').onDelete('cascade'),
        )
        .addColumn('event_type', 'text', (col) => col.notNull())
        .addColumn('count', 'integer', (col) => col.notNull())
        .addColumn('first_received_at', 'text', (col) => col.notNull())
        .addColumn('last_received_at', 'text', (col) => col.notNull())
        .addColumn('last_event_id', 'text', (col) => col.notNull())
        .addPrimaryKeyConstraint('event_types_pk', ['source_environment_id', 'event_type'])
        .execute();

      await db.schema
        .createTable('delivery_rejections')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('source_environment_id', 'text', (col) =>
          col.notNull().references('source_environments.id').onDelete('cascade'),
        )
        .addColumn('received_at', 'text', (col) => col.notNull())
        .addColumn('reason_code', 'text', (col) => col.notNull())
        .addColumn('detail', 'text', (col) => col.notNull())
        .addColumn('headers', 'text', (col) => col.notNull())
        .addColumn('body_bytes', 'integer', (col) => col.notNull())
        .addColumn('suppressed_before', 'integer', (col) => col.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createIndex('delivery_rejections_log')
        .on('delivery_rejections')
        .columns(['source_environment_id', 'id'])
        .execute();

      await db.schema
        .createTable('jobs')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('kind', 'text', (col) => col.notNull())
        .addColumn('payload', 'text', (col) => col.notNull())
        .addColumn('status', 'text', (col) => col.notNull())
        .addColumn('run_at', 'text', (col) => col.notNull())
        .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
        .addColumn('max_attempts', 'integer', (col) => col.notNull())
        .addColumn('locked_by', 'text')
        .addColumn('locked_until', 'text')
        .addColumn('last_error', 'text')
        .addColumn('dedupe_key', 'text', (col) => col.unique())
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addColumn('updated_at', 'text', (col) => col.notNull())
        .addColumn('finished_at', 'text')
        .execute();
      await db.schema.createIndex('jobs_due').on('jobs').columns(['status', 'run_at']).execute();
    },
  };
}

import type { Kysely, Migration } from 'kysely';
import type { DatabaseKind } from '../database.js';

export function mappingsAndActionLogs(kind: DatabaseKind): Migration {
  void kind;
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('mappings')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('source_environment_id', 'text', (col) =>
          col.notNull().references('source_environments.id').onDelete('cascade'),
        )
        .addColumn('event_type', 'text', (col) => col.notNull())
        .addColumn('action_type', 'text', (col) => col.notNull())
        .addColumn('parameters', 'text', (col) => col.notNull())
        .addColumn('conditions', 'text', (col) => col.notNull().defaultTo('[]'))
        .addColumn('active', 'integer', (col) => col.notNull().defaultTo(1))
        .addColumn('position', 'integer', (col) => col.notNull())
        .addColumn('default_key', 'text')
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addColumn('updated_at', 'text', (col) => col.notNull())
        .execute();
      await db.schema
        .createIndex('mappings_lookup')
        .on('mappings')
        .columns(['source_environment_id', 'event_type'])
        .execute();

      await db.schema
        .createTable('action_logs')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('event_id', 'text', (col) =>
          col.notNull().references('events.id').onDelete('cascade'),
        )
        .addColumn('mapping_id', 'text')
        .addColumn('run', 'integer', (col) => col.notNull().defaultTo(0))
        .addColumn('action_type', 'text', (col) => col.notNull())
        .addColumn('parameters', 'text', (col) => col.notNull())
        .addColumn('resolved', 'text')
        .addColumn('result', 'text')
        .addColumn('status', 'text', (col) => col.notNull())
        .addColumn('error_code', 'text')
        .addColumn('error_message', 'text')
        .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
        .addColumn('duration_ms', 'integer', (col) => col.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addColumn('updated_at', 'text', (col) => col.notNull())
        .addUniqueConstraint('action_logs_once', ['event_id', 'mapping_id', 'run'])
        .execute();

      await db.schema
        .createTable('subscription_versions')
        .addColumn('environment', 'text', (col) => col.notNull())
        .addColumn('collection', 'text', (col) => col.notNull())
        .addColumn('object_id', 'text', (col) => col.notNull())
        .addColumn('recipient_id', 'text', (col) => col.notNull())
        .addColumn('source_time', 'text', (col) => col.notNull())
        .addPrimaryKeyConstraint('subscription_versions_pk', [
          'environment',
          'collection',
          'object_id',
          'recipient_id',
        ])
        .execute();
    },
  };
}

import type { CreateTableBuilder, Kysely, Migration } from 'kysely';
import type { DatabaseKind } from '../database.js';

/**
 * Recipient data: users, objects and their subscriptions, tenants and audiences. The column
 * types are the same on both engines (JSON and timestamps are text), so `kind` is unused.
 */
export function recipientData(kind: DatabaseKind): Migration {
  void kind;
  return {
    async up(db: Kysely<any>) {
      await createUsers(db);
      await createObjects(db);
      await createTenants(db);
      await createAudiences(db);
    },
  };
}

/** Adds the columns that users, objects and tenants share for staleness checks and tombstones. */
function withVersionColumns<T extends string>(table: CreateTableBuilder<T, any>) {
  return table
    .addColumn('source_updated_at', 'text')
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .addColumn('deleted_at', 'text');
}

async function createUsers(db: Kysely<any>): Promise<void> {
  const table = db.schema
    .createTable('users')
    .addColumn('environment', 'text', (col) => col.notNull())
    .addColumn('id', 'text', (col) => col.notNull())
    .addColumn('name', 'text')
    .addColumn('email', 'text')
    .addColumn('phone_number', 'text')
    .addColumn('avatar', 'text')
    .addColumn('locale', 'text')
    .addColumn('timezone', 'text')
    .addColumn('properties', 'text', (col) => col.notNull().defaultTo('{}'))
    .addColumn('preferences', 'text', (col) => col.notNull().defaultTo('{}'));
  await withVersionColumns(table)
    .addPrimaryKeyConstraint('users_pk', ['environment', 'id'])
    .execute();
}

async function createObjects(db: Kysely<any>): Promise<void> {
  const table = db.schema
    .createTable('objects')
    .addColumn('environment', 'text', (col) => col.notNull())
    .addColumn('collection', 'text', (col) => col.notNull())
    .addColumn('id', 'text', (col) => col.notNull())
    .addColumn('name', 'text')
    .addColumn('properties', 'text', (col) => col.notNull().defaultTo('{}'));
  await withVersionColumns(table)
    .addPrimaryKeyConstraint('objects_pk', ['environment', 'collection', 'id'])
    .execute();

  // Subscribers are users, but a subscription may name a user not identified yet, so
  // recipient_id has no foreign key. Deleting a user removes its subscriptions in the store.
  await db.schema
    .createTable('object_subscriptions')
    .addColumn('environment', 'text', (col) => col.notNull())
    .addColumn('collection', 'text', (col) => col.notNull())
    .addColumn('object_id', 'text', (col) => col.notNull())
    .addColumn('recipient_id', 'text', (col) => col.notNull())
    .addColumn('properties', 'text', (col) => col.notNull().defaultTo('{}'))
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('object_subscriptions_pk', [
      'environment',
      'collection',
      'object_id',
      'recipient_id',
    ])
    .addForeignKeyConstraint(
      'object_subscriptions_object_fk',
      ['environment', 'collection', 'object_id'],
      'objects',
      ['environment', 'collection', 'id'],
      (constraint) => constraint.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createIndex('object_subscriptions_recipient')
    .on('object_subscriptions')
    .columns(['environment', 'recipient_id'])
    .execute();
}

async function createTenants(db: Kysely<any>): Promise<void> {
  const table = db.schema
    .createTable('tenants')
    .addColumn('environment', 'text', (col) => col.notNull())
    .addColumn('id', 'text', (col) => col.notNull())
    .addColumn('name', 'text')
    .addColumn('properties', 'text', (col) => col.notNull().defaultTo('{}'))
    .addColumn('settings', 'text', (col) => col.notNull().defaultTo('{}'));
  await withVersionColumns(table)
    .addPrimaryKeyConstraint('tenants_pk', ['environment', 'id'])
    .execute();
}

async function createAudiences(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('audiences')
    .addColumn('environment', 'text', (col) => col.notNull())
    .addColumn('key', 'text', (col) => col.notNull())
    .addColumn('name', 'text')
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('audiences_pk', ['environment', 'key'])
    .execute();

  // tenant_id is '' for memberships not scoped to a tenant, because a primary key column
  // cannot be NULL.
  await db.schema
    .createTable('audience_members')
    .addColumn('environment', 'text', (col) => col.notNull())
    .addColumn('audience_key', 'text', (col) => col.notNull())
    .addColumn('user_id', 'text', (col) => col.notNull())
    .addColumn('tenant_id', 'text', (col) => col.notNull().defaultTo(''))
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('audience_members_pk', [
      'environment',
      'audience_key',
      'user_id',
      'tenant_id',
    ])
    .addForeignKeyConstraint(
      'audience_members_audience_fk',
      ['environment', 'audience_key'],
      'audiences',
      ['environment', 'key'],
      (constraint) => constraint.onDelete('cascade'),
    )
    .execute();
  // Deleting a user removes its memberships by (environment, user_id).
  await db.schema
    .createIndex('audience_members_user')
    .on('audience_members')
    .columns(['environment', 'user_id'])
    .execute();
}

import type { Kysely, Migration } from 'kysely';

/** Sign-in sessions of the web dashboard, stored by the SHA-256 digest of their cookie token. */
export function dashboardSessions(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('dashboard_sessions')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('username', 'text', (col) => col.notNull())
        .addColumn('credential_digest', 'text', (col) => col.notNull())
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addColumn('expires_at', 'text', (col) => col.notNull())
        .execute();
      await db.schema
        .createIndex('dashboard_sessions_expires_at')
        .on('dashboard_sessions')
        .column('expires_at')
        .execute();
    },
  };
}

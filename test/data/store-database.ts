import { afterEach } from 'vitest';
import { createDataStores, type DataStores } from '../../src/data/index.js';
import { migrate, openPostgres, openSqlite, type DatabaseHandle } from '../../src/db/database.js';
import { createTestStorage, type Engine } from '../support/engines.js';

export interface StoreDatabase extends DataStores {
  handle: DatabaseHandle;
}

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  const pending = cleanups.splice(0);
  await Promise.all(pending.map((cleanup) => cleanup()));
});

/** Opens a fresh, migrated database on `engine` with the data stores; closed after each test. */
export async function openStoreDatabase(engine: Engine): Promise<StoreDatabase> {
  const storage = await createTestStorage(engine);
  const { config } = storage;
  const handle =
    config.databaseKind === 'postgres'
      ? openPostgres(config.databaseUrl)
      : openSqlite(config.sqlitePath);
  cleanups.push(async () => {
    await handle.close();
    await storage.cleanup();
  });
  await migrate(handle);
  return { handle, ...createDataStores(handle.db) };
}

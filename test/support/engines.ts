import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { describe } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';

export type Engine = 'sqlite' | 'postgres';

const adminUrl = process.env.INLET_TEST_DATABASE_URL;
if (process.env.CI === 'true' && !adminUrl) {
  throw new Error(
    'INLET_TEST_DATABASE_URL is not set: run the suite with `npm test`, which starts PostgreSQL',
  );
}

/** The engines this run covers: SQLite always, PostgreSQL when `npm test` started a server. */
export const ENGINES: Engine[] = adminUrl ? ['sqlite', 'postgres'] : ['sqlite'];

/** Runs the same suite once per engine, as "<name> [sqlite]" and "<name> [postgres]". */
export function describeEachEngine(name: string, suite: (engine: Engine) => void): void {
  for (const engine of ENGINES) describe(`${name} [${engine}]`, () => suite(engine));
}

export interface TestStorage {
  config: Config;
  cleanup(): Promise<void>;
}

let counter = 0;

/**
 * Creates an empty data folder and, for PostgreSQL, a fresh database, and returns a validated
 * configuration pointing at them. `env` overrides settings by environment variable name.
 */
export async function createTestStorage(
  engine: Engine,
  env: Record<string, string> = {},
): Promise<TestStorage> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'inlet-test-'));
  let databaseUrl = '';
  let databaseName = '';
  if (engine === 'postgres') {
    databaseName = `inlet_test_${process.pid}_${Date.now()}_${counter++}`;
    await adminQuery(`CREATE DATABASE ${databaseName}`);
    const url = new URL(adminUrl!);
    url.pathname = `/${databaseName}`;
    databaseUrl = url.toString();
  }

  const config = loadConfig({
    INLET_DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    PORT: '0',
    HOST: '127.0.0.1',
    INLET_LOG_LEVEL: process.env.INLET_TEST_LOG_LEVEL ?? 'silent',
    INLET_WORKER_POLL_MS: '50',
    INLET_OUTBOUND_ALLOW_HOSTS: '127.0.0.1,::1,localhost',
    ...env,
  });
  return {
    config,
    async cleanup() {
      fs.rmSync(dataDir, { recursive: true, force: true });
      if (databaseName) await adminQuery(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
    },
  };
}

async function adminQuery(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

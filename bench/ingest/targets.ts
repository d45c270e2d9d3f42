import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createScratchDatabase, type ScratchDatabase } from '../support/postgres.js';
import { findFreePort, startServerProcess, type ServerProcess } from './server-process.js';
import {
  checkBaselineSqlite,
  checkInletPostgres,
  checkInletSqlite,
  type StorageCheck,
} from './storage-check.js';

export interface TargetContext {
  repoRoot: string;
  /** Folder of the compiled benchmark, which contains the servers/ scripts. */
  buildDir: string;
  /** Scratch folder for this target's data and log. */
  workDir: string;
  signingSecret: string;
  /** pino level for Inlet's own log, which goes to a file in `workDir`. */
  logLevel: string;
  /** PostgreSQL server URL whose user may create databases; required by inlet-postgres. */
  postgresUrl?: string;
  /** Options for each server's Node binary. */
  nodeArgs: string[];
}

export interface RunningTarget {
  server: ServerProcess;
  deliveryUrl: string;
  /** Reads the database after the server stopped; absent for targets that store nothing. */
  checkStorage?(acknowledgedIds: ReadonlySet<string>): Promise<StorageCheck>;
  /** Drops databases the target created; the caller deletes `workDir`. */
  cleanup(): Promise<void>;
}

export interface Target {
  key: string;
  label: string;
  start(context: TargetContext): Promise<RunningTarget>;
}

export const TARGETS: readonly Target[] = [
  { key: 'bare', label: '(a) bare node:http, 200 only', start: startBare },
  { key: 'baseline', label: '(b) node:http + WorkOS SDK + SQLite insert', start: startBaseline },
  {
    key: 'inlet-sqlite',
    label: '(c) Inlet, SQLite, worker off',
    start: (context) => startInlet(context, { postgres: false, workerConcurrency: 0 }),
  },
  {
    key: 'inlet-sqlite-worker',
    label: '(c) Inlet, SQLite, worker on (8)',
    start: (context) => startInlet(context, { postgres: false, workerConcurrency: 8 }),
  },
  {
    key: 'inlet-postgres',
    label: '(d) Inlet, PostgreSQL, worker off',
    start: (context) => startInlet(context, { postgres: true, workerConcurrency: 0 }),
  },
];

async function startBare(context: TargetContext): Promise<RunningTarget> {
  const port = await findFreePort();
  const server = await startServerProcess({
    name: 'bare',
    script: path.join(context.buildDir, 'servers/bare-http.js'),
    env: { PORT: String(port) },
    port,
    nodeArgs: context.nodeArgs,
    readyPath: '/',
    logFile: path.join(context.workDir, 'server.log'),
  });
  return { server, deliveryUrl: `${server.url}/webhooks/workos`, cleanup: async () => {} };
}

async function startBaseline(context: TargetContext): Promise<RunningTarget> {
  const port = await findFreePort();
  const databaseFile = path.join(context.workDir, 'baseline.sqlite');
  const server = await startServerProcess({
    name: 'baseline',
    script: path.join(context.buildDir, 'servers/workos-sqlite.js'),
    env: { PORT: String(port), BENCH_SECRET: context.signingSecret, BENCH_DATABASE: databaseFile },
    port,
    nodeArgs: context.nodeArgs,
    readyPath: '/',
    logFile: path.join(context.workDir, 'server.log'),
  });
  return {
    server,
    deliveryUrl: `${server.url}/webhooks/workos`,
    checkStorage: async (acknowledgedIds) => checkBaselineSqlite(databaseFile, acknowledgedIds),
    cleanup: async () => {},
  };
}

/** Runs Inlet's own CLI, `node bin/inlet.js start`, from the compiled dist/ folder. */
async function startInlet(
  context: TargetContext,
  options: { postgres: boolean; workerConcurrency: number },
): Promise<RunningTarget> {
  const database = options.postgres ? await createPostgresDatabase(context) : undefined;
  const port = await findFreePort();
  const apiKey = randomBytes(24).toString('base64url');
  const dataDir = path.join(context.workDir, 'data');
  const server = await startServerProcess({
    name: 'inlet',
    script: path.join(context.repoRoot, 'bin/inlet.js'),
    args: ['start'],
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      INLET_PUBLIC_URL: `http://127.0.0.1:${port}`,
      INLET_DATA_DIR: dataDir,
      INLET_API_KEY: apiKey,
      DATABASE_URL: database?.url ?? '',
      INLET_WORKER_CONCURRENCY: String(options.workerConcurrency),
      INLET_LOG_LEVEL: context.logLevel,
    },
    port,
    nodeArgs: context.nodeArgs,
    readyPath: '/healthz',
    logFile: path.join(context.workDir, 'server.log'),
  });

  try {
    const deliveryUrl = await createWorkosSource(server.url, apiKey, context.signingSecret);
    return {
      server,
      deliveryUrl,
      checkStorage: (acknowledgedIds) =>
        database === undefined
          ? Promise.resolve(checkInletSqlite(path.join(dataDir, 'inlet.sqlite'), acknowledgedIds))
          : checkInletPostgres(database.url, acknowledgedIds),
      cleanup: async () => database?.drop(),
    };
  } catch (error) {
    await server.stop();
    await database?.drop();
    throw error;
  }
}

/** Creates the `bench` WorkOS source through the management API; returns its webhook URL. */
async function createWorkosSource(
  baseUrl: string,
  apiKey: string,
  secret: string,
): Promise<string> {
  await callApi(baseUrl, apiKey, 'PUT', '/v1/sources/bench', {
    name: 'Benchmark',
    provider: 'workos',
  });
  const environment = await callApi(
    baseUrl,
    apiKey,
    'PUT',
    '/v1/sources/bench/environments/development',
    {
      signing_secret: secret,
    },
  );
  const webhookUrl = (environment as { webhook_url?: unknown }).webhook_url;
  if (typeof webhookUrl !== 'string') {
    throw new Error(`The environment response has no webhook_url: ${JSON.stringify(environment)}`);
  }
  return baseUrl + new URL(webhookUrl).pathname;
}

async function callApi(
  baseUrl: string,
  apiKey: string,
  method: string,
  route: string,
  body: unknown,
): Promise<unknown> {
  const response = await fetch(baseUrl + route, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${route} failed with ${response.status}: ${text}`);
  return JSON.parse(text) as unknown;
}

/** Creates an empty database on the server at `context.postgresUrl` for one Inlet run. */
async function createPostgresDatabase(context: TargetContext): Promise<ScratchDatabase> {
  if (context.postgresUrl === undefined) {
    throw new Error(
      'The inlet-postgres target needs a server: pass --pg <url> or set INLET_TEST_DATABASE_URL.',
    );
  }
  return createScratchDatabase(context.postgresUrl, 'inlet_bench');
}

/** Creates the scratch folder of one target run. */
export function createWorkDir(root: string, key: string): string {
  const dir = path.join(root, key);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { createScratchDatabase } from '../support/postgres.js';
import { findFreePort, startServerProcess, type ServerProcess } from '../ingest/server-process.js';

const USAGE = `Usage: node .tmp/bench/process/run.js [options]

Measures events/s from delivery to committed action for the default dsync.user.created
mappings, next to the acknowledgement rate of the same run.

Options:
  --events <n>          unique deliveries per target (default: 20000)
  --connections <n>     concurrent keep-alive connections sending them (default: 32)
  --targets <list>      inlet-sqlite, inlet-postgres (default: both when a PostgreSQL URL is known)
  --pg <url>            PostgreSQL server whose user may create databases
                        (default: INLET_TEST_DATABASE_URL)
  --workers <n>         INLET_WORKER_CONCURRENCY of the server (default: 8)
  --cpu-prof <dir>      write a V8 CPU profile of the server into this folder
  --help                print this text`;

const ROOT = path.resolve(import.meta.dirname, '../../..');
const FIXTURE = JSON.parse(
  fs.readFileSync(path.join(ROOT, 'fixtures/workos/dsync.user.created.json'), 'utf8'),
) as { data: Record<string, unknown> };
const SECRET = 'whsec_bench_process_0123456789abcdef';
const API_KEY = 'inlet_bench_process_admin_key_0123456789';

interface TargetResult {
  target: string;
  events: number;
  ackSeconds: number;
  endToEndSeconds: number;
  ackPerSecond: number;
  endToEndPerSecond: number;
  lagMs: { p50: number; p99: number; max: number };
  peakRssMb: number;
  /** Server CPU time (user + system) per event, in milliseconds. */
  cpuMsPerEvent: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '20000' },
      connections: { type: 'string', default: '32' },
      targets: { type: 'string' },
      pg: { type: 'string' },
      workers: { type: 'string', default: '8' },
      'cpu-prof': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return console.log(USAGE);
  const pgUrl = values.pg ?? process.env.INLET_TEST_DATABASE_URL;
  const targets = (
    values.targets ?? (pgUrl ? 'inlet-sqlite,inlet-postgres' : 'inlet-sqlite')
  ).split(',');
  const options = {
    events: Number(values.events),
    connections: Number(values.connections),
    workers: Number(values.workers),
    cpuProfileDir: values['cpu-prof'],
  };

  const results: TargetResult[] = [];
  for (const target of targets) {
    if (target === 'inlet-postgres' && !pgUrl)
      throw new Error('inlet-postgres needs --pg or INLET_TEST_DATABASE_URL');
    console.error(`running ${target} with ${options.events} events …`);
    results.push(await runTarget(target, options, pgUrl));
  }
  printReport(results, options);
}

async function runTarget(
  target: string,
  options: {
    events: number;
    connections: number;
    workers: number;
    cpuProfileDir?: string | undefined;
  },
  pgUrl: string | undefined,
): Promise<TargetResult> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'inlet-bench-process-'));
  const database =
    target === 'inlet-postgres'
      ? await createScratchDatabase(pgUrl!, 'inlet_bench_process')
      : undefined;
  const port = await findFreePort();
  const server = await startServerProcess({
    name: target,
    script: path.join(ROOT, 'bin/inlet.js'),
    args: ['start'],
    nodeArgs: options.cpuProfileDir
      ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(options.cpuProfileDir)}`]
      : [],
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      INLET_DATA_DIR: scratch,
      DATABASE_URL: database?.url ?? '',
      INLET_API_KEY: API_KEY,
      INLET_LOG_LEVEL: 'warn',
      INLET_WORKER_CONCURRENCY: String(options.workers),
      INLET_WORKER_POLL_MS: '50',
    },
    port,
    readyPath: '/healthz',
    logFile: path.join(scratch, 'server.log'),
  });

  try {
    const url = await createSource(server);
    const counter =
      target === 'inlet-postgres'
        ? pgCounter(database!.url)
        : sqliteCounter(path.join(scratch, 'inlet.sqlite'));
    const cpuBefore = server.readCpuSeconds();
    const started = performance.now();
    await sendAll(url, options.events, options.connections);
    const acknowledged = performance.now();
    await waitUntilProcessed(counter, options.events);
    const finished = performance.now();
    const lag = await counter.lagPercentiles();
    await counter.close();
    return {
      target,
      events: options.events,
      ackSeconds: (acknowledged - started) / 1000,
      endToEndSeconds: (finished - started) / 1000,
      ackPerSecond: options.events / ((acknowledged - started) / 1000),
      endToEndPerSecond: options.events / ((finished - started) / 1000),
      lagMs: lag,
      peakRssMb: server.readPeakRssBytes() / 1024 / 1024,
      cpuMsPerEvent: ((server.readCpuSeconds() - cpuBefore) * 1000) / options.events,
    };
  } finally {
    await server.stop();
    await database?.drop();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

async function createSource(server: ServerProcess): Promise<string> {
  const call = async (method: string, route: string, body: unknown) => {
    const response = await fetch(server.url + route, {
      method,
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok)
      throw new Error(`${method} ${route} returned ${response.status}: ${await response.text()}`);
    return (await response.json()) as { webhook_url: string };
  };
  await call('PUT', '/v1/sources/bench', { name: 'Bench', provider: 'workos' });
  const environment = await call('PUT', '/v1/sources/bench/environments/development', {
    signing_secret: SECRET,
  });
  return server.url + new URL(environment.webhook_url).pathname;
}

/** Sends `count` unique directory users, each a new event id and a new user id. */
async function sendAll(url: string, count: number, connections: number): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const sequence = next++;
      const body = Buffer.from(
        JSON.stringify({
          ...FIXTURE,
          id: `event_bench_${String(sequence).padStart(10, '0')}`,
          data: {
            ...FIXTURE.data,
            id: `directory_user_bench_${sequence}`,
            email: `user${sequence}@bench.example`,
          },
        }),
      );
      const timestamp = Date.now();
      const signature = createHmac('sha256', SECRET)
        .update(`${timestamp}.`)
        .update(body)
        .digest('hex');
      const status = await post(url, body, `t=${timestamp}, v1=${signature}`, agent);
      if (status !== 200) throw new Error(`delivery ${sequence} returned status ${status}`);
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  agent.destroy();
}

function post(url: string, body: Buffer, signature: string, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'workos-signature': signature,
          'content-length': body.length,
        },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

interface Counter {
  processed(): Promise<number>;
  lagPercentiles(): Promise<{ p50: number; p99: number; max: number }>;
  close(): Promise<void>;
}

const LAG_SQL = `select received_at, processed_at from events where processed_at is not null`;

function sqliteCounter(file: string): Counter {
  const db = new SqliteDatabase(file, { readonly: true });
  db.pragma('busy_timeout = 5000');
  return {
    processed: async () =>
      (
        db.prepare(`select count(*) as n from events where status = 'processed'`).get() as {
          n: number;
        }
      ).n,
    lagPercentiles: async () => percentiles(db.prepare(LAG_SQL).all() as LagRow[]),
    close: async () => {
      db.close();
    },
  };
}

function pgCounter(url: string): Counter {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  return {
    processed: async () =>
      Number(
        (await pool.query(`select count(*) as n from events where status = 'processed'`)).rows[0].n,
      ),
    lagPercentiles: async () => percentiles((await pool.query(LAG_SQL)).rows as LagRow[]),
    close: () => pool.end(),
  };
}

interface LagRow {
  received_at: string;
  processed_at: string;
}

function percentiles(rows: LagRow[]): { p50: number; p99: number; max: number } {
  const lags = rows
    .map((row) => Date.parse(row.processed_at) - Date.parse(row.received_at))
    .sort((a, b) => a - b);
  const at = (fraction: number) =>
    lags[Math.min(lags.length - 1, Math.floor(fraction * lags.length))] ?? 0;
  return { p50: at(0.5), p99: at(0.99), max: lags[lags.length - 1] ?? 0 };
}

async function waitUntilProcessed(counter: Counter, expected: number): Promise<void> {
  const deadline = Date.now() + 10 * 60_000;
  while ((await counter.processed()) < expected) {
    if (Date.now() > deadline)
      throw new Error(
        `only ${await counter.processed()} of ${expected} events were processed after 10 minutes`,
      );
    await sleep(20);
  }
}

function printReport(
  results: TargetResult[],
  options: { events: number; connections: number; workers: number },
): void {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(
    `bench/process: ${options.events} unique dsync.user.created deliveries, ${options.connections} connections, ${options.workers} worker slots`,
  );
  console.log(
    `machine: ${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  );
  console.log(
    '| target | acknowledged/s | end-to-end events/s | lag p50 ms | lag p99 ms | lag max ms | peak RSS MiB | server CPU ms/event |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const result of results) {
    console.log(
      `| ${result.target} | ${result.ackPerSecond.toFixed(0)} | ${result.endToEndPerSecond.toFixed(0)} | ${result.lagMs.p50} | ${result.lagMs.p99} | ${result.lagMs.max} | ${result.peakRssMb.toFixed(0)} | ${result.cpuMsPerEvent.toFixed(3)} |`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exitCode = 1;
});

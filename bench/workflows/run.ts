// Workflow benchmark: triggers/s for a one-step in-app feed workflow, and WorkOS delivery to feed
// message through the default connection.activated mapping, next to the ingest (acknowledgement)
// rate of the same deliveries. Build and run from the repository root:
//   npm run build && npx tsc -p bench/tsconfig.json && node .tmp/bench/workflows/run.js --help
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { createScratchDatabase } from '../support/postgres.js';
import { findFreePort, startServerProcess, type ServerProcess } from '../ingest/server-process.js';
import { openCounter, type Counter, type Latency } from './counter.js';

const USAGE = `Usage: node .tmp/bench/workflows/run.js [options]

Measures, per storage engine, in one run:
  1. triggers/s of POST /v1/workflows/{key}/trigger for a workflow with one in_app_feed step
     (acknowledged, and until every feed message exists), with trigger-to-message latency;
  2. WorkOS connection.activated deliveries through the default workflows_trigger mapping:
     the ingest rate (acknowledged/s) and the rate until every feed message exists, with
     delivery-to-message latency.

Options:
  --triggers <n>      trigger requests per target (default: 5000)
  --deliveries <n>    unique connection.activated deliveries per target (default: 2000)
  --connections <n>   concurrent keep-alive connections (default: 16)
  --targets <list>    sqlite, postgres (default: both when a PostgreSQL URL is known)
  --pg <url>          PostgreSQL server whose user may create databases
                      (default: INLET_TEST_DATABASE_URL)
  --workers <n>       INLET_WORKER_CONCURRENCY of the server (default: 8)
  --server <file>     CLI script that starts the server (default: bin/inlet.js, which runs dist/)
  --help              print this text`;

const ROOT = path.resolve(import.meta.dirname, '../../..');
const SECRET = 'whsec_bench_workflows_0123456789abcdef';
const API_KEY = 'inlet_bench_workflows_admin_key_0123456789';
const FEED_WORKFLOW = 'bench-feed';
/** The workflow the default connection.activated mapping triggers. */
const CONNECTION_WORKFLOW = 'sso-connection-activated';
const FIXTURE = JSON.parse(
  fs.readFileSync(path.join(ROOT, 'fixtures/workos/connection.activated.json'), 'utf8'),
) as {
  data: { organization_id: string } & Record<string, unknown>;
};

interface Options {
  server: string;
  triggers: number;
  deliveries: number;
  connections: number;
  workers: number;
}

interface PhaseResult {
  count: number;
  acknowledgedPerSecond: number;
  endToEndPerSecond: number;
  latencyMs: Latency;
}

interface TargetResult {
  target: string;
  trigger: PhaseResult;
  delivery: PhaseResult;
  peakRssMb: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      triggers: { type: 'string', default: '5000' },
      deliveries: { type: 'string', default: '2000' },
      connections: { type: 'string', default: '16' },
      targets: { type: 'string' },
      pg: { type: 'string' },
      workers: { type: 'string', default: '8' },
      server: { type: 'string', default: path.join(ROOT, 'bin/inlet.js') },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return console.log(USAGE);

  const pgUrl = values.pg ?? process.env.INLET_TEST_DATABASE_URL;
  const targets = (values.targets ?? (pgUrl ? 'sqlite,postgres' : 'sqlite')).split(',');
  const options: Options = {
    server: path.resolve(values.server),
    triggers: Number(values.triggers),
    deliveries: Number(values.deliveries),
    connections: Number(values.connections),
    workers: Number(values.workers),
  };

  const results: TargetResult[] = [];
  for (const target of targets) {
    if (target !== 'sqlite' && target !== 'postgres')
      throw new Error(`Unknown target "${target}"; use sqlite or postgres.`);
    if (target === 'postgres' && !pgUrl)
      throw new Error('The postgres target needs --pg or INLET_TEST_DATABASE_URL.');
    console.error(
      `running ${target}: ${options.triggers} triggers, ${options.deliveries} deliveries …`,
    );
    results.push(await runTarget(target, options, pgUrl));
  }
  printReport(results, options);
}

async function runTarget(
  target: 'sqlite' | 'postgres',
  options: Options,
  pgUrl: string | undefined,
): Promise<TargetResult> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'inlet-bench-workflows-'));
  const database =
    target === 'postgres'
      ? await createScratchDatabase(pgUrl!, 'inlet_bench_workflows')
      : undefined;
  const port = await findFreePort();
  const server = await startServerProcess({
    name: target,
    script: options.server,
    args: ['start'],
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

  const counter = openCounter(database?.url ?? path.join(scratch, 'inlet.sqlite'));
  try {
    const deliveryUrl = await setUp(server);
    const trigger = await measureTriggers(server, counter, options);
    const delivery = await measureDeliveries(deliveryUrl, counter, options);
    return { target, trigger, delivery, peakRssMb: server.readPeakRssBytes() / 1024 / 1024 };
  } finally {
    await counter.close();
    await server.stop();
    await database?.drop();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Creates both workflows, a recipient subscribed to the fixture's organization, and a WorkOS
 * source with its default mappings; returns the source's webhook URL.
 */
async function setUp(server: ServerProcess): Promise<string> {
  const call = api(server);
  const feedStep = (text: string) => [
    { ref: 'feed', type: 'in_app_feed', template: { markdown: text } },
  ];
  await call('PUT', `/v1/workflows/${FEED_WORKFLOW}`, {
    name: 'Bench feed',
    steps: feedStep('Hello {{ recipient.name }}, {{ data.n }}'),
  });
  await call('PUT', `/v1/workflows/${CONNECTION_WORKFLOW}`, {
    name: 'SSO activated',
    steps: feedStep('SSO {{ data.connection_name }} is active'),
  });
  await call('PUT', '/v1/users/bench-user', { name: 'Bench User', email: 'bench@example.test' });
  await call('POST', `/v1/objects/organizations/${FIXTURE.data.organization_id}/subscriptions`, {
    recipients: ['bench-user'],
  });

  await call('PUT', '/v1/sources/bench', { name: 'Bench', provider: 'workos' });
  const environment = (await call('PUT', '/v1/sources/bench/environments/development', {
    signing_secret: SECRET,
  })) as { webhook_url: string };
  return server.url + new URL(environment.webhook_url).pathname;
}

async function measureTriggers(
  server: ServerProcess,
  counter: Counter,
  options: Options,
): Promise<PhaseResult> {
  const url = `${server.url}/v1/workflows/${FEED_WORKFLOW}/trigger`;
  const headers = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };
  const before = await counter.messages(FEED_WORKFLOW);

  const started = performance.now();
  await sendAll(options.triggers, options.connections, async (sequence, agent) => {
    const body = Buffer.from(JSON.stringify({ recipients: ['bench-user'], data: { n: sequence } }));
    return post(url, body, headers, agent, 202);
  });
  const acknowledged = performance.now();
  await waitForMessages(counter, FEED_WORKFLOW, before + options.triggers);
  const finished = performance.now();

  return {
    count: options.triggers,
    acknowledgedPerSecond: options.triggers / ((acknowledged - started) / 1000),
    endToEndPerSecond: options.triggers / ((finished - started) / 1000),
    latencyMs: await counter.triggerLatency(FEED_WORKFLOW),
  };
}

async function measureDeliveries(
  url: string,
  counter: Counter,
  options: Options,
): Promise<PhaseResult> {
  const before = await counter.messages(CONNECTION_WORKFLOW);

  const started = performance.now();
  await sendAll(options.deliveries, options.connections, async (sequence, agent) => {
    const body = Buffer.from(
      JSON.stringify({
        ...FIXTURE,
        id: `event_bench_workflows_${String(sequence).padStart(10, '0')}`,
      }),
    );
    const timestamp = Date.now();
    const signature = createHmac('sha256', SECRET)
      .update(`${timestamp}.`)
      .update(body)
      .digest('hex');
    const headers = {
      'content-type': 'application/json',
      'workos-signature': `t=${timestamp}, v1=${signature}`,
    };
    return post(url, body, headers, agent, 200);
  });
  const acknowledged = performance.now();
  await waitForMessages(counter, CONNECTION_WORKFLOW, before + options.deliveries);
  const finished = performance.now();

  return {
    count: options.deliveries,
    acknowledgedPerSecond: options.deliveries / ((acknowledged - started) / 1000),
    endToEndPerSecond: options.deliveries / ((finished - started) / 1000),
    latencyMs: await counter.deliveryLatency(CONNECTION_WORKFLOW),
  };
}

/** Runs `send` for sequence numbers 0..count-1 on `connections` concurrent keep-alive sockets. */
async function sendAll(
  count: number,
  connections: number,
  send: (sequence: number, agent: http.Agent) => Promise<void>,
): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  let next = 0;
  const worker = async () => {
    while (next < count) await send(next++, agent);
  };
  try {
    await Promise.all(Array.from({ length: connections }, worker));
  } finally {
    agent.destroy();
  }
}

function post(
  url: string,
  body: Buffer,
  headers: Record<string, string>,
  agent: http.Agent,
  expected: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { method: 'POST', agent, headers: { ...headers, 'content-length': body.length } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          if (response.statusCode === expected) resolve();
          else
            reject(
              new Error(
                `POST ${url} responded with ${response.statusCode}: ${Buffer.concat(chunks).toString()}`,
              ),
            );
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

function api(server: ServerProcess) {
  return async (method: string, route: string, body: unknown): Promise<unknown> => {
    const response = await fetch(server.url + route, {
      method,
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok)
      throw new Error(
        `${method} ${route} responded with ${response.status}: ${await response.text()}`,
      );
    return response.json();
  };
}

async function waitForMessages(
  counter: Counter,
  workflow: string,
  expected: number,
): Promise<void> {
  const deadline = Date.now() + 10 * 60_000;
  while ((await counter.messages(workflow)) < expected) {
    if (Date.now() > deadline)
      throw new Error(
        `only ${await counter.messages(workflow)} of ${expected} ${workflow} messages exist after 10 minutes`,
      );
    await sleep(20);
  }
}

function printReport(results: TargetResult[], options: Options): void {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(
    `bench/workflows: ${options.triggers} triggers and ${options.deliveries} connection.activated deliveries per target, ` +
      `${options.connections} connections, ${options.workers} worker slots`,
  );
  console.log(
    `machine: ${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  );
  console.log(
    '| target | phase | acknowledged/s | until every message/s | latency p50 ms | p99 ms | max ms |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const result of results) {
    const rows: Array<[string, PhaseResult]> = [
      ['trigger API -> feed message', result.trigger],
      ['WorkOS delivery -> feed message (acknowledged/s = ingest)', result.delivery],
    ];
    for (const [phase, figures] of rows) {
      console.log(
        `| ${result.target} | ${phase} | ${figures.acknowledgedPerSecond.toFixed(0)} | ${figures.endToEndPerSecond.toFixed(0)} | ` +
          `${figures.latencyMs.p50} | ${figures.latencyMs.p99} | ${figures.latencyMs.max} |`,
      );
    }
  }
  for (const result of results)
    console.log(`${result.target}: peak server RSS ${result.peakRssMb.toFixed(0)} MiB`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exitCode = 1;
});

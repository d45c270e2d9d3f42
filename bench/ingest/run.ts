// Ingest benchmark: sends unique, signed WorkOS deliveries to each target server in turn and
// prints events/s, acknowledgement latency, peak server memory and a storage check side by
// side. Build and run from the repository root with `npm run bench:ingest -- --help`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeliveryFactory } from './deliveries.js';
import { runLoad, type LoadResult } from './load.js';
import { parseOptions, USAGE, type BenchOptions } from './options.js';
import {
  combineRounds,
  describeMachine,
  formatLoadAverage,
  formatRounds,
  formatTable,
  formatVerdicts,
  judgeTargets,
  type TargetResult,
} from './report.js';
import {
  createWorkDir,
  TARGETS,
  type RunningTarget,
  type Target,
  type TargetContext,
} from './targets.js';

const BUILD_DIR = path.dirname(fileURLToPath(import.meta.url));
const SIGNING_SECRET = 'whsec_bench_6N2pQx8Vt3LmZ9Rk4Wd7Yh1C';

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2), process.env);
  if (options === 'help') {
    console.log(USAGE);
    return;
  }
  const targets = selectTargets(options.targets);
  const repoRoot = findRepoRoot(BUILD_DIR);
  const fixture = path.join(repoRoot, 'fixtures/workos/dsync.user.created.json');
  const loadAverageAtStart = os.loadavg();
  printHeader(options, fixture);

  const results = await measureTargets(targets, options, repoRoot, fixture);
  const verdicts = judgeTargets(results);
  console.log(`\n${formatLoadAverage()} at the end of the run`);
  console.log(`\n${formatTable(results)}\n`);
  if (options.rounds > 1) console.log(`${formatRounds(results)}\n`);
  console.log(formatVerdicts(verdicts));

  if (options.jsonFile !== undefined) {
    const report = {
      machine: describeMachine(),
      loadAverageAtStart,
      loadAverageAtEnd: os.loadavg(),
      options,
      results,
      verdicts,
    };
    fs.writeFileSync(options.jsonFile, JSON.stringify(report, null, 2));
  }
  if (verdicts.some((verdict) => !verdict.passed)) process.exitCode = 1;
}

/** Measures the targets one after another, each with its own scratch folder. */
async function measureTargets(
  targets: readonly Target[],
  options: BenchOptions,
  repoRoot: string,
  fixture: string,
): Promise<TargetResult[]> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'inlet-bench-'));
  const rounds = new Map<string, TargetResult[]>(targets.map((target) => [target.key, []]));
  try {
    for (let round = 1; round <= options.rounds; round += 1) {
      for (const target of targets) {
        const context: TargetContext = {
          repoRoot,
          buildDir: BUILD_DIR,
          workDir: createWorkDir(scratch, `${target.key}-${round}`),
          signingSecret: SIGNING_SECRET,
          logLevel: options.logLevel,
          nodeArgs: profilingArgs(options, `${target.key}-${round}`),
          ...(options.postgresUrl === undefined ? {} : { postgresUrl: options.postgresUrl }),
        };
        console.log(
          `\nRunning ${target.key}, round ${round} of ${options.rounds}: ` +
            `${options.warmupSeconds} s warm-up, ${options.durationSeconds} s measured`,
        );
        rounds.get(target.key)!.push(await measureTarget(target, context, options, fixture));
      }
    }
  } finally {
    if (options.keep) console.log(`\nScratch folder kept: ${scratch}`);
    else fs.rmSync(scratch, { recursive: true, force: true });
  }
  return targets.map((target) => combineRounds(rounds.get(target.key)!));
}

/** Starts one target, loads it, stops it and reads its database. */
async function measureTarget(
  target: Target,
  context: TargetContext,
  options: BenchOptions,
  fixture: string,
): Promise<TargetResult> {
  const running = await target.start(context);
  try {
    const deliveries = new DeliveryFactory(fixture, context.signingSecret);
    const acknowledgedIds = new Set<string>();
    const load = await applyLoad(running, options, deliveries, acknowledgedIds);
    const peakRssBytes = running.server.readPeakRssBytes();
    await running.server.stop();
    const storage = await running.checkStorage?.(acknowledgedIds);

    const { measured, warmupAcknowledged, cpuSeconds } = load;
    console.log(
      `  ${Math.round(measured.eventsPerSecond)} events/s, p99 ${measured.latencyMs.p99.toFixed(2)} ms, ` +
        `${measured.rejected} non-2xx, ${measured.errors} errors`,
    );
    return {
      key: target.key,
      label: target.label,
      load: measured,
      acknowledgedTotal: warmupAcknowledged + measured.acknowledged,
      peakRssBytes,
      serverCpuPercent: (cpuSeconds / measured.durationSeconds) * 100,
      serverCpuMicrosPerEvent: (cpuSeconds * 1e6) / Math.max(1, measured.acknowledged),
      ...(storage === undefined ? {} : { storage }),
    };
  } finally {
    await running.server.stop();
    await running.cleanup();
  }
}

/** Runs the warm-up, then the measured load, and reads the server's CPU time around the latter. */
async function applyLoad(
  running: RunningTarget,
  options: BenchOptions,
  deliveries: DeliveryFactory,
  acknowledgedIds: Set<string>,
): Promise<{ measured: LoadResult; warmupAcknowledged: number; cpuSeconds: number }> {
  const load = {
    url: running.deliveryUrl,
    connections: options.connections,
    deliveries,
    acknowledgedIds,
  };
  let warmupAcknowledged = 0;
  if (options.warmupSeconds > 0) {
    const warmup = await runLoad({ ...load, durationSeconds: options.warmupSeconds });
    warmupAcknowledged = warmup.acknowledged;
  }

  const cpuBefore = running.server.readCpuSeconds();
  const measured = await runLoad({ ...load, durationSeconds: options.durationSeconds });
  const cpuSeconds = running.server.readCpuSeconds() - cpuBefore;
  return { measured, warmupAcknowledged, cpuSeconds };
}

function profilingArgs(options: BenchOptions, key: string): string[] {
  if (options.cpuProfileDir === undefined) return [];
  return [
    '--cpu-prof',
    `--cpu-prof-dir=${options.cpuProfileDir}`,
    `--cpu-prof-name=${key}.cpuprofile`,
  ];
}

function selectTargets(keys: readonly string[]): Target[] {
  return keys.map((key) => {
    const target = TARGETS.find((candidate) => candidate.key === key);
    if (target === undefined) {
      const known = TARGETS.map((candidate) => candidate.key).join(', ');
      throw new Error(`Unknown target "${key}"; choose from ${known}.`);
    }
    return target;
  });
}

function printHeader(options: BenchOptions, fixture: string): void {
  const bodyBytes = new DeliveryFactory(fixture, SIGNING_SECRET).bodyBytes;
  console.log(`Inlet ingest benchmark, ${new Date().toISOString()}`);
  for (const line of describeMachine()) console.log(line);
  console.log(`${formatLoadAverage()} at the start of the run`);
  console.log(
    `Load: ${options.connections} connections, ${options.warmupSeconds} s warm-up and ` +
      `${options.durationSeconds} s per target and round, ${options.rounds} round(s), ` +
      `${bodyBytes}-byte dsync.user.created bodies, Inlet log level ${options.logLevel}`,
  );
}

/** Walks up from the compiled benchmark to the folder that contains bin/inlet.js. */
function findRepoRoot(start: string): string {
  for (let dir = start; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'bin/inlet.js'))) return dir;
  }
  throw new Error(`No bin/inlet.js above ${start}; run the benchmark from an Inlet checkout.`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});

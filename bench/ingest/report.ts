import fs from 'node:fs';
import os from 'node:os';
import type { LoadResult } from './load.js';
import type { StorageCheck } from './storage-check.js';

export interface TargetResult {
  key: string;
  label: string;
  load: LoadResult;
  /** 2xx responses during warm-up and measurement together, the figure the storage check uses. */
  acknowledgedTotal: number;
  peakRssBytes: number;
  /** Server CPU time during the measured window divided by its length; 100 is one core. */
  serverCpuPercent: number;
  /** Server CPU time during the measured window per 2xx response, in microseconds. */
  serverCpuMicrosPerEvent: number;
  storage?: StorageCheck;
  /** Events/s of every round, in order, when the target ran more than once. */
  roundEventsPerSecond?: number[];
}

export interface TargetVerdict {
  name: string;
  passed: boolean;
  detail: string;
}

// The goals Inlet is held to on this benchmark, relative to the same run's other targets.
const MIN_SHARE_OF_BARE = 0.4;
const MIN_MULTIPLE_OF_BASELINE = 2;
const MAX_P99_MS = 25;

/** Describes the machine in one line each: CPU, cores, memory, Node and OS. */
export function describeMachine(): string[] {
  const cpuModel = os.cpus()[0]?.model.trim() ?? 'unknown';
  const memoryGib = (os.totalmem() / 1024 ** 3).toFixed(1);
  return [
    `CPU: ${cpuModel}, ${os.cpus().length} cores`,
    `Memory: ${memoryGib} GiB`,
    `Node: ${process.version}`,
    `OS: ${readOsName()} (kernel ${os.release()})`,
  ];
}

/**
 * Formats the 1, 5 and 15 minute load averages. Other processes on the machine take CPU from the
 * servers and the load generator, so a load above the core count makes the figures unreliable.
 */
export function formatLoadAverage(): string {
  const [one, five, fifteen] = os.loadavg().map((load) => load.toFixed(2));
  return `Load average ${one}, ${five}, ${fifteen} (1, 5, 15 min) on ${os.cpus().length} cores`;
}

function readOsName(): string {
  try {
    const release = fs.readFileSync('/etc/os-release', 'utf8');
    return /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(release)?.[1] ?? os.type();
  } catch {
    return os.type();
  }
}

/**
 * Reduces the rounds of one target to its round with the median events/s. The 2xx and storage
 * figures are summed over all rounds, so an event lost in any round still shows.
 */
export function combineRounds(rounds: readonly TargetResult[]): TargetResult {
  const sorted = [...rounds].sort((a, b) => a.load.eventsPerSecond - b.load.eventsPerSecond);
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  if (median === undefined) throw new Error('A target has no measured round.');
  if (rounds.length === 1) return median;

  const storage = sumStorage(rounds);
  return {
    ...median,
    acknowledgedTotal: rounds.reduce((sum, round) => sum + round.acknowledgedTotal, 0),
    ...(storage === undefined ? {} : { storage }),
    roundEventsPerSecond: rounds.map((round) => round.load.eventsPerSecond),
  };
}

function sumStorage(rounds: readonly TargetResult[]): StorageCheck | undefined {
  const checks = rounds.map((round) => round.storage);
  if (checks.some((check) => check === undefined)) return undefined;
  return {
    storedEvents: checks.reduce((sum, check) => sum + check!.storedEvents, 0),
    missingAcknowledged: checks.reduce((sum, check) => sum + check!.missingAcknowledged, 0),
    processJobs: checks.some((check) => check!.processJobs === null)
      ? null
      : checks.reduce((sum, check) => sum + check!.processJobs!, 0),
  };
}

/** Lists the events/s of every round per target. */
export function formatRounds(results: readonly TargetResult[]): string {
  const lines = results.map((result) => {
    const rates = (result.roundEventsPerSecond ?? [result.load.eventsPerSecond]).map(Math.round);
    return `${result.key}: ${rates.join(', ')} events/s`;
  });
  return ['Events/s by round (the table shows the median round):', ...lines].join('\n');
}

/** Formats the results as a Markdown table, one row per target. */
export function formatTable(results: readonly TargetResult[]): string {
  const header = [
    '| Target | Events/s | p50 ms | p99 ms | Peak RSS MiB | Server CPU % | CPU µs/event | 2xx | Stored | Missing | Non-2xx | Errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const rows = results.map((result) => {
    const { load, storage } = result;
    return [
      result.label,
      Math.round(load.eventsPerSecond).toString(),
      load.latencyMs.p50.toFixed(2),
      load.latencyMs.p99.toFixed(2),
      (result.peakRssBytes / 1024 ** 2).toFixed(0),
      result.serverCpuPercent.toFixed(0),
      result.serverCpuMicrosPerEvent.toFixed(0),
      result.acknowledgedTotal.toString(),
      storage === undefined ? 'n/a' : storage.storedEvents.toString(),
      storage === undefined ? 'n/a' : storage.missingAcknowledged.toString(),
      load.rejected.toString(),
      load.errors.toString(),
    ];
  });
  return [...header, ...rows.map((cells) => `| ${cells.join(' | ')} |`)].join('\n');
}

/** Checks every Inlet result against the goals. A goal whose reference target did not run is skipped. */
export function judgeTargets(results: readonly TargetResult[]): TargetVerdict[] {
  const bare = results.find((result) => result.key === 'bare');
  const baseline = results.find((result) => result.key === 'baseline');
  const verdicts: TargetVerdict[] = [];

  for (const inlet of results.filter((result) => result.key.startsWith('inlet'))) {
    const rate = inlet.load.eventsPerSecond;
    if (bare !== undefined) {
      const share = rate / bare.load.eventsPerSecond;
      verdicts.push({
        name: `${inlet.key}: at least ${MIN_SHARE_OF_BARE * 100}% of bare throughput`,
        passed: share >= MIN_SHARE_OF_BARE,
        detail: `${(share * 100).toFixed(1)}%`,
      });
    }
    if (baseline !== undefined) {
      const multiple = rate / baseline.load.eventsPerSecond;
      verdicts.push({
        name: `${inlet.key}: at least ${MIN_MULTIPLE_OF_BASELINE}x baseline throughput`,
        passed: multiple >= MIN_MULTIPLE_OF_BASELINE,
        detail: `${multiple.toFixed(2)}x`,
      });
    }
    verdicts.push({
      name: `${inlet.key}: p99 under ${MAX_P99_MS} ms`,
      passed: inlet.load.latencyMs.p99 < MAX_P99_MS,
      detail: `${inlet.load.latencyMs.p99.toFixed(2)} ms`,
    });
    verdicts.push(judgeStorage(inlet));
  }
  return verdicts;
}

function judgeStorage(inlet: TargetResult): TargetVerdict {
  const name = `${inlet.key}: every acknowledged event stored with its job`;
  const storage = inlet.storage;
  if (storage === undefined) return { name, passed: false, detail: 'the database was not checked' };
  const detail =
    `${inlet.acknowledgedTotal} acknowledged, ${storage.storedEvents} stored, ` +
    `${storage.missingAcknowledged} missing, ${storage.processJobs ?? 0} event.process jobs`;
  // Every delivery in this benchmark is a known event type, so each stored event has a job.
  const passed = storage.missingAcknowledged === 0 && storage.processJobs === storage.storedEvents;
  return { name, passed, detail };
}

export function formatVerdicts(verdicts: readonly TargetVerdict[]): string {
  return verdicts
    .map((verdict) => `${verdict.passed ? 'PASS' : 'FAIL'}  ${verdict.name} (${verdict.detail})`)
    .join('\n');
}

import path from 'node:path';
import { parseArgs } from 'node:util';

export interface BenchOptions {
  targets: string[];
  connections: number;
  /** Times the whole list of targets is measured; each target reports its median round. */
  rounds: number;
  warmupSeconds: number;
  durationSeconds: number;
  postgresUrl?: string;
  logLevel: string;
  /** File that receives the results as JSON, in addition to the printed table. */
  jsonFile?: string;
  /** Keeps the scratch folder (databases and server logs) after the run. */
  keep: boolean;
  /** Folder that receives a V8 CPU profile of each server process. */
  cpuProfileDir?: string;
}

export const USAGE = `Usage: npm run bench:ingest -- [options]
   or: node .tmp/bench/ingest/run.js [options], after npm run bench:build

Options:
  --targets <list>      comma-separated targets (default: all that can run)
                        bare, baseline, inlet-sqlite, inlet-sqlite-worker, inlet-postgres
  --connections <n>     concurrent keep-alive connections (default: 32)
  --rounds <n>          measure all targets n times, interleaved, and report each target's
                        round with the median events/s (default: 1)
  --warmup <seconds>    load before each measurement, not counted (default: 3)
  --duration <seconds>  measured load per target (default: 10)
  --pg <url>            PostgreSQL server for inlet-postgres; its user must be allowed to
                        create databases (default: INLET_TEST_DATABASE_URL)
  --log-level <level>   Inlet's pino level; its log goes to a file (default: info)
  --json <file>         also write the results as JSON to this file
  --keep                keep the scratch folder with databases and server logs
  --cpu-prof <dir>      write a V8 CPU profile of each server process into this folder;
                        profiling slows the servers, so the figures are not comparable
  --help                print this text`;

/** Parses the command line; throws with a message naming the invalid option. */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      targets: { type: 'string' },
      connections: { type: 'string', default: '32' },
      rounds: { type: 'string', default: '1' },
      warmup: { type: 'string', default: '3' },
      duration: { type: 'string', default: '10' },
      pg: { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      json: { type: 'string' },
      keep: { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return 'help';

  const postgresUrl = values.pg ?? (env.INLET_TEST_DATABASE_URL || undefined);
  const defaultTargets = ['bare', 'baseline', 'inlet-sqlite', 'inlet-sqlite-worker'];
  if (postgresUrl !== undefined) defaultTargets.push('inlet-postgres');
  return {
    targets: values.targets?.split(',').map((key) => key.trim()) ?? defaultTargets,
    connections: parseWholeNumber('--connections', values.connections),
    rounds: parseWholeNumber('--rounds', values.rounds),
    warmupSeconds: parseWholeNumber('--warmup', values.warmup, 0),
    durationSeconds: parseWholeNumber('--duration', values.duration),
    ...(postgresUrl === undefined ? {} : { postgresUrl }),
    logLevel: values['log-level'],
    ...(values.json === undefined ? {} : { jsonFile: values.json }),
    keep: values.keep,
    ...(values['cpu-prof'] === undefined
      ? {}
      : { cpuProfileDir: path.resolve(values['cpu-prof']) }),
  };
}

function parseWholeNumber(name: string, value: string, minimum = 1): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < minimum) {
    throw new Error(`${name} must be a whole number of at least ${minimum}; got "${value}".`);
  }
  return parsed;
}

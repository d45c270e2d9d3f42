import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ServerSpec {
  /** Name used in error messages. */
  name: string;
  /** Node script and its arguments; the child runs with this process's Node binary. */
  script: string;
  args?: string[];
  /** Options for the child's Node binary, such as --cpu-prof. */
  nodeArgs?: string[];
  env: Record<string, string>;
  port: number;
  /** Path requested until the server responds; any HTTP status counts as ready. */
  readyPath: string;
  /** File that receives the child's stdout and stderr. */
  logFile: string;
}

/** A server under test, running in its own process so that its memory is measured alone. */
export interface ServerProcess {
  pid: number;
  /** Base URL, such as http://127.0.0.1:41234. */
  url: string;
  /** Peak resident set size of the process so far (VmHWM), in bytes. */
  readPeakRssBytes(): number;
  /** CPU time the process used so far, user plus system, in seconds. */
  readCpuSeconds(): number;
  /** Sends SIGTERM and waits for the exit; sends SIGKILL after 15 s. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;
// Linux reports CPU time in clock ticks; USER_HZ is 100 on every mainstream kernel build.
const CLOCK_TICKS_PER_SECOND = 100;

/** Returns a TCP port on 127.0.0.1 that was free a moment ago. */
export async function findFreePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string')
    throw new Error('Could not read the port of a probe server.');
  return address.port;
}

/** Starts the server and resolves once it responds to HTTP on `readyPath`. */
export async function startServerProcess(spec: ServerSpec): Promise<ServerProcess> {
  const log = fs.openSync(spec.logFile, 'a');
  const child = spawn(
    process.execPath,
    [...(spec.nodeArgs ?? []), spec.script, ...(spec.args ?? [])],
    {
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', log, log],
    },
  );
  fs.closeSync(log);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );

  const url = `http://127.0.0.1:${spec.port}`;
  try {
    await waitUntilReady(spec, url, exited);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const pid = child.pid!;
  return {
    pid,
    url,
    readPeakRssBytes: () => readStatusKilobytes(pid, 'VmHWM') * 1024,
    readCpuSeconds: () => readCpuSeconds(pid),
    stop: () => stopChild(child, exited),
  };
}

async function waitUntilReady(
  spec: ServerSpec,
  url: string,
  exited: Promise<number | null>,
): Promise<void> {
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) {
      throw new Error(
        `The ${spec.name} server exited with code ${exitCode} before it was ready:\n${tail(spec.logFile)}`,
      );
    }
    try {
      await fetch(url + spec.readyPath);
      return;
    } catch {
      await sleep(50);
    }
  }
  throw new Error(
    `The ${spec.name} server did not respond on ${url} within ${READY_TIMEOUT_MS / 1000} s:\n${tail(spec.logFile)}`,
  );
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

function readStatusKilobytes(pid: number, field: string): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (match === null) throw new Error(`/proc/${pid}/status has no ${field} line.`);
  return Number(match[1]);
}

function readCpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces, so fields are counted after its closing ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const userTicks = Number(fields[11]);
  const systemTicks = Number(fields[12]);
  return (userTicks + systemTicks) / CLOCK_TICKS_PER_SECOND;
}

function tail(file: string, lines = 20): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}

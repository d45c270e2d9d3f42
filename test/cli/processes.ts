import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = fileURLToPath(new URL('../../bin/inlet.js', import.meta.url));
const BUILT_ENTRY = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/**
 * Builds dist/ when it is missing, because bin/inlet.js runs the compiled CLI. An existing
 * dist/ is used as it is: run `npm run build` after changing src/ to test the change here.
 */
export async function ensureBuilt(): Promise<void> {
  if (fs.existsSync(BUILT_ENTRY)) return;
  await promisify(execFile)('npm', ['run', 'build'], { cwd: REPO_ROOT });
}

/** Environment for child processes: only PATH and HOME from this process, plus `env`. */
export function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...env };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/inlet.js <args>`; resolves with the exit code and output, also on failure. */
export function runCli(
  args: string[],
  options: { env: Record<string, string>; input?: string },
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: REPO_ROOT, env: childEnv(options.env), timeout: 20_000 },
      (error, stdout, stderr) => {
        let code: number | null = 0;
        if (error !== null) code = typeof error.code === 'number' ? error.code : null;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(options.input ?? '');
  });
}

export interface ServerProcess {
  child: ChildProcess;
  /** Base URL from the "Inlet listening on" line. */
  url: string;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
  /** Sends SIGKILL, like `kill -9`, and waits for the exit. */
  kill(): Promise<void>;
}

/** Starts `node bin/inlet.js start` and resolves once it prints the URL it listens on. */
export function startServerProcess(
  env: Record<string, string>,
  timeoutMs = 20_000,
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [CLI, 'start'], {
    cwd: REPO_ROOT,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`inlet start printed no URL within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    const onEarlyExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`inlet start exited with code ${code}; stderr: ${stderr}`));
    };
    child.once('exit', onEarlyExit);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const match = /Inlet listening on (http:\/\/\S+)/.exec(stdout);
      if (match === null) return;
      clearTimeout(timer);
      child.off('exit', onEarlyExit);
      resolve({
        child,
        url: match[1]!,
        exited,
        async kill() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
          await exited;
        },
      });
    });
  });
}

import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { describeEachEngine, type Engine } from '../support/engines.js';
import { startTestInlet, type TestInlet } from '../support/inlet.js';
import { buildDelivery, postDelivery } from '../receive/deliveries.js';
import { ensureBuilt, runCli, type CliResult } from './processes.js';

const SECRET = 'whsec_cli_development_Ud4Ve6Wf8Xg0Yh2Zi4';
const PRODUCTION_SECRET = 'whsec_cli_production_Aj5Bk7Cl9Dm1En3Fo5';

// Each test starts several Node processes, which takes seconds on a busy machine.
vi.setConfig({ testTimeout: 60_000 });

// An empty data folder, so the CLI never picks up a key from ./data of the checkout.
let dataDir: string;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'inlet-cli-'));
  await ensureBuilt();
}, 120_000);

afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function cli(
  inlet: TestInlet,
  args: string[],
  options: { apiKey?: string; input?: string } = {},
): Promise<CliResult> {
  const apiKey = options.apiKey ?? inlet.inlet.apiKey;
  return runCli(['--url', inlet.url, '--api-key', apiKey, ...args], {
    env: { INLET_DATA_DIR: dataDir },
    ...(options.input === undefined ? {} : { input: options.input }),
  });
}

/** Runs a command that must succeed and returns its standard output. */
async function ok(
  inlet: TestInlet,
  args: string[],
  options: { input?: string } = {},
): Promise<string> {
  const result = await cli(inlet, args, options);
  expect(result.stderr, args.join(' ')).toBe('');
  expect(result.code, args.join(' ')).toBe(0);
  return result.stdout;
}

function start(engine: Engine): Promise<TestInlet> {
  return startTestInlet(engine, { INLET_PUBLIC_URL: 'https://hooks.inlet.example' });
}

/** Returns a loopback port that nothing listens on: a server this test opened and closed. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describeEachEngine('inlet CLI', (engine) => {
  it('creates a source, sets a secret, sends and lists events', { timeout: 120_000 }, async () => {
    const inlet = await start(engine);

    const created = await ok(inlet, ['sources', 'create', 'directory', '--name', 'Directory']);
    expect(created).toContain('Source directory (workos) is ready.');
    expect(created).toMatch(
      /development\s+https:\/\/hooks\.inlet\.example\/integrations\/receive\/\S+/,
    );

    const secretSet = await ok(inlet, [
      'sources',
      'secret',
      'set',
      'directory',
      '--secret',
      SECRET,
    ]);
    expect(secretSet.trim()).toBe(
      `Signing secret for directory/development set (…${SECRET.slice(-4)}).`,
    );

    const serverSigned = await ok(inlet, ['send', 'directory', 'dsync.user.created']);
    expect(serverSigned).toMatch(
      /^Delivered dsync\.user\.created to directory\/development: event evt_\w+ \(received\)\.$/m,
    );
    const locallySigned = await ok(inlet, [
      'send',
      'directory',
      'dsync.user.created',
      '--secret',
      SECRET,
    ]);
    expect(locallySigned).toMatch(/event evt_\w+ \(received\)/);

    const page = JSON.parse(await ok(inlet, ['events', 'list', 'directory', '--json']));
    expect(page.data).toHaveLength(2);
    for (const event of page.data) {
      expect(event.verification).toBe('verified');
      expect(event.event_type).toBe('dsync.user.created');
    }
    expect(page.next_cursor).toBeNull();

    const shownEvent = JSON.parse(
      await ok(inlet, ['events', 'show', 'directory', page.data[0].id]),
    );
    expect(shownEvent.id).toBe(page.data[0].id);
    expect(shownEvent.body.event).toBe('dsync.user.created');
    expect(shownEvent.headers).not.toHaveProperty('workos-signature');

    const listed = JSON.parse(await ok(inlet, ['sources', 'list', '--json']));
    expect(listed.map((source: any) => source.key)).toEqual(['directory']);
    expect(JSON.stringify(listed)).not.toContain(SECRET);

    const shownSource = await ok(inlet, ['sources', 'show', 'directory']);
    expect(shownSource).toContain('directory: Directory (workos)');
    expect(shownSource).toContain(`…${SECRET.slice(-4)}`);
    expect(shownSource).toContain('https://hooks.inlet.example/integrations/receive/');
    expect(shownSource).not.toContain(SECRET);
  });

  it('reads a secret from standard input', async () => {
    const inlet = await start(engine);
    await ok(inlet, ['sources', 'create', 'directory', '--name', 'Directory']);

    const output = await ok(
      inlet,
      ['sources', 'secret', 'set', 'directory', '--env', 'production'],
      {
        input: `${PRODUCTION_SECRET}\n`,
      },
    );

    expect(output).not.toContain(PRODUCTION_SECRET);
    const source = await inlet.api('GET', '/v1/sources/directory');
    const production = source.body.environments.find(
      (env: any) => env.environment === 'production',
    );
    expect(production.signing_secrets.map((secret: any) => secret.hint)).toEqual([
      `…${PRODUCTION_SECRET.slice(-4)}`,
    ]);
    const url = inlet.url + new URL(production.webhook_url).pathname;
    const answer = await postDelivery(url, await buildDelivery({ secret: PRODUCTION_SECRET }));
    expect(answer.status).toBe(200);
  });

  it('lists events as a table and filters by type', async () => {
    const inlet = await start(engine);
    await inlet.createWorkosSource('directory', SECRET);
    await ok(inlet, ['send', 'directory', 'dsync.user.created']);
    await ok(inlet, ['send', 'directory', 'dsync.group.created']);

    const table = await ok(inlet, ['events', 'list', 'directory']);
    const filtered = JSON.parse(
      await ok(inlet, ['events', 'list', 'directory', '--type', 'dsync.group.created', '--json']),
    );

    const lines = table.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+EVENT_TYPE\s+STATUS\s+RECEIVED_AT\s+DELIVERY_COUNT$/);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain('dsync.group.created');
    expect(filtered.data.map((event: any) => event.event_type)).toEqual(['dsync.group.created']);
  });

  it('finds the server and key from INLET_URL and the data folder', async () => {
    const inlet = await start(engine);
    await inlet.createWorkosSource('directory', SECRET);

    const result = await runCli(['sources', 'list', '--json'], {
      env: { INLET_URL: inlet.url, INLET_DATA_DIR: inlet.storage.config.dataDir },
    });

    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout).map((source: any) => source.key)).toEqual(['directory']);
  });

  it('explains where the key comes from when there is none', async () => {
    const inlet = await start(engine);

    const result = await runCli(['--url', inlet.url, 'sources', 'list'], {
      env: { INLET_DATA_DIR: dataDir },
    });

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'Error (unauthorized): No admin API key: pass --api-key, set INLET_API_KEY',
    );
  });

  it('exits non-zero with a wrong API key', async () => {
    const inlet = await start(engine);

    const result = await cli(inlet, ['sources', 'list'], {
      apiKey: 'inlet_wrong_key_0123456789abcdef',
    });

    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('unauthorized');
    expect(result.stderr).not.toContain('inlet_wrong_key_0123456789abcdef');
  });

  it('reports a delivery the server rejects', async () => {
    const inlet = await start(engine);
    await inlet.createWorkosSource('directory', SECRET);

    const result = await cli(inlet, [
      'send',
      'directory',
      'dsync.user.created',
      '--secret',
      'whsec_not_the_right_one_123',
    ]);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('401 signature_mismatch');
  });

  it('reports an unknown source', async () => {
    const inlet = await start(engine);

    const result = await cli(inlet, ['events', 'list', 'missing']);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Error (not_found): Source "missing" was not found.');
  });

  it('reports a server that does not answer', async () => {
    const inlet = await start(engine);
    const port = await closedPort();

    const result = await runCli(
      ['--url', `http://127.0.0.1:${port}`, '--api-key', inlet.inlet.apiKey, 'sources', 'list'],
      {
        env: { INLET_DATA_DIR: dataDir },
      },
    );

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('connection_failed');
    expect(result.stderr).toContain(`http://127.0.0.1:${port}`);
  });
});

import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { startInlet, type RunningInlet } from '../../src/start.js';
import {
  createTestStorage,
  describeEachEngine,
  type Engine,
  type TestStorage,
} from '../support/engines.js';
import { startTestInlet, type TestInlet } from '../support/inlet.js';
import { buildDelivery, postDelivery, waitFor } from '../receive/deliveries.js';

const SECRET_A = 'whsec_rotation_A_Vx8Wy0Za2Bc4De6Fg8Hk';
const SECRET_B = 'whsec_rotation_B_Lm1Np3Qr5St7Uv9Wx1Yz';
const SECRET_C = 'whsec_rotation_C_Gh2Jk4Lm6Np8Qr0St2Uv';
const ENVIRONMENT = '/v1/sources/directory/environments/development';

async function deliverWith(
  url: string,
  secret: string,
): Promise<{ status: number; code?: string }> {
  const answer = await postDelivery(url, await buildDelivery({ secret }));
  return { status: answer.status, code: answer.body?.code };
}

async function setSecret(inlet: TestInlet, body: Record<string, unknown>): Promise<any> {
  const answer = await inlet.api('PUT', ENVIRONMENT, body);
  expect(answer.status).toBe(200);
  return answer.body;
}

/** Reads every file of the data folder (SQLite database, WAL, key files) into one buffer. */
function dataFolderBytes(dataDir: string): Buffer {
  const files = fs.readdirSync(dataDir).map((name) => path.join(dataDir, name));
  return Buffer.concat(
    files.filter((file) => fs.statSync(file).isFile()).map((file) => fs.readFileSync(file)),
  );
}

const started: { server: RunningInlet; storage: TestStorage }[] = [];

afterEach(async () => {
  for (const { server, storage } of started.splice(0)) {
    await server.stop();
    await storage.cleanup();
  }
});

/** Starts a server whose log lines, at trace level, go into `lines`. */
async function startWithCapturedLog(engine: Engine, lines: string[]): Promise<RunningInlet> {
  const storage = await createTestStorage(engine);
  const log = createLogger('trace', { write: (line: string) => lines.push(line) });
  const server = await startInlet(storage.config, { log });
  started.push({ server, storage });
  return server;
}

describeEachEngine('signing secrets', (engine) => {
  it('shows only a hint of a secret', async () => {
    const inlet = await startTestInlet(engine);
    await inlet.createWorkosSource('directory', SECRET_A);

    const updated = await inlet.api('PUT', ENVIRONMENT, { signing_secret: SECRET_B });
    const shown = await inlet.api('GET', '/v1/sources/directory');
    const listed = await inlet.api('GET', '/v1/sources');

    for (const answer of [updated, shown, listed]) {
      expect(JSON.stringify(answer.body)).not.toContain(SECRET_A);
      expect(JSON.stringify(answer.body)).not.toContain(SECRET_B);
    }
    expect(updated.body.signing_secrets.map((secret: any) => secret.hint)).toEqual([
      `…${SECRET_B.slice(-4)}`,
      `…${SECRET_A.slice(-4)}`,
    ]);
  });

  it('shows at most a quarter of a short secret', async () => {
    const inlet = await startTestInlet(engine);
    await inlet.api('PUT', '/v1/sources/directory', { name: 'Directory', provider: 'workos' });

    const updated = await inlet.api('PUT', ENVIRONMENT, { signing_secret: 'ab3dEf7h' });

    expect(updated.body.signing_secrets[0].hint).toBe('…7h');
  });

  it('stores secrets encrypted', async () => {
    const inlet = await startTestInlet(engine);
    await inlet.createWorkosSource('directory', SECRET_A);
    await setSecret(inlet, { signing_secret: SECRET_B });

    const rows = await inlet.inlet.database.db.selectFrom('signing_secrets').selectAll().execute();

    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row.ciphertext).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(JSON.stringify(rows)).not.toContain(SECRET_A);
    expect(JSON.stringify(rows)).not.toContain(SECRET_B);
    expect(inlet.inlet.box.decrypt(rows.find((row) => row.expires_at === null)!.ciphertext)).toBe(
      SECRET_B,
    );
  });

  it('keeps secrets out of the data folder files', async () => {
    const inlet = await startTestInlet(engine);
    await inlet.createWorkosSource('directory', SECRET_A);
    await setSecret(inlet, { signing_secret: SECRET_B });

    const bytes = dataFolderBytes(inlet.storage.config.dataDir);

    if (engine === 'sqlite') expect(bytes.length).toBeGreaterThan(0);
    expect(bytes.includes(SECRET_A)).toBe(false);
    expect(bytes.includes(SECRET_B)).toBe(false);
    expect(bytes.includes(Buffer.from(SECRET_A, 'utf16le'))).toBe(false);
  });

  it('accepts the previous secret during the grace period', async () => {
    const inlet = await startTestInlet(engine);
    const url = await inlet.createWorkosSource('directory', SECRET_A);
    const before = Date.now();

    const view = await setSecret(inlet, { signing_secret: SECRET_B });

    expect(await deliverWith(url, SECRET_A)).toEqual({ status: 200 });
    expect(await deliverWith(url, SECRET_B)).toEqual({ status: 200 });
    const [current, previous] = view.signing_secrets;
    expect(current.expires_at).toBeNull();
    const expiresMs = Date.parse(previous.expires_at);
    expect(expiresMs).toBeGreaterThanOrEqual(before + 86_400_000);
    expect(expiresMs).toBeLessThanOrEqual(Date.now() + 86_400_000);
  });

  it('rejects the previous secret once revoked', async () => {
    const inlet = await startTestInlet(engine);
    const url = await inlet.createWorkosSource('directory', SECRET_A);
    await setSecret(inlet, { signing_secret: SECRET_B });

    const view = await setSecret(inlet, { revoke_previous_secrets: true });

    expect(await deliverWith(url, SECRET_A)).toEqual({ status: 401, code: 'signature_mismatch' });
    expect(await deliverWith(url, SECRET_B)).toEqual({ status: 200 });
    expect(view.signing_secrets.map((secret: any) => secret.hint)).toEqual([
      `…${SECRET_B.slice(-4)}`,
    ]);
  });

  it('rotates and revokes in one request', async () => {
    const inlet = await startTestInlet(engine);
    const url = await inlet.createWorkosSource('directory', SECRET_A);

    await setSecret(inlet, { signing_secret: SECRET_B, revoke_previous_secrets: true });

    expect(await deliverWith(url, SECRET_A)).toEqual({ status: 401, code: 'signature_mismatch' });
    expect(await deliverWith(url, SECRET_B)).toEqual({ status: 200 });
  });

  it('ends the old secret at once with a grace of zero', async () => {
    const inlet = await startTestInlet(engine);
    const url = await inlet.createWorkosSource('directory', SECRET_A);

    const view = await setSecret(inlet, { signing_secret: SECRET_B, secret_grace_seconds: 0 });

    expect(await deliverWith(url, SECRET_A)).toEqual({ status: 401, code: 'signature_mismatch' });
    expect(await deliverWith(url, SECRET_B)).toEqual({ status: 200 });
    expect(view.signing_secrets).toHaveLength(1);
  });

  it('uses the configured grace period', async () => {
    const inlet = await startTestInlet(engine, { INLET_SECRET_GRACE_SECONDS: '0' });
    const url = await inlet.createWorkosSource('directory', SECRET_A);

    await setSecret(inlet, { signing_secret: SECRET_B });

    expect(await deliverWith(url, SECRET_A)).toEqual({ status: 401, code: 'signature_mismatch' });
  });

  it('keeps every secret of two rotations within the grace period', async () => {
    const inlet = await startTestInlet(engine);
    const url = await inlet.createWorkosSource('directory', SECRET_A);
    await setSecret(inlet, { signing_secret: SECRET_B });

    const view = await setSecret(inlet, { signing_secret: SECRET_C, secret_grace_seconds: 3600 });

    for (const secret of [SECRET_A, SECRET_B, SECRET_C]) {
      expect(await deliverWith(url, secret), secret).toEqual({ status: 200 });
    }
    const expiries = view.signing_secrets.map((secret: any) => secret.expires_at);
    expect(expiries[0]).toBeNull();
    // A shorter grace shortens the older secret's period as well, and never extends one.
    expect(expiries[1]).toBe(expiries[2]);
  });

  it('keeps secrets per environment', async () => {
    const inlet = await startTestInlet(engine);
    const developmentUrl = await inlet.createWorkosSource('directory', SECRET_A, 'development');
    const productionUrl = await inlet.createWorkosSource('directory', SECRET_B, 'production');

    await setSecret(inlet, { signing_secret: SECRET_C, revoke_previous_secrets: true });

    expect(await deliverWith(developmentUrl, SECRET_C)).toEqual({ status: 200 });
    expect(await deliverWith(productionUrl, SECRET_B)).toEqual({ status: 200 });
    expect(await deliverWith(productionUrl, SECRET_C)).toEqual({
      status: 401,
      code: 'signature_mismatch',
    });
  });

  it('never writes secrets to the log', async () => {
    const lines: string[] = [];
    const server = await startWithCapturedLog(engine, lines);
    const headers = {
      authorization: `Bearer ${server.inlet.apiKey}`,
      'content-type': 'application/json',
    };
    const call = (method: string, route: string, body?: unknown) =>
      fetch(server.url + route, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });

    await call('PUT', '/v1/sources/directory', { name: 'Directory', provider: 'workos' });
    const updated = (await (
      await call('PUT', ENVIRONMENT, { signing_secret: SECRET_A })
    ).json()) as any;
    const url = server.url + new URL(updated.webhook_url).pathname;
    await call('PUT', ENVIRONMENT, { signing_secret: SECRET_B });
    await call('PUT', ENVIRONMENT, { signing_secret: 'short' });
    await call('PUT', ENVIRONMENT, { signing_secret: SECRET_C, unknown_field: SECRET_C });
    await deliverWith(url, SECRET_A);
    await deliverWith(url, SECRET_B);
    await deliverWith(url, 'whsec_forger_Ab1Cd3Ef5Gh7Ij9Kl1Mn3');
    await postDelivery(url, await buildDelivery({ secret: SECRET_B, signature: 't=1, v1=nope' }));
    await postDelivery(url, await buildDelivery({ secret: SECRET_B, body: 'not json' }));
    await call('POST', `${ENVIRONMENT}/test-events`, { event_type: 'dsync.user.created' });
    await waitFor('rejection records', async () => {
      const page = (await (await call('GET', `${ENVIRONMENT}/rejections`)).json()) as any;
      return page.data.length >= 2 ? true : undefined;
    });

    const output = lines.join('');
    expect(output).toContain('"msg":"event recorded"');
    expect(output).toContain('"msg":"delivery rejected"');
    expect(output).toContain('"msg":"source environment updated"');
    // Debug lines (level 20) show that the low log level reached the captured stream.
    expect(output).toContain('"level":20');
    for (const secret of [SECRET_A, SECRET_B, SECRET_C, server.inlet.apiKey]) {
      expect(output.includes(secret), `log contains ${secret.slice(0, 12)}…`).toBe(false);
    }
  });
});

import { beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../support/engines.js';
import { buildDelivery, postDelivery } from '../receive/deliveries.js';
import {
  errorLines,
  expectError,
  expectHealthy,
  useHostileServer,
  type ApiResponse,
} from './hostile-server.js';

// Unicode, a newline, a NUL and an emoji. The last four characters, which the hint shows, are
// ASCII.
const UNICODE_SECRET = 'whsec_ünïcödé\nzweite Zeile\u0000🔑_Rt5Yu7Io9P_tail';
const SECOND_SECRET = 'whsec_second_\r\n\t«Kj3Hg5Fd7Sa9»_end2';
const DEVELOPMENT = '/v1/sources/directory/environments/development';

/** Returns every form a secret could take in a JSON response or log line. */
function secretForms(secret: string): string[] {
  const withoutTail = secret.slice(0, -4);
  return [
    secret,
    JSON.stringify(secret).slice(1, -1),
    withoutTail,
    JSON.stringify(withoutTail).slice(1, -1),
  ];
}

function expectNoSecret(text: string): void {
  for (const secret of [UNICODE_SECRET, SECOND_SECRET]) {
    for (const form of secretForms(secret)) expect(text).not.toContain(form);
  }
}

describeEachEngine('hostile source and secret input', (engine) => {
  const hostile = useHostileServer(engine);
  const answers: ApiResponse[] = [];
  let url = '';

  async function call(method: string, path: string, body?: unknown): Promise<ApiResponse> {
    const answer = await hostile.api(method, path, body);
    answers.push(answer);
    return answer;
  }

  beforeAll(async () => {
    expect(
      (await call('PUT', '/v1/sources/directory', { name: 'Directory', provider: 'workos' }))
        .status,
    ).toBe(201);
    const updated = await call('PUT', DEVELOPMENT, { signing_secret: UNICODE_SECRET });
    expect(updated.status).toBe(200);
    url = hostile.url + new URL(updated.body.webhook_url).pathname;
  });

  it('verifies deliveries signed with a unicode secret', async () => {
    const answer = await postDelivery(url, await buildDelivery({ secret: UNICODE_SECRET }));

    expect(answer.status).toBe(200);
  });

  it('shows only the ASCII tail of a unicode secret', async () => {
    const shown = await call('GET', '/v1/sources/directory');
    const development = shown.body.environments.find(
      (environment: { environment: string }) => environment.environment === 'development',
    );

    expect(development.signing_secrets.map((secret: { hint: string }) => secret.hint)).toEqual([
      '…tail',
    ]);
  });

  it.each([
    { name: 'a secret of 7 characters', body: { signing_secret: 'short12' } },
    { name: 'a secret of 513 characters', body: { signing_secret: 'x'.repeat(513) } },
    { name: 'a null secret', body: { signing_secret: null } },
    { name: 'a secret in an object', body: { signing_secret: { value: UNICODE_SECRET } } },
    { name: 'a secret in an unknown field', body: { secret: UNICODE_SECRET } },
    {
      name: 'a negative grace period',
      body: { signing_secret: SECOND_SECRET, secret_grace_seconds: -1 },
    },
    {
      name: 'a grace period over 30 days',
      body: { signing_secret: SECOND_SECRET, secret_grace_seconds: 2_592_001 },
    },
    { name: 'revoke given as 1', body: { revoke_previous_secrets: 1 } },
    { name: 'revoke given as null', body: { revoke_previous_secrets: null } },
    { name: 'a tolerance of 0 seconds', body: { tolerance_seconds: 0 } },
  ])('rejects $name without echoing it', async ({ body }) => {
    const answer = await call('PUT', DEVELOPMENT, body);

    expectError(answer, 400, 'validation_failed');
    expectNoSecret(JSON.stringify(answer.body));
  });

  it('rejects default_mappings given as null', async () => {
    const answer = await call('PUT', '/v1/sources/nulled', {
      name: 'Nulled',
      provider: 'workos',
      default_mappings: null,
    });

    expectError(answer, 400, 'validation_failed');
    expectError(await call('GET', '/v1/sources/nulled'), 404, 'not_found');
  });

  it('keeps the only secret when revoking previous ones', async () => {
    const revoked = await call('PUT', DEVELOPMENT, { revoke_previous_secrets: true });
    const delivered = await postDelivery(url, await buildDelivery({ secret: UNICODE_SECRET }));

    expect(revoked.status).toBe(200);
    expect(revoked.body.signing_secrets).toHaveLength(1);
    expect(delivered.status).toBe(200);
  });

  it('accepts the same secret twice and revokes the older row', async () => {
    const again = await call('PUT', DEVELOPMENT, {
      signing_secret: UNICODE_SECRET,
      revoke_previous_secrets: true,
    });
    const delivered = await postDelivery(url, await buildDelivery({ secret: UNICODE_SECRET }));

    expect(again.status).toBe(200);
    expect(again.body.signing_secrets).toHaveLength(1);
    expect(delivered.status).toBe(200);
  });

  it('rotates to a secret with control characters', async () => {
    const rotated = await call('PUT', DEVELOPMENT, {
      signing_secret: SECOND_SECRET,
      secret_grace_seconds: 0,
    });
    const withNew = await postDelivery(url, await buildDelivery({ secret: SECOND_SECRET }));
    const withOld = await postDelivery(url, await buildDelivery({ secret: UNICODE_SECRET }));

    expect(rotated.status).toBe(200);
    expect(withNew.status).toBe(200);
    expectError(withOld, 401, 'signature_mismatch');
  });

  it('answers 404 when rotating on unknown sources and environments', async () => {
    const source = await call('PUT', '/v1/sources/missing/environments/development', {
      signing_secret: SECOND_SECRET,
    });
    const environment = await call('PUT', '/v1/sources/directory/environments/staging', {
      signing_secret: SECOND_SECRET,
    });

    expectError(source, 404, 'not_found');
    expectError(environment, 404, 'unknown_environment');
  });

  it('kept every secret out of answers and logs', async () => {
    await call('GET', '/v1/sources');
    await call('POST', `${DEVELOPMENT}/test-events`, { event_type: 'dsync.user.created' });

    for (const answer of answers) expectNoSecret(JSON.stringify(answer.body));
    expect(hostile.logLines.length).toBeGreaterThan(0);
    expectNoSecret(hostile.logLines.join('\n'));
    expect(errorLines(hostile.logLines)).toEqual([]);
    await expectHealthy(hostile.url);
  });
});

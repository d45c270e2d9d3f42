import { expect, it } from 'vitest';
import { startInlet } from '../../src/start.js';
import { describeEachEngine } from '../support/engines.js';
import { restartTestInlet, startTestInlet, type TestInlet } from '../support/inlet.js';

const PASSWORD = 'correct horse battery staple';

interface Reply {
  status: number;
  body: any;
  headers: Headers;
}

/** Calls the server like a browser: with the session cookie and no bearer token. */
async function browserCall(
  inlet: TestInlet,
  method: string,
  path: string,
  options: { cookie?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const response = await fetch(inlet.url + path, {
    method,
    headers: {
      ...(options.cookie ? { cookie: options.cookie } : {}),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text,
    headers: response.headers,
  };
}

async function signIn(inlet: TestInlet, body: unknown): Promise<{ reply: Reply; cookie: string }> {
  const reply = await browserCall(inlet, 'POST', '/v1/session', { body });
  const setCookie = reply.headers.get('set-cookie') ?? '';
  return { reply, cookie: setCookie.split(';')[0] ?? '' };
}

describeEachEngine('dashboard session', (engine) => {
  it('signs in with the admin key into an HttpOnly cookie', async () => {
    const inlet = await startTestInlet(engine);
    const { reply, cookie } = await signIn(inlet, { api_key: inlet.inlet.apiKey });

    expect(reply.status).toBe(200);
    expect(reply.body.username).toBe('admin');
    expect(reply.body.environments).toEqual(['development', 'production']);
    const setCookie = reply.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^inlet_session=[\w-]{40,};/);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).toContain('Path=/');
    expect(setCookie).not.toContain(inlet.inlet.apiKey);
    expect(JSON.stringify(reply.body)).not.toContain(inlet.inlet.apiKey);

    const current = await browserCall(inlet, 'GET', '/v1/session', { cookie });
    expect(current.status).toBe(200);
    expect(current.body.username).toBe('admin');
    const sources = await browserCall(inlet, 'GET', '/v1/sources', { cookie });
    expect(sources.status).toBe(200);
  });

  it('rejects a wrong key and unauthenticated calls', async () => {
    const inlet = await startTestInlet(engine);
    const wrong = await signIn(inlet, { api_key: 'not-the-key' });
    expect(wrong.reply.status).toBe(401);
    expect(wrong.reply.body.code).toBe('invalid_credentials');
    expect(wrong.reply.headers.get('set-cookie')).toBeNull();

    expect((await browserCall(inlet, 'GET', '/v1/session')).status).toBe(401);
    const forged = await browserCall(inlet, 'GET', '/v1/sources', {
      cookie: 'inlet_session=forged-token',
    });
    expect(forged.status).toBe(401);
    expect(forged.body.code).toBe('unauthorized');
  });

  it('requires the CSRF header for cookie writes', async () => {
    const inlet = await startTestInlet(engine);
    const { cookie } = await signIn(inlet, { api_key: inlet.inlet.apiKey });
    const source = { name: 'CRM', provider: 'workos' };

    const bare = await browserCall(inlet, 'PUT', '/v1/sources/crm', { cookie, body: source });
    expect(bare.status).toBe(403);
    expect(bare.body.code).toBe('csrf_header_missing');
    expect((await inlet.api('GET', '/v1/sources/crm')).status).toBe(404);

    const marked = await browserCall(inlet, 'PUT', '/v1/sources/crm', {
      cookie,
      body: source,
      headers: { 'x-inlet-csrf': '1' },
    });
    expect(marked.status).toBe(201);
  });

  it('shares sessions between processes', async () => {
    const inlet = await startTestInlet(engine);
    const second = await startInlet(inlet.storage.config);
    try {
      const other = { ...inlet, url: second.url };
      const { cookie } = await signIn(inlet, { api_key: inlet.inlet.apiKey });
      expect((await browserCall(other, 'GET', '/v1/sources', { cookie })).status).toBe(200);

      const out = await browserCall(other, 'DELETE', '/v1/session', { cookie });
      expect(out.status).toBe(204);
      expect(out.headers.get('set-cookie')).toMatch(/inlet_session=;.*Max-Age=0/);
      expect((await browserCall(inlet, 'GET', '/v1/sources', { cookie })).status).toBe(401);
    } finally {
      await second.stop();
    }
  });

  it('rejects an expired session', async () => {
    const inlet = await startTestInlet(engine);
    const { cookie } = await signIn(inlet, { api_key: inlet.inlet.apiKey });
    await inlet.inlet.database.db
      .updateTable('dashboard_sessions')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .execute();

    const expired = await browserCall(inlet, 'GET', '/v1/sources', { cookie });
    expect(expired.status).toBe(401);
    expect(expired.body.message).toContain('expired');
  });

  it('stores only a digest of the token', async () => {
    const inlet = await startTestInlet(engine);
    const { cookie } = await signIn(inlet, { api_key: inlet.inlet.apiKey });
    const token = cookie.split('=')[1]!;
    const rows = await inlet.inlet.database.db
      .selectFrom('dashboard_sessions')
      .selectAll()
      .execute();

    expect(rows).toHaveLength(1);
    expect(rows[0]!.id).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0]!.id).not.toBe(token);
  });

  it('blocks an address after ten failed sign-ins', async () => {
    const inlet = await startTestInlet(engine);
    for (let attempt = 0; attempt < 10; attempt += 1) {
      expect((await signIn(inlet, { api_key: `wrong-${attempt}` })).reply.status).toBe(401);
    }
    const blocked = await signIn(inlet, { api_key: inlet.inlet.apiKey });
    expect(blocked.reply.status).toBe(429);
    expect(blocked.reply.body.code).toBe('too_many_attempts');
    expect(Number(blocked.reply.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('ends sessions when the admin key changes', async () => {
    const inlet = await startTestInlet(engine);
    const { cookie } = await signIn(inlet, { api_key: inlet.inlet.apiKey });
    // The restart reads this configuration, as a process would read a changed INLET_API_KEY.
    Object.assign(inlet.storage.config, { apiKey: 'a-new-admin-key-after-a-leak-000' });

    const restarted = await restartTestInlet(inlet);
    expect(restarted.inlet.apiKey).toBe('a-new-admin-key-after-a-leak-000');
    const old = await browserCall(restarted, 'GET', '/v1/sources', { cookie });
    expect(old.status).toBe(401);
    const fresh = await signIn(restarted, { api_key: 'a-new-admin-key-after-a-leak-000' });
    expect(fresh.reply.status).toBe(200);
  });

  it('limits wrong admin keys on the API', async () => {
    const inlet = await startTestInlet(engine);
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const guess = await browserCall(inlet, 'GET', '/v1/sources', {
        headers: { authorization: `Bearer guess-${attempt}` },
      });
      expect(guess.status).toBe(401);
    }
    const blocked = await browserCall(inlet, 'GET', '/v1/sources', {
      headers: { authorization: `Bearer ${inlet.inlet.apiKey}` },
    });
    expect(blocked.status).toBe(429);
    expect(blocked.body.code).toBe('too_many_attempts');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    const signIn = await browserCall(inlet, 'POST', '/v1/session', {
      body: { api_key: inlet.inlet.apiKey },
    });
    expect(signIn.status).toBe(429);
  });

  it.each([
    ['a key in an array', { api_key: ['KEY'] }],
    ['a numeric key', { api_key: 123 }],
    ['a null key', { api_key: null }],
    ['a key with a password', { api_key: 'KEY', username: 'ops', password: 'x'.repeat(12) }],
    ['an extra field', { api_key: 'KEY', remember: true }],
    ['an empty body', {}],
  ])('rejects %s at sign-in', async (_name, body) => {
    const inlet = await startTestInlet(engine);
    const withKey = JSON.parse(JSON.stringify(body).replace('KEY', inlet.inlet.apiKey));
    const attempt = await signIn(inlet, withKey);

    expect(attempt.reply.status).toBe(400);
    expect(attempt.reply.body.code).toBe('validation_failed');
    expect(attempt.reply.headers.get('set-cookie')).toBeNull();
  });

  it('signs in with a configured user and password', async () => {
    const inlet = await startTestInlet(engine, {
      INLET_DASHBOARD_USER: 'ops',
      INLET_DASHBOARD_PASSWORD: PASSWORD,
    });
    const methods = await browserCall(inlet, 'GET', '/v1/session/methods');
    expect(methods.body.methods).toEqual(['api_key', 'password']);

    const wrong = await signIn(inlet, { username: 'ops', password: 'not the password' });
    expect(wrong.reply.status).toBe(401);
    expect(JSON.stringify(wrong.reply.body)).not.toContain(PASSWORD);
    const right = await signIn(inlet, { username: 'ops', password: PASSWORD });
    expect(right.reply.status).toBe(200);
    expect(right.reply.body.username).toBe('ops');
  });

  it('rejects passwords when none is configured', async () => {
    const inlet = await startTestInlet(engine);
    const methods = await browserCall(inlet, 'GET', '/v1/session/methods');
    expect(methods.body.methods).toEqual(['api_key']);
    const attempt = await signIn(inlet, { username: 'admin', password: 'anything-at-all' });
    expect(attempt.reply.status).toBe(401);
    expect(attempt.reply.body.code).toBe('invalid_credentials');
  });
});

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Inlet } from '../app.js';
import { InletError } from '../errors.js';
import { equalSecrets, noteFailure, rejectBlocked, SESSION_COOKIE } from './authentication.js';
import type { SessionStore } from './session-store.js';
import type { SignInThrottle } from './sign-in-throttle.js';

/** Name shown for sessions opened with the admin key. */
const ADMIN_KEY_USER = 'admin';

// The body is checked with zod rather than the route schema because Fastify's Ajv coerces types:
// it would accept ["key"] for "key". Exactly one way of signing in is allowed per request.
const signInBody = z.union([
  z.object({ api_key: z.string().min(1).max(1024) }).strict(),
  z
    .object({ username: z.string().min(1).max(200), password: z.string().min(1).max(1024) })
    .strict(),
]);

type SignIn = z.infer<typeof signInBody>;

/** Returns the credentials that may open a session now, in the form SessionStore records. */
export function currentCredentials(config: Inlet['config'], apiKey: string): string[] {
  const credentials = [apiKeyCredential(apiKey)];
  if (config.dashboardUser !== '' && config.dashboardPassword !== '') {
    credentials.push(passwordCredential(config.dashboardUser, config.dashboardPassword));
  }
  return credentials;
}

const apiKeyCredential = (apiKey: string) => `api-key\n${apiKey}`;
const passwordCredential = (user: string, password: string) => `password\n${user}\n${password}`;

/**
 * Sign-in, the current session and sign-out of the dashboard, under `/v1/session`. These routes
 * are public: they check credentials and the cookie themselves.
 */
export async function sessionRoutes(
  app: FastifyInstance,
  inlet: Inlet,
  sessions: SessionStore,
  throttle: SignInThrottle,
): Promise<void> {
  const { config } = inlet;
  const passwordSignIn = config.dashboardUser !== '' && config.dashboardPassword !== '';
  const secureCookie = config.publicUrl.startsWith('https://');

  const setCookie = (reply: FastifyReply, token: string, maxAgeSeconds: number) =>
    reply.setCookie(SESSION_COOKIE, token, {
      path: '/',
      httpOnly: true,
      sameSite: 'strict',
      secure: secureCookie,
      maxAge: maxAgeSeconds,
    });

  const sessionView = (username: string, expiresAt: string) => ({
    username,
    expires_at: expiresAt,
    environments: config.environments,
  });

  app.get('/session/methods', { schema: { hide: true } }, async () => ({
    methods: passwordSignIn ? ['api_key', 'password'] : ['api_key'],
  }));

  app.post('/session', { schema: { hide: true } }, async (request, reply) => {
    rejectBlocked(request, throttle);
    const parsed = signInBody.safeParse(request.body);
    if (!parsed.success) {
      throw new InletError(
        'validation_failed',
        'Send {"api_key": "<admin key>"}, or {"username": "…", "password": "…"} when password sign-in is configured, as JSON strings.',
      );
    }
    const signedIn = checkCredentials(parsed.data, inlet.apiKey, passwordSignIn, config);
    if (signedIn === undefined) {
      noteFailure(request, throttle, 'dashboard sign-in failed');
      throw new InletError(
        'invalid_credentials',
        passwordSignIn
          ? 'The admin key, or the user name and password, are not correct.'
          : 'The admin key is not correct.',
      );
    }
    throttle.recordSuccess(request.ip);
    const session = await sessions.create(signedIn.username, signedIn.credential);
    request.log.info({ user: signedIn.username }, 'dashboard sign-in');
    setCookie(reply, session.token, config.sessionHours * 3600);
    return sessionView(session.username, session.expires_at);
  });

  app.get('/session', { schema: { hide: true } }, async (request) => {
    const session = await currentSession(request, sessions);
    return sessionView(session.username, session.expires_at);
  });

  app.delete('/session', { schema: { hide: true } }, async (request, reply) => {
    const token = request.cookies[SESSION_COOKIE];
    if (token) await sessions.delete(token);
    setCookie(reply, '', 0);
    return reply.status(204).send();
  });
}

async function currentSession(request: FastifyRequest, sessions: SessionStore) {
  const token = request.cookies[SESSION_COOKIE];
  const session = token ? await sessions.find(token) : undefined;
  if (session === undefined) throw new InletError('unauthorized', 'Not signed in.');
  return session;
}

function checkCredentials(
  body: SignIn,
  apiKey: string,
  passwordSignIn: boolean,
  config: Inlet['config'],
): { username: string; credential: string } | undefined {
  if ('api_key' in body) {
    if (!equalSecrets(body.api_key, apiKey)) return undefined;
    return { username: ADMIN_KEY_USER, credential: apiKeyCredential(apiKey) };
  }
  if (!passwordSignIn) return undefined;
  // Both comparisons always run, so the response time does not tell which one failed.
  const userMatches = equalSecrets(body.username, config.dashboardUser);
  const passwordMatches = equalSecrets(body.password, config.dashboardPassword);
  if (!(userMatches && passwordMatches)) return undefined;
  return {
    username: config.dashboardUser,
    credential: passwordCredential(config.dashboardUser, config.dashboardPassword),
  };
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Inlet } from '../app.js';
import { InletError } from '../errors.js';
import { equalSecrets, SESSION_COOKIE } from './authentication.js';
import type { SessionStore } from './session-store.js';
import { SignInThrottle } from './sign-in-throttle.js';

/** Name shown for sessions opened with the admin key. */
const ADMIN_KEY_USER = 'admin';

const signInBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    api_key: { type: 'string', minLength: 1, maxLength: 1024 },
    username: { type: 'string', minLength: 1, maxLength: 200 },
    password: { type: 'string', minLength: 1, maxLength: 1024 },
  },
} as const;

/**
 * Sign-in, the current session and sign-out of the dashboard, under `/v1/session`. These routes
 * are public: they check credentials and the cookie themselves.
 */
export async function sessionRoutes(
  app: FastifyInstance,
  inlet: Inlet,
  sessions: SessionStore,
): Promise<void> {
  const throttle = new SignInThrottle();
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

  app.post<{ Body: { api_key?: string; username?: string; password?: string } }>(
    '/session',
    { schema: { hide: true, body: signInBody } },
    async (request, reply) => {
      const address = request.ip;
      const wait = throttle.retryAfterSeconds(address);
      if (wait > 0) {
        void reply.header('retry-after', String(wait));
        throw new InletError(
          'too_many_attempts',
          `Too many failed sign-ins from this address; try again in ${wait} seconds.`,
        );
      }
      const username = checkCredentials(request.body, inlet.apiKey, passwordSignIn, config);
      if (username === undefined) {
        throttle.recordFailure(address);
        request.log.warn({ ip: address }, 'dashboard sign-in failed');
        throw new InletError(
          'invalid_credentials',
          passwordSignIn
            ? 'The admin key, or the user name and password, are not correct.'
            : 'The admin key is not correct.',
        );
      }
      throttle.recordSuccess(address);
      const session = await sessions.create(username);
      request.log.info({ user: username }, 'dashboard sign-in');
      setCookie(reply, session.token, config.sessionHours * 3600);
      return sessionView(session.username, session.expires_at);
    },
  );

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
  body: { api_key?: string; username?: string; password?: string },
  apiKey: string,
  passwordSignIn: boolean,
  config: Inlet['config'],
): string | undefined {
  if (body.api_key !== undefined) {
    return equalSecrets(body.api_key, apiKey) ? ADMIN_KEY_USER : undefined;
  }
  if (body.username === undefined || body.password === undefined) {
    throw new InletError(
      'validation_failed',
      'Send "api_key", or "username" and "password" when password sign-in is configured.',
    );
  }
  if (!passwordSignIn) return undefined;
  // Both comparisons always run, so the response time does not tell which one failed.
  const userMatches = equalSecrets(body.username, config.dashboardUser);
  const passwordMatches = equalSecrets(body.password, config.dashboardPassword);
  return userMatches && passwordMatches ? config.dashboardUser : undefined;
}

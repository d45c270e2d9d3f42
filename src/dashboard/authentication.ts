import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { InletError } from '../errors.js';
import type { SessionStore } from './session-store.js';
import type { SignInThrottle } from './sign-in-throttle.js';

export const SESSION_COOKIE = 'inlet_session';

/** Request header that cookie-authenticated writes must carry; a cross-site form cannot set it. */
export const CSRF_HEADER = 'x-inlet-csrf';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Returns the `onRequest` hook of the management API. A request authenticates with the admin key
 * as a bearer token, or with the dashboard's session cookie. Cookie requests that change state
 * must also send the CSRF header. Wrong keys count towards the same per-address limit as failed
 * sign-ins, so the key cannot be guessed faster through the API than through the sign-in form.
 */
export function managementAuthentication(
  apiKey: string,
  sessions: SessionStore,
  throttle: SignInThrottle,
) {
  return async (request: FastifyRequest) => {
    const header = request.headers.authorization;
    if (header !== undefined) {
      rejectBlocked(request, throttle);
      if (!bearerMatches(header, apiKey)) {
        noteFailure(request, throttle, 'admin key check failed');
        throw new InletError(
          'unauthorized',
          'Send the admin API key as "Authorization: Bearer <key>".',
        );
      }
      return;
    }
    const token = request.cookies[SESSION_COOKIE];
    if (token === undefined || token === '') {
      throw new InletError(
        'unauthorized',
        'Send the admin API key as "Authorization: Bearer <key>", or sign in to the dashboard.',
      );
    }
    const session = await sessions.find(token);
    if (session === undefined) {
      throw new InletError('unauthorized', 'The dashboard session has expired; sign in again.');
    }
    if (!SAFE_METHODS.has(request.method) && request.headers[CSRF_HEADER] === undefined) {
      throw new InletError(
        'csrf_header_missing',
        `Requests signed in with the session cookie must send the "${CSRF_HEADER}" header.`,
      );
    }
  };
}

function bearerMatches(header: string | string[], apiKey: string): boolean {
  // The scheme name is case-insensitive (RFC 9110, section 11.1).
  const match = typeof header === 'string' ? /^bearer\s+(.+)$/i.exec(header.trim()) : null;
  const token = match?.[1]?.trim() ?? '';
  return token !== '' && equalSecrets(token, apiKey);
}

/** Throws `too_many_attempts` with a Retry-After value while the client's address is blocked. */
export function rejectBlocked(request: FastifyRequest, throttle: SignInThrottle): void {
  const wait = throttle.retryAfterSeconds(request.ip);
  if (wait === 0) return;
  throw new InletError(
    'too_many_attempts',
    `Too many failed sign-ins or admin key checks from this address; try again in ${wait} seconds.`,
    { details: { retry_after_seconds: wait } },
  );
}

/**
 * Counts a failed credential check of the client's address. It logs the first failure of a
 * window and the one that blocks the address, so a flood of guesses cannot flood the log.
 */
export function noteFailure(
  request: FastifyRequest,
  throttle: SignInThrottle,
  message: string,
): void {
  const count = throttle.recordFailure(request.ip);
  if (count === 1) request.log.warn({ ip: request.ip }, message);
  if (count === throttle.maxFailures) {
    request.log.warn({ ip: request.ip, failures: count }, `${message}; address blocked`);
  }
}

/** Compares digests, so the comparison takes the same time whatever the lengths. */
export function equalSecrets(candidate: string, expected: string): boolean {
  const left = createHash('sha256').update(candidate).digest();
  const right = createHash('sha256').update(expected).digest();
  return timingSafeEqual(left, right);
}

import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { InletError } from '../errors.js';
import type { SessionStore } from './session-store.js';

export const SESSION_COOKIE = 'inlet_session';

/** Request header that cookie-authenticated writes must carry; a cross-site form cannot set it. */
export const CSRF_HEADER = 'x-inlet-csrf';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Returns the `onRequest` hook of the management API. A request authenticates with the admin key
 * as a bearer token, or with the dashboard's session cookie. Cookie requests that change state
 * must also send the CSRF header.
 */
export function managementAuthentication(apiKey: string, sessions: SessionStore) {
  return async (request: FastifyRequest) => {
    const header = request.headers.authorization;
    if (header !== undefined) {
      checkBearer(header, apiKey);
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

function checkBearer(header: string | string[], apiKey: string): void {
  // The scheme name is case-insensitive (RFC 9110, section 11.1).
  const match = typeof header === 'string' ? /^bearer\s+(.+)$/i.exec(header.trim()) : null;
  const token = match?.[1]?.trim() ?? '';
  if (token === '' || !equalSecrets(token, apiKey)) {
    throw new InletError(
      'unauthorized',
      'Send the admin API key as "Authorization: Bearer <key>".',
    );
  }
}

/** Compares digests, so the comparison takes the same time whatever the lengths. */
export function equalSecrets(given: string, expected: string): boolean {
  const left = createHash('sha256').update(given).digest();
  const right = createHash('sha256').update(expected).digest();
  return timingSafeEqual(left, right);
}

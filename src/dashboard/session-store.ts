import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/database.js';

export interface DashboardSession {
  username: string;
  expires_at: string;
}

/**
 * Dashboard sign-in sessions, kept in the database so that every Inlet process sharing it
 * accepts the same cookie. Only the SHA-256 digest of a token is stored, so a copy of the
 * database cannot be used to sign in. Each session also records a digest of the credential that
 * opened it, and is accepted only while that credential is still configured: changing the admin
 * key or the dashboard password ends the sessions opened with the old one.
 */
export class SessionStore {
  private readonly currentCredentials: Set<string>;

  /** `credentials` lists every credential that may sign in now, such as the admin key. */
  constructor(
    private readonly db: Db,
    private readonly lifetimeMs: number,
    credentials: readonly string[],
  ) {
    this.currentCredentials = new Set(credentials.map(digest));
  }

  /**
   * Creates a session for a user who signed in with `credential`, and returns its token, the
   * value of the session cookie.
   */
  async create(
    username: string,
    credential: string,
    now = new Date(),
  ): Promise<{ token: string } & DashboardSession> {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + this.lifetimeMs).toISOString();
    // Sign-ins are rare, so they also sweep sessions that have expired.
    await this.db
      .deleteFrom('dashboard_sessions')
      .where('expires_at', '<=', now.toISOString())
      .execute();
    await this.db
      .insertInto('dashboard_sessions')
      .values({
        id: digest(token),
        username,
        credential_digest: digest(credential),
        created_at: now.toISOString(),
        expires_at: expiresAt,
      })
      .execute();
    return { token, username, expires_at: expiresAt };
  }

  /**
   * Returns the live session of a token, or undefined for an unknown or expired token and for a
   * session whose credential is no longer configured.
   */
  async find(token: string, now = new Date()): Promise<DashboardSession | undefined> {
    if (token === '' || token.length > 100) return undefined;
    const row = await this.db
      .selectFrom('dashboard_sessions')
      .select(['username', 'expires_at', 'credential_digest'])
      .where('id', '=', digest(token))
      .where('expires_at', '>', now.toISOString())
      .executeTakeFirst();
    if (row === undefined || !this.currentCredentials.has(row.credential_digest)) return undefined;
    return { username: row.username, expires_at: row.expires_at };
  }

  async delete(token: string): Promise<void> {
    await this.db.deleteFrom('dashboard_sessions').where('id', '=', digest(token)).execute();
  }
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

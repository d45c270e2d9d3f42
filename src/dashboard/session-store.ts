import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/database.js';

export interface DashboardSession {
  username: string;
  expires_at: string;
}

/**
 * Dashboard sign-in sessions, kept in the database so that every Inlet process sharing it
 * accepts the same cookie. Only the SHA-256 digest of a token is stored, so a copy of the
 * database cannot be used to sign in.
 */
export class SessionStore {
  constructor(
    private readonly db: Db,
    private readonly lifetimeMs: number,
  ) {}

  /** Creates a session and returns its token, the value of the session cookie. */
  async create(username: string, now = new Date()): Promise<{ token: string } & DashboardSession> {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + this.lifetimeMs).toISOString();
    // Sign-ins are rare, so they also sweep sessions that have expired.
    await this.db
      .deleteFrom('dashboard_sessions')
      .where('expires_at', '<=', now.toISOString())
      .execute();
    await this.db
      .insertInto('dashboard_sessions')
      .values({ id: digest(token), username, created_at: now.toISOString(), expires_at: expiresAt })
      .execute();
    return { token, username, expires_at: expiresAt };
  }

  /** Returns the live session of a token, or undefined for an unknown or expired one. */
  async find(token: string, now = new Date()): Promise<DashboardSession | undefined> {
    if (token === '' || token.length > 100) return undefined;
    const row = await this.db
      .selectFrom('dashboard_sessions')
      .select(['username', 'expires_at'])
      .where('id', '=', digest(token))
      .where('expires_at', '>', now.toISOString())
      .executeTakeFirst();
    return row;
  }

  async delete(token: string): Promise<void> {
    await this.db.deleteFrom('dashboard_sessions').where('id', '=', digest(token)).execute();
  }
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

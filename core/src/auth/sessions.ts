import { randomBytes } from 'node:crypto';
import { AuthenticationError } from '@assay/sdk';
import type { Knex } from 'knex';
import { hashSecretToken, isSecretToken, newSecretToken } from './secret-tokens.ts';

export const SESSION_COOKIE = 'assay_session';
export const CSRF_COOKIE = 'assay_csrf';
export const CSRF_HEADER = 'x-csrf-token';
const SESSION_PREFIX = 'sess';

/** A browser session; the cookie holds the secret, the table its hash. */
export interface Session {
  readonly userId: string;
  readonly csrfToken: string;
  readonly method: 'password' | 'oidc';
  readonly expiresAt: Date;
  readonly oidcIdToken: string | null;
  readonly oidcRefreshToken: string | null;
}

interface SessionRow {
  id_hash: string;
  user_id: string;
  csrf_token: string;
  method: 'password' | 'oidc';
  expires_at: Date;
  oidc_id_token: string | null;
  oidc_refresh_token: string | null;
}

/** Browser sessions in `core_sessions`. */
export class SessionStore {
  readonly #db: Knex;

  constructor(db: Knex) {
    this.#db = db;
  }

  async create(input: {
    userId: string;
    method: Session['method'];
    hours: number;
    oidcIdToken?: string;
    oidcRefreshToken?: string;
  }): Promise<{ secret: string; session: Session }> {
    const secret = newSecretToken(SESSION_PREFIX);
    const csrfToken = randomBytes(24).toString('base64url');
    const expiresAt = new Date(Date.now() + input.hours * 3600_000);
    await this.#db('core_sessions').insert({
      id_hash: hashSecretToken(secret),
      user_id: input.userId,
      csrf_token: csrfToken,
      method: input.method,
      oidc_id_token: input.oidcIdToken ?? null,
      oidc_refresh_token: input.oidcRefreshToken ?? null,
      expires_at: expiresAt,
    });
    // Expired sessions are swept opportunistically; there is no other writer to the table.
    await this.#db('core_sessions').where('expires_at', '<', this.#db.fn.now()).delete();
    return {
      secret,
      session: {
        userId: input.userId,
        csrfToken,
        method: input.method,
        expiresAt,
        oidcIdToken: input.oidcIdToken ?? null,
        oidcRefreshToken: input.oidcRefreshToken ?? null,
      },
    };
  }

  /** The live session a cookie value names; SESSION_INVALID (401) for anything else. */
  async verify(secret: string): Promise<Session> {
    const invalid = (): AuthenticationError =>
      new AuthenticationError('The session has ended or is not valid; sign in again', { code: 'SESSION_INVALID' });
    if (!isSecretToken(secret, SESSION_PREFIX)) throw invalid();
    const row = await this.#db<SessionRow>('core_sessions')
      .where({ id_hash: hashSecretToken(secret) })
      .first();
    if (row === undefined || row.expires_at.getTime() <= Date.now()) throw invalid();
    return {
      userId: row.user_id,
      csrfToken: row.csrf_token,
      method: row.method,
      expiresAt: row.expires_at,
      oidcIdToken: row.oidc_id_token,
      oidcRefreshToken: row.oidc_refresh_token,
    };
  }

  /** Ends the session; the returned row lets OIDC logout build the IdP's end-session URL. */
  async remove(secret: string): Promise<Session | undefined> {
    if (!isSecretToken(secret, SESSION_PREFIX)) return undefined;
    const session = await this.verify(secret).catch(() => undefined);
    await this.#db('core_sessions')
      .where({ id_hash: hashSecretToken(secret) })
      .delete();
    return session;
  }

  /** Ends every session of a user (password change, disabled account). */
  async removeAllOf(userId: string): Promise<void> {
    await this.#db('core_sessions').where({ user_id: userId }).delete();
  }

  /** Extends a session after an IdP refresh. */
  async extend(secret: string, hours: number, refreshToken: string | undefined): Promise<void> {
    await this.#db('core_sessions')
      .where({ id_hash: hashSecretToken(secret) })
      .update({
        expires_at: new Date(Date.now() + hours * 3600_000),
        ...(refreshToken === undefined ? {} : { oidc_refresh_token: refreshToken }),
      });
  }
}

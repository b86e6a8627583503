import type { Knex } from 'knex';
import { hashSecretToken } from '../secret-tokens.ts';

/** How long a user has between leaving for the identity provider and coming back. */
const PENDING_LOGIN_MINUTES = 10;

/** What the callback of one login needs: the checks to apply and where to send the user afterwards. */
export interface PendingLogin {
  readonly nonce: string;
  readonly codeVerifier: string;
  readonly returnTo: string;
}

/** Outcome of {@link PendingLoginStore.consume}: the login, or why there is none. */
export type ConsumedLogin =
  { readonly found: true; readonly login: PendingLogin } | { readonly found: false; readonly expired: boolean };

/**
 * Logins in flight (`core_oidc_logins`), keyed by the SHA-256 of their `state`. `consume` deletes the row it
 * returns in the same statement, so two callbacks carrying one state cannot both complete a login.
 */
export class PendingLoginStore {
  readonly #db: Knex;

  constructor(db: Knex) {
    this.#db = db;
  }

  /** Records a login about to be sent to the identity provider; also drops logins that were never finished. */
  async save(state: string, login: PendingLogin): Promise<void> {
    await this.#db('core_oidc_logins').where('expires_at', '<', this.#db.fn.now()).delete();
    await this.#db('core_oidc_logins').insert({
      state_hash: hashSecretToken(state),
      nonce: login.nonce,
      code_verifier: login.codeVerifier,
      return_to: login.returnTo,
      expires_at: this.#db.raw(`now() + interval '${PENDING_LOGIN_MINUTES} minutes'`),
    });
  }

  /** Takes the login for `state` out of the store; it cannot be taken twice. */
  async consume(state: string): Promise<ConsumedLogin> {
    const { rows } = await this.#db.raw<{ rows: ConsumedRow[] }>(
      `delete from core_oidc_logins where state_hash = ?
       returning nonce, code_verifier, return_to, expires_at > now() as live`,
      [hashSecretToken(state)],
    );
    const row = rows[0];
    if (row === undefined) return { found: false, expired: false };
    if (!row.live) return { found: false, expired: true };
    return { found: true, login: { nonce: row.nonce, codeVerifier: row.code_verifier, returnTo: row.return_to } };
  }
}

interface ConsumedRow {
  nonce: string;
  code_verifier: string;
  return_to: string;
  live: boolean;
}

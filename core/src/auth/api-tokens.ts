import { AuthenticationError, NotFoundError } from '@assay/sdk';
import type { Knex } from 'knex';
import { hashSecretToken, isSecretToken, newSecretToken } from './secret-tokens.ts';
import { isUuid } from '../database/uuid.ts';

/** Prefix of API tokens, so secret scanners and people recognize them. */
export const API_TOKEN_PREFIX = 'assay';

/** An API token as listed (never with its secret). */
export interface ApiToken {
  readonly id: string;
  readonly name: string;
  readonly userId: string;
  /** Null for platform tokens (role `platform-admin`). */
  readonly workspace: string | null;
  readonly role: string;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

interface TokenRow {
  id: string;
  token_hash: string;
  name: string;
  user_id: string;
  workspace: string | null;
  role: string;
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

/** What a presented token resolves to. */
export interface TokenGrant {
  readonly token: ApiToken;
  readonly userId: string;
}

/** API tokens in `core_api_tokens`, stored as SHA-256 hashes. */
export class ApiTokenStore {
  readonly #db: Knex;

  constructor(db: Knex) {
    this.#db = db;
  }

  /** Creates a token and returns its secret; this is the only time the secret exists outside the caller. */
  async create(input: {
    userId: string;
    workspace: string | null;
    role: string;
    name: string;
    expiresAt: Date | null;
    createdBy: string;
  }): Promise<{ token: ApiToken; secret: string }> {
    const secret = newSecretToken(API_TOKEN_PREFIX);
    const [row] = await this.#db<TokenRow>('core_api_tokens')
      .insert({
        user_id: input.userId,
        workspace: input.workspace,
        role: input.role,
        name: input.name,
        token_hash: hashSecretToken(secret),
        expires_at: input.expiresAt,
        created_by: input.createdBy,
      } as never)
      .returning('*');
    return { token: toToken(row!), secret };
  }

  /**
   * Resolves a presented bearer token: malformed (TOKEN_MALFORMED), unknown (TOKEN_INVALID), revoked
   * (TOKEN_REVOKED) and expired (TOKEN_EXPIRED) tokens are refused with 401.
   */
  async verify(presented: string): Promise<TokenGrant> {
    if (!isSecretToken(presented, API_TOKEN_PREFIX)) {
      throw new AuthenticationError('The bearer token is malformed: expected an Assay API token (assay_…)', {
        code: 'TOKEN_MALFORMED',
      });
    }
    const row = await this.#db<TokenRow>('core_api_tokens')
      .where({ token_hash: hashSecretToken(presented) })
      .first();
    if (row === undefined) throw new AuthenticationError('The API token is not valid', { code: 'TOKEN_INVALID' });
    if (row.revoked_at !== null) {
      throw new AuthenticationError(`API token "${row.name}" was revoked`, { code: 'TOKEN_REVOKED' });
    }
    if (row.expires_at !== null && row.expires_at.getTime() <= Date.now()) {
      throw new AuthenticationError(`API token "${row.name}" expired at ${row.expires_at.toISOString()}`, {
        code: 'TOKEN_EXPIRED',
      });
    }
    return { token: toToken(row), userId: row.user_id };
  }

  /** Records use at most once a minute per token, so busy clients do not write on every request. */
  async touch(id: string): Promise<void> {
    await this.#db('core_api_tokens')
      .where({ id })
      .andWhere((q) => {
        void q.whereNull('last_used_at').orWhere('last_used_at', '<', this.#db.raw(`now() - interval '1 minute'`));
      })
      .update({ last_used_at: this.#db.fn.now() });
  }

  async list(filter: { userId?: string; workspace?: string }): Promise<ApiToken[]> {
    const query = this.#db<TokenRow>('core_api_tokens').orderBy('created_at');
    if (filter.userId !== undefined) query.where({ user_id: filter.userId });
    if (filter.workspace !== undefined) query.where({ workspace: filter.workspace });
    return (await query).map(toToken);
  }

  async get(id: string): Promise<ApiToken> {
    const row = isUuid(id) ? await this.#db<TokenRow>('core_api_tokens').where({ id }).first() : undefined;
    if (row === undefined) throw new NotFoundError(`No API token ${id}`, { code: 'TOKEN_NOT_FOUND' });
    return toToken(row);
  }

  /** Revokes a token; revoking twice is fine. */
  async revoke(id: string): Promise<ApiToken> {
    await this.get(id);
    const [row] = await this.#db<TokenRow>('core_api_tokens')
      .where({ id })
      .update({ revoked_at: this.#db.raw('coalesce(revoked_at, now())') } as never)
      .returning('*');
    return toToken(row!);
  }
}

function toToken(row: TokenRow): ApiToken {
  return {
    id: row.id,
    name: row.name,
    userId: row.user_id,
    workspace: row.workspace,
    role: row.role,
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at?.toISOString() ?? null,
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
    revokedAt: row.revoked_at?.toISOString() ?? null,
  };
}

import { AuthenticationError, ConflictError, NotFoundError } from '@assay/sdk';
import type { Knex } from 'knex';
import { checkPasswordStrength, hashPassword, verifyNothing, verifyPassword } from './passwords.ts';
import { isUuid } from '../database/uuid.ts';

/** A person or service account as the API shows it. */
export interface User {
  readonly id: string;
  readonly kind: 'user' | 'service-account';
  readonly email: string | null;
  readonly name: string;
  /** The workspace a service account belongs to. */
  readonly workspace: string | null;
  readonly disabled: boolean;
  readonly createdAt: string;
  readonly lastLoginAt: string | null;
  /** Signs in through the IdP rather than with a password. */
  readonly sso: boolean;
}

interface UserRow {
  id: string;
  oidc_issuer: string | null;
  kind: 'user' | 'service-account';
  email: string | null;
  name: string;
  workspace: string | null;
  disabled: boolean;
  created_at: Date;
  last_login_at: Date | null;
  oidc_subject: string | null;
  password_hash: string | null;
  failed_logins: number;
  locked_until: Date | null;
}

export interface LockoutPolicy {
  maxFailedLogins: number;
  lockoutMinutes: number;
}

/** People and service accounts in `core_users`. */
export class UserStore {
  readonly #db: Knex;

  constructor(db: Knex) {
    this.#db = db;
  }

  async count(kind: User['kind'] = 'user'): Promise<number> {
    const [row] = await this.#db('core_users').where({ kind }).count<{ count: string }[]>('* as count');
    return Number(row?.count ?? 0);
  }

  async get(id: string): Promise<User> {
    const row = isUuid(id) ? await this.#db<UserRow>('core_users').where({ id }).first() : undefined;
    if (row === undefined) throw new NotFoundError(`No user ${id}`, { code: 'USER_NOT_FOUND' });
    return toUser(row);
  }

  async findByEmail(email: string): Promise<User | undefined> {
    const row = await this.#db<UserRow>('core_users').whereRaw('lower(email) = lower(?)', [email]).first();
    return row === undefined ? undefined : toUser(row);
  }

  async list(filter: { workspace?: string; kind?: User['kind'] } = {}): Promise<User[]> {
    const query = this.#db<UserRow>('core_users').orderBy('created_at');
    if (filter.kind !== undefined) query.where({ kind: filter.kind });
    if (filter.workspace !== undefined) query.where({ workspace: filter.workspace });
    return (await query).map(toUser);
  }

  async listByIds(ids: readonly string[]): Promise<User[]> {
    const valid = ids.filter((id) => isUuid(id));
    if (valid.length === 0) return [];
    return (await this.#db<UserRow>('core_users').whereIn('id', valid)).map(toUser);
  }

  /** A local account; the password is checked for strength and stored as a scrypt hash. */
  async createLocal(input: { email: string; name: string; password: string }): Promise<User> {
    checkPasswordStrength(input.password);
    const passwordHash = await hashPassword(input.password);
    return this.#insert({
      kind: 'user',
      email: input.email,
      name: input.name,
      password_hash: passwordHash,
      password_changed_at: this.#db.fn.now(),
    });
  }

  async createServiceAccount(input: { workspace: string; name: string }): Promise<User> {
    return this.#insert({ kind: 'service-account', name: input.name, workspace: input.workspace });
  }

  /** Finds the user an IdP identity belongs to, creating it on first login (just-in-time provisioning). */
  async upsertOidc(input: { issuer: string; subject: string; email?: string; name?: string }): Promise<User> {
    const existing = await this.#db<UserRow>('core_users')
      .where({ oidc_issuer: input.issuer, oidc_subject: input.subject })
      .first();
    const name = input.name ?? input.email ?? input.subject;
    if (existing !== undefined) {
      const [row] = await this.#db<UserRow>('core_users')
        .where({ id: existing.id })
        .update({ email: input.email ?? existing.email, name, last_login_at: this.#db.fn.now() } as never)
        .returning('*');
      return toUser(row!);
    }
    const user = await this.#insert({
      kind: 'user',
      email: input.email ?? null,
      name,
      oidc_issuer: input.issuer,
      oidc_subject: input.subject,
      last_login_at: this.#db.fn.now(),
    });
    return user;
  }

  /**
   * Checks a local login. Unknown e-mail, wrong password, SSO-only or disabled account all answer the same
   * LOGIN_FAILED; failures in a row lock the account for a while (ACCOUNT_LOCKED, with the time it unlocks).
   */
  async authenticate(email: string, password: string, lockout: LockoutPolicy): Promise<User> {
    const row = await this.#db<UserRow>('core_users')
      .whereRaw('lower(email) = lower(?)', [email])
      .andWhere({ kind: 'user' })
      .first();
    const failed = (): AuthenticationError =>
      new AuthenticationError('E-mail or password is wrong', { code: 'LOGIN_FAILED' });
    if (row === undefined || row.password_hash === null || row.disabled) {
      await verifyNothing(password);
      throw failed();
    }
    if (row.locked_until !== null && row.locked_until.getTime() > Date.now()) {
      throw lockedError(row.locked_until);
    }
    if (!(await verifyPassword(password, row.password_hash))) {
      const [updated] = await this.#db('core_users')
        .where({ id: row.id })
        .update({
          failed_logins: this.#db.raw('failed_logins + 1'),
          locked_until: this.#db.raw(
            `case when failed_logins + 1 >= ? then now() + make_interval(mins => ?) else locked_until end`,
            [lockout.maxFailedLogins, lockout.lockoutMinutes],
          ),
        })
        .returning(['failed_logins', 'locked_until']);
      if (updated !== undefined && updated.failed_logins >= lockout.maxFailedLogins) {
        await this.#db('core_users').where({ id: row.id }).update({ failed_logins: 0 });
        throw lockedError(updated.locked_until as Date);
      }
      throw failed();
    }
    await this.#db('core_users')
      .where({ id: row.id })
      .update({ failed_logins: 0, locked_until: null, last_login_at: this.#db.fn.now() });
    return toUser(row);
  }

  /** Changes a local password after checking the current one. */
  async changePassword(id: string, current: string, next: string, lockout: LockoutPolicy): Promise<void> {
    const user = await this.get(id);
    if (user.email === null || user.sso) {
      throw new ConflictError('This account signs in through single sign-on and has no password', {
        code: 'PASSWORD_NOT_LOCAL',
      });
    }
    checkPasswordStrength(next);
    await this.authenticate(user.email, current, lockout);
    await this.#db('core_users')
      .where({ id })
      .update({ password_hash: await hashPassword(next), password_changed_at: this.#db.fn.now() });
  }

  async setDisabled(id: string, disabled: boolean): Promise<void> {
    await this.get(id);
    await this.#db('core_users').where({ id }).update({ disabled });
  }

  async remove(id: string): Promise<void> {
    const deleted = isUuid(id) ? await this.#db('core_users').where({ id }).delete() : 0;
    if (deleted === 0) throw new NotFoundError(`No user ${id}`, { code: 'USER_NOT_FOUND' });
  }

  async #insert(values: Record<string, unknown>): Promise<User> {
    try {
      const [row] = await this.#db<UserRow>('core_users')
        .insert(values as never)
        .returning('*');
      return toUser(row!);
    } catch (error) {
      if ((error as { code?: string }).code === '23505') {
        throw new ConflictError(`A user with e-mail ${String(values.email)} exists already`, {
          code: 'USER_EXISTS',
        });
      }
      throw error;
    }
  }
}

function lockedError(until: Date): AuthenticationError {
  return new AuthenticationError(`Too many failed logins: the account is locked until ${until.toISOString()}`, {
    code: 'ACCOUNT_LOCKED',
    details: { lockedUntil: until.toISOString() },
  });
}

function toUser(row: UserRow): User {
  return {
    id: row.id,
    kind: row.kind,
    email: row.email,
    name: row.name,
    workspace: row.workspace,
    disabled: row.disabled,
    createdAt: row.created_at.toISOString(),
    lastLoginAt: row.last_login_at?.toISOString() ?? null,
    sso: row.oidc_subject !== null,
  };
}

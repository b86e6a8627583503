import { AuthenticationError, ConflictError, InputError } from '@assay/sdk';
import type { Knex } from 'knex';
import type { Identity } from './identity.ts';
import { subjectOfUser } from './casbin-model.ts';
import { hashSecretToken, newSecretToken } from './secret-tokens.ts';
import type { User } from './users.ts';

/** The workspace the first admin gets, so a new installation has somewhere to start. */
export const DEFAULT_WORKSPACE = 'default';
const SETUP_TOKEN_HOURS = 24;

/** How the first admin comes to exist. */
export interface FirstAdminSetup {
  /**
   * At start: nothing when users exist; with `ASSAY_ADMIN_PASSWORD`, creates the admin (`ASSAY_ADMIN_EMAIL`, default
   * `admin@localhost`); otherwise issues a one-time setup token for the caller to print. There is never a default
   * password.
   */
  prepare(env: NodeJS.ProcessEnv): Promise<{ admin?: User; setupToken?: string }>;
  /** Redeems the setup token: creates the admin, once. */
  complete(input: { token: string; email: string; name: string; password: string }): Promise<User>;
}

export function createFirstAdminSetup(db: Knex, identity: Identity): FirstAdminSetup {
  const makeAdmin = async (user: User): Promise<User> => {
    await identity.access.setPlatformAdmin(user.id, true);
    await identity.workspaces.create({ slug: DEFAULT_WORKSPACE, name: 'Default' }).catch((error: unknown) => {
      if ((error as { code?: string }).code !== 'WORKSPACE_EXISTS') throw error;
    });
    await identity.access.assign(subjectOfUser(user.id), 'admin', DEFAULT_WORKSPACE);
    return user;
  };

  return {
    async prepare(env) {
      if ((await identity.users.count()) > 0) return {};
      const password = env.ASSAY_ADMIN_PASSWORD;
      if (password !== undefined && password !== '') {
        const email = env.ASSAY_ADMIN_EMAIL ?? 'admin@localhost';
        try {
          const user = await identity.users.createLocal({ email, name: 'Admin', password });
          return { admin: await makeAdmin(user) };
        } catch (error) {
          if ((error as { code?: string }).code === 'USER_EXISTS') return {}; // another process was first
          if ((error as { code?: string }).code === 'PASSWORD_TOO_WEAK') {
            throw new InputError('ASSAY_ADMIN_PASSWORD is too short: use at least 12 characters', {
              code: 'ADMIN_PASSWORD_TOO_WEAK',
            });
          }
          throw error;
        }
      }
      const token = newSecretToken('setup');
      await db.transaction(async (trx) => {
        await trx('core_setup_tokens').delete();
        await trx('core_setup_tokens').insert({
          token_hash: hashSecretToken(token),
          expires_at: new Date(Date.now() + SETUP_TOKEN_HOURS * 3600_000),
        });
      });
      return { setupToken: token };
    },

    async complete(input) {
      const user = await db.transaction(async (trx) => {
        const [row] = await trx('core_setup_tokens')
          .where({ token_hash: hashSecretToken(input.token) })
          .andWhere('expires_at', '>', trx.fn.now())
          .delete()
          .returning('token_hash');
        if (row === undefined) {
          throw new AuthenticationError('The setup token is not valid (it is printed once at first start)', {
            code: 'SETUP_TOKEN_INVALID',
          });
        }
        const [count] = await trx('core_users').where({ kind: 'user' }).count<{ count: string }[]>('* as count');
        if (Number(count?.count ?? 0) > 0) {
          throw new ConflictError('Setup is done: an admin exists already', { code: 'SETUP_DONE' });
        }
        return identity.users.createLocal({ email: input.email, name: input.name, password: input.password });
      });
      return makeAdmin(user);
    },
  };
}

import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { InputError, NotFoundError } from '@assay/sdk';
import { pino } from 'pino';
import { subjectOfUser } from '../auth/casbin-model.ts';
import { createIdentity, type Identity } from '../auth/identity.ts';
import { checkPasswordStrength, hashPassword } from '../auth/passwords.ts';
import { assertRoleExists } from '../auth/workspace-roles.ts';
import type { AssayConfig } from '../config/config.schema.ts';
import { openDatabase } from '../database/open-database.ts';
import { createLogger } from '../platform/logger.ts';
import { COMMON_OPTIONS, configFor } from './cli-context.ts';
import { databaseNotMigrated } from './database-not-migrated.ts';
import { requireWorkspace } from './require-workspace.ts';

export const userUsage = `assay user list|add|reset-password ... [--json]
      Local accounts, straight in the database (for the first admin or a lost password): list;
      add <email> --name N [--platform-admin] [--workspace WS --role R]; reset-password <email>.
      The password comes from ASSAY_USER_PASSWORD, or is generated and printed once.`;

/** The process around the command; replaced in tests. */
export interface UserCommandContext {
  env: NodeJS.ProcessEnv;
  config(file: string | undefined): AssayConfig;
  out(line: string): void;
}

const processContext: UserCommandContext = {
  env: process.env,
  config: (file) => configFor({ config: file }),
  out: (line) => console.log(line),
};

const PASSWORD_ENV = 'ASSAY_USER_PASSWORD';

/**
 * `assay user`: account administration for whoever runs the server (shell access to its configuration is the
 * credential), for when nobody can sign in: no admin yet, a forgotten password or a locked account.
 */
export async function userCommand(args: string[], context: UserCommandContext = processContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...COMMON_OPTIONS,
      name: { type: 'string' },
      'platform-admin': { type: 'boolean' },
      workspace: { type: 'string' },
      role: { type: 'string' },
    },
  });
  const [action, email] = positionals;
  const usage = (): InputError => new InputError(`Usage: ${userUsage}`, { code: 'USAGE' });
  if (action === undefined || !['list', 'add', 'reset-password'].includes(action)) throw usage();
  if (action !== 'list' && email === undefined) throw usage();
  if ((values.workspace === undefined) !== (values.role === undefined)) {
    throw new InputError('--workspace and --role go together', { code: 'USAGE' });
  }
  const config = context.config(values.config);
  const database = await openDatabase(config, createLogger(config, 'cli', 2));
  try {
    const identity = await createIdentity({ db: database.db, logger: pino({ level: 'silent' }) }).catch((error) => {
      throw databaseNotMigrated(error, 'user') ?? error;
    });
    if (action === 'list') return await list(identity, context, values.json === true);
    const { password, generated } = passwordFrom(context.env);
    if (action === 'add') {
      // Checked first, so a bad workspace or role leaves no half-made account behind.
      if (values.workspace !== undefined) {
        await requireWorkspace(identity.workspaces, values.workspace);
        await assertRoleExists(database.db, values.workspace, values.role!);
      }
      const user = await identity.users.createLocal({ email: email!, name: values.name ?? email!, password });
      if (values['platform-admin']) await identity.access.setPlatformAdmin(user.id, true);
      if (values.workspace !== undefined) {
        await identity.access.assign(subjectOfUser(user.id), values.role!, values.workspace);
      }
      report(context, values.json === true, { action: 'added', email: user.email, id: user.id }, generated, password);
      return 0;
    }
    const user = await identity.users.findByEmail(email!);
    if (user === undefined || user.kind !== 'user') {
      throw new NotFoundError(`No user with e-mail ${email}`, { code: 'USER_NOT_FOUND' });
    }
    checkPasswordStrength(password);
    await database
      .db('core_users')
      .where({ id: user.id })
      .update({
        password_hash: await hashPassword(password),
        password_changed_at: database.db.fn.now(),
        failed_logins: 0,
        locked_until: null,
        disabled: false,
      });
    await identity.sessions.removeAllOf(user.id);
    report(context, values.json === true, { action: 'reset', email: user.email, id: user.id }, generated, password);
    return 0;
  } finally {
    await database.close();
  }
}

async function list(identity: Identity, context: UserCommandContext, json: boolean): Promise<number> {
  const users = await identity.users.list({ kind: 'user' });
  const rows = users.map((u) => ({
    email: u.email ?? '',
    name: u.name,
    platformAdmin: identity.access.isPlatformAdmin(u.id),
    sso: u.sso,
    disabled: u.disabled,
    lastLoginAt: u.lastLoginAt,
  }));
  if (json) context.out(JSON.stringify(rows));
  for (const row of json ? [] : rows) {
    const flags = [row.platformAdmin && 'platform admin', row.sso && 'sso', row.disabled && 'disabled'].filter(Boolean);
    context.out(`${row.email}  ${row.name}${flags.length > 0 ? `  (${flags.join(', ')})` : ''}`);
  }
  return 0;
}

function passwordFrom(env: NodeJS.ProcessEnv): { password: string; generated: boolean } {
  const given = env[PASSWORD_ENV];
  if (given !== undefined && given !== '') return { password: given, generated: false };
  return { password: randomBytes(18).toString('base64url'), generated: true };
}

/** A generated password is printed once: it is stored only as a hash. */
function report(
  context: UserCommandContext,
  json: boolean,
  result: Record<string, unknown>,
  generated: boolean,
  password: string,
): void {
  if (json) context.out(JSON.stringify({ ...result, ...(generated ? { password } : {}) }));
  else {
    context.out(`${result.action === 'added' ? 'Added' : 'Reset the password of'} ${String(result.email)}`);
    if (generated) context.out(`Password (shown only this once): ${password}`);
  }
}

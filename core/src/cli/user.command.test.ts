import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Knex } from 'knex';
import { pino } from 'pino';
import { createIdentity } from '../auth/identity.ts';
import { loadConfig } from '../config/load-config.ts';
import { createDatabase } from '../database/database.ts';
import { runMigrations } from '../database/migrations.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.ts';
import { userCommand, type UserCommandContext } from './user.command.ts';

let database: TestDatabase;
let db: Knex;
let home: string;
let lines: string[] = [];

before(async () => {
  database = await createTestDatabase();
  db = createDatabase(database.url);
  home = await mkdtemp(join(tmpdir(), 'assay-user-cli-'));
});
after(async () => {
  await db.destroy();
  await database.drop();
  await rm(home, { recursive: true, force: true });
});

function context(env: NodeJS.ProcessEnv = {}): UserCommandContext {
  lines = [];
  return {
    env,
    config: () =>
      loadConfig({ env: {}, cwd: home, overrides: { home, databaseUrl: database.url, logLevel: 'silent' } }),
    out: (line) => lines.push(line),
  };
}

const lockout = { maxFailedLogins: 5, lockoutMinutes: 15 };

describe('assay user', () => {
  test('on an unmigrated database it says to migrate first', async () => {
    await assert.rejects(userCommand(['list'], context()), { code: 'DATABASE_NOT_MIGRATED' });
  });

  test('add creates a platform admin with a generated password printed once', async () => {
    await runMigrations(db);
    assert.equal(await userCommand(['add', 'root@example.com', '--name', 'Root', '--platform-admin'], context()), 0);
    const password = /Password \(shown only this once\): (\S+)/.exec(lines.join('\n'))?.[1];
    assert.ok(password, lines.join('\n'));
    const identity = await createIdentity({ db, logger: pino({ level: 'silent' }) });
    const user = await identity.users.authenticate('root@example.com', password, lockout);
    assert.equal(identity.access.isPlatformAdmin(user.id), true);
  });

  test('reset-password unlocks a locked account and ends its sessions; the old password stops working', async () => {
    const identity = await createIdentity({ db, logger: pino({ level: 'silent' }) });
    const user = await identity.users.createLocal({
      email: 'ann@example.com',
      name: 'Ann',
      password: 'original password',
    });
    await identity.sessions.create({ userId: user.id, method: 'password', hours: 1 });
    for (let i = 0; i < 5; i++) {
      await identity.users.authenticate('ann@example.com', 'wrong guess!', lockout).catch(() => undefined);
    }
    await assert.rejects(identity.users.authenticate('ann@example.com', 'original password', lockout), {
      code: 'ACCOUNT_LOCKED',
    });
    const code = await userCommand(
      ['reset-password', 'ann@example.com', '--json'],
      context({ ASSAY_USER_PASSWORD: 'brand new password' }),
    );
    assert.equal(code, 0);
    assert.deepEqual(
      Object.keys(JSON.parse(lines[0]!)).sort(),
      ['action', 'email', 'id'],
      'a given password is not echoed',
    );
    await identity.users.authenticate('ann@example.com', 'brand new password', lockout);
    await assert.rejects(identity.users.authenticate('ann@example.com', 'original password', lockout), {
      code: 'LOGIN_FAILED',
    });
    assert.equal((await db('core_sessions').where({ user_id: user.id })).length, 0);
  });

  test('bad input: unknown user, weak password, missing arguments, a role without a workspace', async () => {
    await assert.rejects(userCommand(['reset-password', 'nobody@example.com'], context()), { code: 'USER_NOT_FOUND' });
    await assert.rejects(userCommand(['add', 'weak@example.com'], context({ ASSAY_USER_PASSWORD: 'short' })), {
      code: 'PASSWORD_TOO_WEAK',
    });
    await assert.rejects(userCommand(['add'], context()), { code: 'USAGE' });
    await assert.rejects(userCommand(['add', 'x@example.com', '--role', 'admin'], context()), { code: 'USAGE' });
    await assert.rejects(userCommand(['add', 'x@example.com', '--workspace', 'ghost', '--role', 'admin'], context()), {
      code: 'WORKSPACE_NOT_FOUND',
    });
    const identity = await createIdentity({ db, logger: pino({ level: 'silent' }) });
    assert.equal(await identity.users.findByEmail('x@example.com'), undefined, 'nothing half-made');
    await identity.workspaces.create({ slug: 'real' });
    await assert.rejects(userCommand(['add', 'x@example.com', '--workspace', 'real', '--role', 'boss'], context()), {
      code: 'ROLE_NOT_FOUND',
    });
    assert.equal(await identity.users.findByEmail('x@example.com'), undefined);
    assert.equal(await userCommand(['list'], context()), 0);
    assert.ok(
      lines.some((line) => line.startsWith('root@example.com  Root  (platform admin)')),
      lines.join('\n'),
    );
  });
});

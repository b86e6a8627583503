import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startRoutesTestApp, type RoutesTestApp } from './routes-test-app.ts';
import type { User } from './users.ts';
import { usersRoutes } from './users.routes.ts';

let t: RoutesTestApp;
let admin: User;
let adminToken: string;

before(async () => {
  t = await startRoutesTestApp([usersRoutes]);
  admin = await t.person({ platformAdmin: true });
  adminToken = await t.token(admin.id, null, 'platform-admin');
});
after(() => t.close());

const STRONG = 'correct horse battery staple';
const newUser = (body: Record<string, unknown>) => t.call(adminToken, { method: 'POST', url: '/users', payload: body });
const patch = (secret: string, id: string, body: Record<string, unknown>) =>
  t.call(secret, { method: 'PATCH', url: `/users/${id}`, payload: body });

describe('platform users', () => {
  test('only platform admins may call /users', async () => {
    const workspaceAdmin = await t.person({ workspace: 'ws-a', role: 'admin' });
    const callers = [
      await t.token(workspaceAdmin.id, 'ws-a', 'admin'),
      // A platform token is worth nothing without the owner being a platform admin.
      await t.token(workspaceAdmin.id, null, 'platform-admin'),
    ];
    for (const secret of callers) {
      const res = await t.call(secret, { method: 'GET', url: '/users' });
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().error.code, 'PERMISSION_DENIED');
    }
    assert.equal((await t.call(undefined, { method: 'GET', url: '/users' })).statusCode, 401);
  });

  test('creates local accounts, optionally platform admins, and lists them with flag and groups', async () => {
    const res = await newUser({ email: 'Ada@Example.com', name: 'Ada', password: STRONG, platformAdmin: true });
    assert.equal(res.statusCode, 201);
    const ada = res.json();
    assert.equal(ada.platformAdmin, true);
    assert.equal('password' in ada || res.body.includes(STRONG), false);
    await t.identity.access.setGroupMembership(ada.id, ['data-team']);

    const listed = await t.call(adminToken, { method: 'GET', url: '/users' });
    assert.equal(listed.statusCode, 200);
    const item = listed.json().items.find((u: { id: string }) => u.id === ada.id);
    assert.equal(item.platformAdmin, true);
    assert.deepEqual(item.groups, ['data-team']);
    assert.equal(item.email, 'Ada@Example.com');
  });

  test('duplicate e-mail is USER_EXISTS, weak password PASSWORD_TOO_WEAK, bad e-mail REQUEST_INVALID', async () => {
    await newUser({ email: 'bob@example.com', name: 'Bob', password: STRONG });
    const count = (await t.identity.users.list()).length;
    const dup = await newUser({ email: 'BOB@example.com', name: 'Bob 2', password: STRONG });
    assert.equal(dup.statusCode, 409);
    assert.equal(dup.json().error.code, 'USER_EXISTS');
    const weak = await newUser({ email: 'carol@example.com', name: 'Carol', password: 'short' });
    assert.equal(weak.statusCode, 400);
    assert.equal(weak.json().error.code, 'PASSWORD_TOO_WEAK');
    assert.ok(!weak.body.includes('short'));
    const bad = await newUser({ email: 'not an email', name: 'X', password: STRONG });
    assert.equal(bad.json().error.code, 'REQUEST_INVALID');
    assert.equal(bad.json().error.details.path, '/body/email');
    assert.equal((await t.identity.users.list()).length, count);
  });

  test('platform admin can be granted and taken from others', async () => {
    const dave = await t.person();
    assert.equal((await patch(adminToken, dave.id, { platformAdmin: true })).json().platformAdmin, true);
    assert.equal(t.identity.access.isPlatformAdmin(dave.id), true);
    assert.equal((await patch(adminToken, dave.id, { platformAdmin: false })).json().platformAdmin, false);
    assert.equal(t.identity.access.isPlatformAdmin(dave.id), false);
  });

  test('disabling ends sessions and stops tokens; enabling restores the tokens', async () => {
    const eve = await t.person({ platformAdmin: true });
    const eveToken = await t.token(eve.id, null, 'platform-admin');
    const { secret: sessionSecret } = await t.identity.sessions.create({
      userId: eve.id,
      method: 'password',
      hours: 1,
    });
    assert.equal((await t.call(eveToken, { method: 'GET', url: '/users' })).statusCode, 200);

    const res = await patch(adminToken, eve.id, { disabled: true });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().disabled, true);
    await assert.rejects(t.identity.sessions.verify(sessionSecret), { code: 'SESSION_INVALID' });
    const refused = await t.call(eveToken, { method: 'GET', url: '/users' });
    assert.equal(refused.statusCode, 401);
    assert.equal(refused.json().error.code, 'ACCOUNT_DISABLED');

    assert.equal((await patch(adminToken, eve.id, { disabled: false })).json().disabled, false);
    assert.equal((await t.call(eveToken, { method: 'GET', url: '/users' })).statusCode, 200);
  });

  test('an admin cannot disable, demote or delete themselves (SELF_LOCKOUT)', async () => {
    for (const body of [{ disabled: true }, { platformAdmin: false }, { disabled: true, platformAdmin: false }]) {
      const res = await patch(adminToken, admin.id, body);
      assert.equal(res.statusCode, 409, JSON.stringify(body));
      assert.equal(res.json().error.code, 'SELF_LOCKOUT');
    }
    const removed = await t.call(adminToken, { method: 'DELETE', url: `/users/${admin.id}` });
    assert.equal(removed.statusCode, 409);
    assert.equal(removed.json().error.code, 'SELF_LOCKOUT');
    assert.equal((await t.identity.users.get(admin.id)).disabled, false);
    assert.equal(t.identity.access.isPlatformAdmin(admin.id), true);
    // Harmless self-changes pass.
    assert.equal((await patch(adminToken, admin.id, { disabled: false, platformAdmin: true })).statusCode, 200);
  });

  test('deleting a person removes their role links, groups, platform admin and tokens', async () => {
    const frank = await t.person({ workspace: 'ws-a', role: 'engineer', platformAdmin: true });
    await t.identity.access.setGroupMembership(frank.id, ['ops']);
    const frankToken = await t.token(frank.id, 'ws-a', 'engineer');
    const res = await t.call(adminToken, { method: 'DELETE', url: `/users/${frank.id}` });
    assert.equal(res.statusCode, 204);
    await assert.rejects(t.identity.users.get(frank.id), { code: 'USER_NOT_FOUND' });
    assert.deepEqual(t.identity.access.directRoles(`user:${frank.id}`, 'ws-a'), []);
    assert.deepEqual(t.identity.access.groupsOf(frank.id), []);
    assert.equal(t.identity.access.isPlatformAdmin(frank.id), false);
    await assert.rejects(t.identity.tokens.verify(frankToken), { code: 'TOKEN_INVALID' });
  });

  test('unknown ids and service accounts are USER_NOT_FOUND', async () => {
    const account = await t.identity.users.createServiceAccount({ workspace: 'ws-a', name: 'robot' });
    for (const id of [account.id, '00000000-0000-4000-8000-000000000000', 'nope']) {
      const patched = await patch(adminToken, id, { disabled: true });
      assert.equal(patched.statusCode, 404, id);
      assert.equal(patched.json().error.code, 'USER_NOT_FOUND');
      const removed = await t.call(adminToken, { method: 'DELETE', url: `/users/${id}` });
      assert.equal(removed.json().error.code, 'USER_NOT_FOUND');
    }
    assert.equal((await t.identity.users.get(account.id)).disabled, false);
    const listed = (await t.call(adminToken, { method: 'GET', url: '/users' })).json().items;
    assert.ok(listed.every((u: { id: string }) => u.id !== account.id));
  });
});

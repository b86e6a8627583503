import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { PluginHttpApp } from '@assay/sdk';
import { groupsRoutes } from './groups.routes.ts';
import { startRoutesTestApp, type RoutesTestApp } from './routes-test-app.ts';

/** A route needing `dataset:write`, to see what a group's role grants its members. */
async function writeProbe(app: PluginHttpApp): Promise<void> {
  app.post('/workspaces/:ws/probe', { config: { access: { permission: 'dataset:write' } } }, async () => ({}));
}

let t: RoutesTestApp;
let adminToken: string;

before(async () => {
  t = await startRoutesTestApp([groupsRoutes, writeProbe]);
  const admin = await t.person({ platformAdmin: true });
  adminToken = await t.token(admin.id, null, 'platform-admin');
});
after(() => t.close());

const put = (name: string, members: unknown, secret = adminToken) =>
  t.call(secret, { method: 'PUT', url: `/groups/${encodeURIComponent(name)}`, payload: { members } as object });
const listGroups = async () =>
  (await t.call(adminToken, { method: 'GET', url: '/groups' })).json().items as Array<{
    name: string;
    members: Array<{ id: string }>;
  }>;

describe('groups', () => {
  test('setting members keeps each member’s other groups', async () => {
    const [a, b, c] = [await t.person(), await t.person(), await t.person()];
    await t.identity.access.setGroupMembership(a.id, ['ops']);
    const res = await put('Data Team', [a.id, b.id]);
    assert.equal(res.statusCode, 200);
    assert.deepEqual(
      res
        .json()
        .members.map((m: { id: string }) => m.id)
        .sort(),
      [a.id, b.id].sort(),
    );
    assert.deepEqual(t.identity.access.groupsOf(a.id).sort(), ['Data Team', 'ops']);

    await put('Data Team', [b.id, c.id]);
    assert.deepEqual(t.identity.access.groupsOf(a.id), ['ops']);
    assert.deepEqual(t.identity.access.groupsOf(c.id), ['Data Team']);
    const listed = await listGroups();
    const team = listed.find((g) => g.name === 'Data Team')!;
    assert.deepEqual(team.members.map((m) => m.id).sort(), [b.id, c.id].sort());
    assert.deepEqual(
      listed.find((g) => g.name === 'ops')!.members.map((m) => m.id),
      [a.id],
    );
  });

  test('members gain the roles the group holds in a workspace', async () => {
    const member = await t.person();
    const memberToken = await t.token(member.id, 'ws-a', 'engineer');
    await t.identity.access.assign('group:writers', 'engineer', 'ws-a');
    assert.equal((await t.call(memberToken, { method: 'POST', url: '/workspaces/ws-a/probe' })).statusCode, 403);
    await put('writers', [member.id]);
    assert.equal((await t.call(memberToken, { method: 'POST', url: '/workspaces/ws-a/probe' })).statusCode, 200);
  });

  test('unknown members, service accounts and bad names are refused without changes', async () => {
    const person = await t.person();
    const account = await t.identity.users.createServiceAccount({ workspace: 'ws-a', name: 'robot' });
    const missing = '00000000-0000-4000-8000-000000000000';
    const res = await put('mixed', [person.id, account.id, missing]);
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'GROUP_MEMBER_NOT_FOUND');
    assert.deepEqual(res.json().error.details.unknown, [account.id, missing]);
    assert.deepEqual(t.identity.access.groupsOf(person.id), []);
    for (const name of ['-leading', 'semi;colon']) {
      const bad = await put(name, []);
      assert.equal(bad.statusCode, 400, name);
      assert.equal(bad.json().error.code, 'REQUEST_INVALID');
    }
    const long = await put('x'.repeat(101), []);
    assert.equal(long.statusCode, 400, 'names over 100 characters fail validation');
    assert.equal((await put('dupes', [person.id, person.id])).json().error.code, 'REQUEST_INVALID');
  });

  test('deleting a group removes memberships and the roles it held; unknown groups are GROUP_NOT_FOUND', async () => {
    const member = await t.person();
    await t.identity.access.setGroupMembership(member.id, ['keep']);
    await put('doomed', [member.id]);
    await t.identity.access.assign('group:doomed', 'viewer', 'ws-b');
    const res = await t.call(adminToken, { method: 'DELETE', url: '/groups/doomed' });
    assert.equal(res.statusCode, 204);
    assert.deepEqual(t.identity.access.groupsOf(member.id), ['keep']);
    assert.deepEqual(t.identity.access.directRoles('group:doomed', 'ws-b'), []);
    assert.ok((await listGroups()).every((g) => g.name !== 'doomed'));
    const again = await t.call(adminToken, { method: 'DELETE', url: '/groups/doomed' });
    assert.equal(again.statusCode, 404);
    assert.equal(again.json().error.code, 'GROUP_NOT_FOUND');
  });

  test('non-admins get PERMISSION_DENIED', async () => {
    const admin = await t.person({ workspace: 'ws-a', role: 'admin' });
    const secret = await t.token(admin.id, 'ws-a', 'admin');
    for (const request of [
      { method: 'GET' as const, url: '/groups' },
      { method: 'PUT' as const, url: '/groups/x', payload: { members: [] } },
      { method: 'DELETE' as const, url: '/groups/x' },
    ]) {
      const res = await t.call(secret, request);
      assert.equal(res.statusCode, 403, request.method);
      assert.equal(res.json().error.code, 'PERMISSION_DENIED');
    }
  });
});

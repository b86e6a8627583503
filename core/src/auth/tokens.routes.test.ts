import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startRoutesTestApp, type RoutesTestApp } from './routes-test-app.ts';
import { tokensRoutes } from './tokens.routes.ts';
import type { User } from './users.ts';

let t: RoutesTestApp;
let admin: User;
let engineer: User;
let viewer: User;
let adminToken: string;
let engineerToken: string;
let viewerToken: string;

before(async () => {
  t = await startRoutesTestApp([tokensRoutes]);
  admin = await t.person({ workspace: 'ws-a', role: 'admin' });
  engineer = await t.person({ workspace: 'ws-a', role: 'engineer' });
  viewer = await t.person({ workspace: 'ws-a', role: 'viewer' });
  await t.identity.access.assign(`user:${engineer.id}`, 'engineer', 'ws-b');
  adminToken = await t.token(admin.id, 'ws-a', 'admin');
  engineerToken = await t.token(engineer.id, 'ws-a', 'engineer');
  viewerToken = await t.token(viewer.id, 'ws-a', 'viewer');
  await t.identity.access.addPolicies([
    { subject: 'role:reader', domain: 'ws-a', permission: 'dataset:read', condition: 'true', effect: 'allow' },
    { subject: 'role:auditor', domain: 'ws-a', permission: 'audit:read', condition: 'true', effect: 'allow' },
  ]);
});
after(() => t.close());

const create = (secret: string, body: unknown, ws = 'ws-a') =>
  t.call(secret, { method: 'POST', url: `/workspaces/${ws}/tokens`, payload: body as object });
const list = (secret: string, ws = 'ws-a') => t.call(secret, { method: 'GET', url: `/workspaces/${ws}/tokens` });

describe('workspace tokens', () => {
  test('a created token shows its secret once, works, and never appears with its secret in lists', async () => {
    const res = await create(engineerToken, { name: 'ci', role: 'analyst' });
    assert.equal(res.statusCode, 201);
    const { token, secret } = res.json();
    assert.match(secret, /^assay_/);
    assert.equal(token.workspace, 'ws-a');
    assert.equal(token.role, 'analyst');
    assert.equal(token.userId, engineer.id);
    const days = (Date.parse(token.expiresAt) - Date.now()) / 86_400_000;
    assert.ok(days > 89.9 && days <= 90, `default expiry is 90 days, got ${days}`);

    const listed = await list(secret);
    assert.equal(listed.statusCode, 200);
    assert.ok(!listed.body.includes(secret));
    const item = listed.json().items.find((i: { id: string }) => i.id === token.id);
    assert.deepEqual(Object.keys(item).sort(), [...Object.keys(token)].sort());
    assert.equal('secret' in item, false);
  });

  test('members see their own tokens; member managers see everyone’s', async () => {
    await create(viewerToken, { name: 'mine', role: 'viewer' });
    const own = (await list(viewerToken)).json().items as Array<{ userId: string }>;
    assert.ok(own.length > 0);
    assert.ok(own.every((i) => i.userId === viewer.id));
    const all = (await list(adminToken)).json().items as Array<{ userId: string }>;
    assert.ok(all.some((i) => i.userId === engineer.id) && all.some((i) => i.userId === viewer.id));
  });

  test('a role granting permissions the caller lacks is refused with TOKEN_ROLE_NOT_HELD', async () => {
    const before = (await list(adminToken)).json().items.length;
    const res = await create(engineerToken, { name: 'escalate', role: 'admin' });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error.code, 'TOKEN_ROLE_NOT_HELD');
    assert.ok(res.json().error.details.missing.includes('*'));
    const custom = await create(engineerToken, { name: 'audit', role: 'auditor' });
    assert.equal(custom.json().error.code, 'TOKEN_ROLE_NOT_HELD');
    assert.deepEqual(custom.json().error.details.missing, ['audit:read']);
    assert.equal((await list(adminToken)).json().items.length, before);
  });

  test('a token acting as a lesser role cannot mint a token for a greater one', async () => {
    const analystOfAdmin = await t.token(admin.id, 'ws-a', 'analyst');
    const res = await create(analystOfAdmin, { name: 'up', role: 'engineer' });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error.code, 'TOKEN_ROLE_NOT_HELD');
  });

  test('custom roles of the workspace can be handed out by callers holding their permissions', async () => {
    assert.equal((await create(engineerToken, { name: 'reader', role: 'reader' })).statusCode, 201);
    const audit = await create(adminToken, { name: 'audit', role: 'auditor' });
    assert.equal(audit.statusCode, 201);
    // A custom role of ws-a does not exist in ws-b.
    const engineerB = await t.token(engineer.id, 'ws-b', 'engineer');
    const other = await create(engineerB, { name: 'reader', role: 'reader' }, 'ws-b');
    assert.equal(other.statusCode, 400);
    assert.equal(other.json().error.code, 'ROLE_NOT_FOUND');
  });

  test('unknown roles and the platform role are ROLE_NOT_FOUND', async () => {
    for (const role of ['nope', 'platform-admin']) {
      const res = await create(adminToken, { name: 'x', role });
      assert.equal(res.statusCode, 400, role);
      assert.equal(res.json().error.code, 'ROLE_NOT_FOUND');
    }
  });

  test('never-expiring tokens need member:manage', async () => {
    const refused = await create(engineerToken, { name: 'forever', role: 'viewer', expiresInDays: null });
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json().error.code, 'TOKEN_EXPIRY_REQUIRED');
    const allowed = await create(adminToken, { name: 'forever', role: 'viewer', expiresInDays: null });
    assert.equal(allowed.statusCode, 201);
    assert.equal(allowed.json().token.expiresAt, null);
  });

  test('bad bodies are REQUEST_INVALID with the path', async () => {
    const cases: Array<[unknown, string]> = [
      [{ name: '', role: 'viewer' }, '/body/name'],
      [{ name: 'x'.repeat(101), role: 'viewer' }, '/body/name'],
      [{ name: 'x', role: 'viewer', expiresInDays: 0 }, '/body/expiresInDays'],
      [{ name: 'x', role: 'viewer', expiresInDays: 3651 }, '/body/expiresInDays'],
    ];
    for (const [body, path] of cases) {
      const res = await create(adminToken, body);
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      assert.equal(res.json().error.code, 'REQUEST_INVALID');
      assert.equal(res.json().error.details.path.startsWith(path), true, res.json().error.details.path);
    }
  });

  test('a revoked token is refused with TOKEN_REVOKED on its next use', async () => {
    const { token, secret } = (await create(viewerToken, { name: 'short', role: 'viewer' })).json();
    assert.equal((await list(secret)).statusCode, 200); // now cached by the authenticator
    const res = await t.call(viewerToken, { method: 'DELETE', url: `/workspaces/ws-a/tokens/${token.id}` });
    assert.equal(res.statusCode, 200);
    assert.notEqual(res.json().revokedAt, null);
    const after = await list(secret);
    assert.equal(after.statusCode, 401);
    assert.equal(after.json().error.code, 'TOKEN_REVOKED');
  });

  test("only member managers revoke others' tokens; other workspaces' tokens are not found", async () => {
    const { token } = (await create(engineerToken, { name: 'victim', role: 'viewer' })).json();
    const byViewer = await t.call(viewerToken, { method: 'DELETE', url: `/workspaces/ws-a/tokens/${token.id}` });
    assert.equal(byViewer.statusCode, 404);
    assert.equal(byViewer.json().error.code, 'TOKEN_NOT_FOUND');
    assert.equal((await t.identity.tokens.get(token.id)).revokedAt, null);
    assert.equal(
      (await t.call(adminToken, { method: 'DELETE', url: `/workspaces/ws-a/tokens/${token.id}` })).statusCode,
      200,
    );

    const engineerB = await t.token(engineer.id, 'ws-b', 'engineer');
    const { token: tokenB } = (await create(engineerB, { name: 'b', role: 'viewer' }, 'ws-b')).json();
    const cross = await t.call(adminToken, { method: 'DELETE', url: `/workspaces/ws-a/tokens/${tokenB.id}` });
    assert.equal(cross.statusCode, 404);
    assert.equal(cross.json().error.code, 'TOKEN_NOT_FOUND');
    assert.equal((await t.identity.tokens.get(tokenB.id)).revokedAt, null);
    const junk = await t.call(adminToken, { method: 'DELETE', url: '/workspaces/ws-a/tokens/not-a-uuid' });
    assert.equal(junk.json().error.code, 'TOKEN_NOT_FOUND');
  });

  test('an expired token is refused with TOKEN_EXPIRED', async () => {
    const expired = await t.token(viewer.id, 'ws-a', 'viewer', new Date(Date.now() - 1000));
    const res = await list(expired);
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().error.code, 'TOKEN_EXPIRED');
  });

  test('a token of workspace A used on workspace B is TOKEN_WORKSPACE_MISMATCH', async () => {
    const res = await list(engineerToken, 'ws-b');
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error.code, 'TOKEN_WORKSPACE_MISMATCH');
  });
});

describe('platform tokens', () => {
  let platformAdmin: User;
  let platformSecret: string;

  before(async () => {
    platformAdmin = await t.person({ platformAdmin: true });
    platformSecret = await t.token(platformAdmin.id, null, 'platform-admin');
  });

  test('a platform admin creates a platform token that works for platform calls', async () => {
    const res = await t.call(platformSecret, { method: 'POST', url: '/tokens', payload: { name: 'cli' } });
    assert.equal(res.statusCode, 201);
    const { token, secret } = res.json();
    assert.equal(token.workspace, null);
    assert.equal(token.role, 'platform-admin');
    const again = await t.call(secret, {
      method: 'POST',
      url: '/tokens',
      payload: { name: 'ci', expiresInDays: null },
    });
    assert.equal(again.statusCode, 201);
    assert.equal(again.json().token.expiresAt, null);
  });

  test('non-admins and workspace tokens cannot create platform tokens', async () => {
    for (const secret of [engineerToken, adminToken]) {
      const res = await t.call(secret, { method: 'POST', url: '/tokens', payload: { name: 'x' } });
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().error.code, 'PERMISSION_DENIED');
    }
    const anonymous = await t.call(undefined, { method: 'POST', url: '/tokens', payload: { name: 'x' } });
    assert.equal(anonymous.statusCode, 401);
  });

  test('GET /tokens lists only the caller’s own tokens across workspaces, without secrets', async () => {
    const res = await t.call(engineerToken, { method: 'GET', url: '/tokens' });
    assert.equal(res.statusCode, 200);
    const items = res.json().items as Array<{ userId: string; workspace: string }>;
    assert.ok(items.every((i) => i.userId === engineer.id));
    assert.deepEqual([...new Set(items.map((i) => i.workspace))].sort(), ['ws-a', 'ws-b']);
    assert.ok(!res.body.includes(engineerToken));
  });

  test('DELETE /tokens/:id revokes only the caller’s own tokens', async () => {
    const [viewers] = await t.identity.tokens.list({ userId: viewer.id });
    const refused = await t.call(engineerToken, { method: 'DELETE', url: `/tokens/${viewers!.id}` });
    assert.equal(refused.statusCode, 404);
    assert.equal(refused.json().error.code, 'TOKEN_NOT_FOUND');
    const mine = await t.token(engineer.id, 'ws-b', 'viewer');
    const id = (await t.identity.tokens.list({ userId: engineer.id, workspace: 'ws-b' })).at(-1)!.id;
    const res = await t.call(engineerToken, { method: 'DELETE', url: `/tokens/${id}` });
    assert.equal(res.statusCode, 200);
    assert.notEqual(res.json().revokedAt, null);
    assert.equal((await list(mine, 'ws-b')).json().error.code, 'TOKEN_REVOKED');
  });
});

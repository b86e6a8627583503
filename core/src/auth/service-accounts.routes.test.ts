import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { PluginHttpApp } from '@assay/sdk';
import { startRoutesTestApp, type RoutesTestApp } from './routes-test-app.ts';
import { serviceAccountsRoutes } from './service-accounts.routes.ts';
import { tokensRoutes } from './tokens.routes.ts';

/** A route needing `pipeline:run`, to see what a service account token may do. */
async function pipelineProbe(app: PluginHttpApp): Promise<void> {
  app.post('/workspaces/:ws/probe', { config: { access: { permission: 'pipeline:run' } } }, async (request) => ({
    caller: request.principal!.id,
  }));
}

let t: RoutesTestApp;
let adminToken: string;
let engineerToken: string;
let viewerToken: string;
let adminBToken: string;

before(async () => {
  t = await startRoutesTestApp([serviceAccountsRoutes, tokensRoutes, pipelineProbe]);
  const admin = await t.person({ workspace: 'ws-a', role: 'admin' });
  const engineer = await t.person({ workspace: 'ws-a', role: 'engineer' });
  const viewer = await t.person({ workspace: 'ws-a', role: 'viewer' });
  const adminB = await t.person({ workspace: 'ws-b', role: 'admin' });
  adminToken = await t.token(admin.id, 'ws-a', 'admin');
  engineerToken = await t.token(engineer.id, 'ws-a', 'engineer');
  viewerToken = await t.token(viewer.id, 'ws-a', 'viewer');
  adminBToken = await t.token(adminB.id, 'ws-b', 'admin');
  // Engineers may manage service accounts in ws-a through a custom grant, but hold no more than engineer.
  await t.identity.access.addPolicies([
    {
      subject: 'role:engineer',
      domain: 'ws-a',
      permission: 'service-account:manage',
      condition: 'true',
      effect: 'allow',
    },
  ]);
});
after(() => t.close());

const createAccount = (secret: string, body: unknown, ws = 'ws-a') =>
  t.call(secret, { method: 'POST', url: `/workspaces/${ws}/service-accounts`, payload: body as object });
const mintToken = (secret: string, id: string, body: unknown = { name: 'run' }, ws = 'ws-a') =>
  t.call(secret, { method: 'POST', url: `/workspaces/${ws}/service-accounts/${id}/tokens`, payload: body as object });
const probe = (secret: string) => t.call(secret, { method: 'POST', url: '/workspaces/ws-a/probe' });

describe('service accounts', () => {
  test('created with a role, listed with it, and its token acts as that role', async () => {
    const res = await createAccount(adminToken, { name: 'nightly loader', role: 'engineer' });
    assert.equal(res.statusCode, 201);
    const account = res.json();
    assert.equal(account.workspace, 'ws-a');
    assert.deepEqual(account.roles, ['engineer']);

    const listed = await t.call(adminToken, { method: 'GET', url: '/workspaces/ws-a/service-accounts' });
    assert.equal(listed.statusCode, 200);
    assert.deepEqual(
      listed.json().items.map((a: { id: string; roles: string[] }) => [a.id, a.roles]),
      [[account.id, ['engineer']]],
    );

    const minted = await mintToken(adminToken, account.id);
    assert.equal(minted.statusCode, 201);
    const { token, secret } = minted.json();
    assert.equal(token.userId, account.id);
    assert.equal(token.role, 'engineer');
    const run = await probe(secret);
    assert.equal(run.statusCode, 200);
    assert.equal(run.json().caller, account.id);
  });

  test('a viewer-role account token is refused what the role lacks', async () => {
    const account = (await createAccount(adminToken, { name: 'reader', role: 'viewer' })).json();
    const { secret } = (await mintToken(adminToken, account.id)).json();
    const run = await probe(secret);
    assert.equal(run.statusCode, 403);
    assert.equal(run.json().error.code, 'PERMISSION_DENIED');
  });

  test('callers cannot create accounts, or mint tokens for accounts, holding roles beyond their own', async () => {
    const before = (await t.identity.users.list({ kind: 'service-account', workspace: 'ws-a' })).length;
    const res = await createAccount(engineerToken, { name: 'sneaky', role: 'admin' });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error.code, 'TOKEN_ROLE_NOT_HELD');
    assert.equal((await t.identity.users.list({ kind: 'service-account', workspace: 'ws-a' })).length, before);

    const powerful = (await createAccount(adminToken, { name: 'powerful', role: 'admin' })).json();
    const minted = await mintToken(engineerToken, powerful.id);
    assert.equal(minted.statusCode, 403);
    assert.equal(minted.json().error.code, 'TOKEN_ROLE_NOT_HELD');
    assert.deepEqual(await t.identity.tokens.list({ userId: powerful.id }), []);

    assert.equal((await createAccount(engineerToken, { name: 'fine', role: 'analyst' })).statusCode, 201);
  });

  test('an unknown role is ROLE_NOT_FOUND; bad bodies are REQUEST_INVALID; viewers are PERMISSION_DENIED', async () => {
    const unknown = await createAccount(adminToken, { name: 'x', role: 'nope' });
    assert.equal(unknown.statusCode, 400);
    assert.equal(unknown.json().error.code, 'ROLE_NOT_FOUND');
    const bad = await createAccount(adminToken, { name: '', role: 'viewer' });
    assert.equal(bad.json().error.code, 'REQUEST_INVALID');
    const viewer = await createAccount(viewerToken, { name: 'x', role: 'viewer' });
    assert.equal(viewer.statusCode, 403);
    assert.equal(viewer.json().error.code, 'PERMISSION_DENIED');
  });

  test('never-expiring service account tokens need member:manage', async () => {
    const account = (await createAccount(engineerToken, { name: 'ci', role: 'viewer' })).json();
    const refused = await mintToken(engineerToken, account.id, { name: 'ci', expiresInDays: null });
    assert.equal(refused.json().error.code, 'TOKEN_EXPIRY_REQUIRED');
    const allowed = await mintToken(adminToken, account.id, { name: 'ci', expiresInDays: null });
    assert.equal(allowed.json().token.expiresAt, null);
  });

  test("another workspace's service account, or a person, is SERVICE_ACCOUNT_NOT_FOUND", async () => {
    const other = (await createAccount(adminBToken, { name: 'b', role: 'viewer' }, 'ws-b')).json();
    const person = (await t.identity.users.list({ kind: 'user' }))[0]!;
    for (const id of [other.id, person.id, 'not-a-uuid']) {
      const minted = await mintToken(adminToken, id);
      assert.equal(minted.statusCode, 404, id);
      assert.equal(minted.json().error.code, 'SERVICE_ACCOUNT_NOT_FOUND');
      const removed = await t.call(adminToken, { method: 'DELETE', url: `/workspaces/ws-a/service-accounts/${id}` });
      assert.equal(removed.statusCode, 404, id);
      assert.equal(removed.json().error.code, 'SERVICE_ACCOUNT_NOT_FOUND');
    }
    assert.equal((await t.identity.users.get(other.id)).workspace, 'ws-b');
  });

  test('deleting a service account removes its role links and stops its tokens', async () => {
    const account = (await createAccount(adminToken, { name: 'doomed', role: 'engineer' })).json();
    const { secret } = (await mintToken(adminToken, account.id)).json();
    assert.equal((await probe(secret)).statusCode, 200); // cached by the authenticator now
    const res = await t.call(adminToken, { method: 'DELETE', url: `/workspaces/ws-a/service-accounts/${account.id}` });
    assert.equal(res.statusCode, 204);
    const after = await probe(secret);
    assert.equal(after.statusCode, 401);
    assert.equal(after.json().error.code, 'TOKEN_INVALID');
    assert.deepEqual(t.identity.access.directRoles(`user:${account.id}`, 'ws-a'), []);
    await assert.rejects(t.identity.users.get(account.id), { code: 'USER_NOT_FOUND' });
  });
});

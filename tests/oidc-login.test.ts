import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '@assay/core/test-database';
import { startTestOidcProvider, type TestOidcProvider } from '@assay/core/test-oidc-provider';
import { runAssay, tempHome, type AssayProcess } from './support/assay-process.ts';
import { ADMIN_ENV } from './support/sign-in.ts';

/** A port nothing listens on now, so the redirect URI can be registered at the IdP before Assay starts. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let database: TestDatabase;
let provider: TestOidcProvider;
let server: AssayProcess;
let address: string;

before(async () => {
  database = await createTestDatabase();
  const port = await freePort();
  address = `http://127.0.0.1:${port}`;
  const redirectUri = `${address}/api/v1/auth/oidc/callback`;
  provider = await startTestOidcProvider({
    redirectUri,
    accounts: [
      { id: 'ann', email: 'ann@idp.test', name: 'Ann Example', groups: ['data-eng', 'everyone'] },
      { id: 'bob', email: 'bob@idp.test', name: 'Bob Example', groups: 'everyone' },
    ],
  });
  const home = await tempHome('assay-oidc-');
  await writeFile(
    join(home, 'assay.yaml'),
    JSON.stringify({
      auth: {
        cookieSecure: false,
        oidc: {
          issuer: provider.issuer,
          clientId: provider.clientId,
          clientSecret: provider.clientSecret,
          redirectUri,
          scopes: ['openid', 'email', 'profile', 'groups'],
          groupRoles: { 'data-eng': [{ workspace: 'default', role: 'engineer' }] },
        },
      },
    }),
  );
  server = runAssay(
    ['serve'],
    { ...ADMIN_ENV, ASSAY_HOME: home, DATABASE_URL: database.url, PORT: String(port), LOG_LEVEL: 'info' },
    home,
  );
  await server.waitForLog((line) => line.msg === 'Assay is listening', 60_000);
});
after(async () => {
  await server?.stop('SIGTERM');
  await provider?.close();
  await database?.drop();
});

/** A login signed in at the IdP: the callback URL the browser is sent to, and the state cookie it carries. */
interface IdpLogin {
  readonly url: URL;
  readonly cookie: string;
}

/** Starts a login at Assay and signs in at the IdP. */
async function loginAtIdp(account: string): Promise<IdpLogin> {
  const start = await fetch(`${address}/api/v1/auth/oidc/login?returnTo=/datasets`, { redirect: 'manual' });
  const cookie = start.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  assert.equal(start.status, 302);
  const authorization = new URL(start.headers.get('location')!);
  assert.equal(authorization.origin, new URL(provider.issuer).origin);
  assert.equal(authorization.searchParams.get('code_challenge_method'), 'S256');
  assert.ok(authorization.searchParams.get('state') && authorization.searchParams.get('nonce'));
  return { url: await provider.loginBrowserless(authorization, account), cookie };
}

const callback = (login: IdpLogin, url = login.url) =>
  fetch(url, { redirect: 'manual', headers: { cookie: login.cookie } });

describe('single sign-on against a real OpenID provider', () => {
  test('authorization code + PKCE ends in a session whose roles come from the mapped group claim', async () => {
    const res = await callback(await loginAtIdp('ann'));
    assert.equal(res.status, 302, await res.text());
    assert.equal(res.headers.get('location'), '/datasets');
    const cookie = res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    assert.match(cookie, /assay_session=/);
    const me = await fetch(`${address}/api/v1/me`, { headers: { cookie } });
    assert.equal(me.status, 200);
    const body = (await me.json()) as {
      user: { email: string; name: string; sso: boolean };
      groups: string[];
      workspaces: Array<{ slug: string; roles: string[]; permissions: string[] }>;
    };
    assert.deepEqual([body.user.email, body.user.name, body.user.sso], ['ann@idp.test', 'Ann Example', true]);
    assert.deepEqual(body.groups.sort(), ['data-eng', 'everyone']);
    assert.deepEqual(
      body.workspaces.map((w) => [w.slug, w.roles]),
      [['default', ['engineer']]],
    );
    assert.ok(body.workspaces[0]!.permissions.includes('pipeline:edit'));
  });

  test('a user without a mapped group signs in with no workspace', async () => {
    const res = await callback(await loginAtIdp('bob'));
    const cookie = res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const body = (await (await fetch(`${address}/api/v1/me`, { headers: { cookie } })).json()) as { workspaces: [] };
    assert.deepEqual(body.workspaces, []);
  });

  test('a tampered state, a replayed callback and a replayed code are refused', async () => {
    const login = await loginAtIdp('ann');
    const { url } = login;
    const tampered = new URL(url);
    tampered.searchParams.set('state', `${url.searchParams.get('state')}x`);
    const refused = await callback(login, tampered);
    assert.equal(refused.status, 401);
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'OIDC_STATE_INVALID');

    const elsewhere = await fetch(url, { redirect: 'manual' });
    assert.equal(elsewhere.status, 401, 'another browser cannot complete the login');
    assert.equal((await callback(login)).status, 302, 'the untampered callback still works once');
    const replayed = await callback(login);
    assert.equal(replayed.status, 401);
    assert.equal(((await replayed.json()) as { error: { code: string } }).error.code, 'OIDC_STATE_INVALID');

    // The code of a completed login, presented with the state of a fresh one: the IdP refuses the used code.
    const fresh = await loginAtIdp('ann');
    const mixed = new URL(fresh.url);
    mixed.searchParams.set('code', url.searchParams.get('code')!);
    const reused = await callback(fresh, mixed);
    assert.equal(reused.status, 401);
    assert.equal(((await reused.json()) as { error: { code: string } }).error.code, 'OIDC_CODE_REJECTED');
  });

  test('an ID token that expired (IdP clock behind) is refused', async () => {
    const login = await loginAtIdp('ann');
    provider.setClockSkew(3600);
    try {
      const res = await callback(login);
      assert.equal(res.status, 401);
      const { error } = (await res.json()) as { error: { code: string; message: string } };
      assert.equal(error.code, 'OIDC_ID_TOKEN_INVALID');
      assert.match(error.message, /expired/i);
    } finally {
      provider.setClockSkew(0);
    }
  });

  test('the login is in the audit log and no token appears in the server log', async () => {
    const res = await callback(await loginAtIdp('ann'));
    const session = res.headers
      .getSetCookie()
      .find((c) => c.startsWith('assay_session='))!
      .split(';')[0]!
      .split('=')[1]!;
    const logs = server.stdout.join('\n') + server.stderr.join('\n');
    assert.ok(!logs.includes(session), 'the session secret is not logged');
    assert.ok(!logs.includes(provider.clientSecret), 'the client secret is not logged');
  });
});

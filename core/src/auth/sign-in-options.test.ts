import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createContainer } from 'awilix';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { AssayConfig } from '../config/config.schema.ts';
import { loadConfig } from '../config/load-config.ts';
import { createHttpServer, type AssayHttpServer } from '../http/http-server.ts';
import { createIdentityTestKit, type IdentityTestKit } from '../testing/identity-test-kit.ts';
import { authRoutes } from './auth.routes.ts';
import { createFirstAdminSetup, type FirstAdminSetup } from './first-admin.ts';

let kit: IdentityTestKit;
let home: string;
let setup: FirstAdminSetup;
let plain: AssayHttpServer;
let withSso: AssayHttpServer;

/** The real server with the auth routes on a database without users, as a new installation has. */
async function serverWith(auth: AssayConfig['auth']): Promise<AssayHttpServer> {
  const app = await createHttpServer({
    access: kit.access,
    audit: kit.audit,
    logger: pino({ level: 'silent' }),
    version: '0.0.0-test',
    metrics: new Registry(),
    container: createContainer(),
    readiness: [],
    isDraining: () => false,
  });
  await app.register(authRoutes, { prefix: '/api/v1', identity: kit.identity, config: auth, setup, audit: kit.audit });
  await app.ready();
  return app;
}

before(async () => {
  kit = await createIdentityTestKit();
  home = await mkdtemp(join(tmpdir(), 'assay-sign-in-options-'));
  const { auth } = loadConfig({ env: {}, cwd: home, overrides: { databaseUrl: 'postgres://unused', home } });
  setup = createFirstAdminSetup(kit.db, kit.identity);
  plain = await serverWith(auth);
  withSso = await serverWith({
    ...auth,
    oidc: {
      issuer: 'https://idp.example.test',
      clientId: 'assay',
      redirectUri: 'https://assay.example.test/api/v1/auth/oidc/callback',
      scopes: ['openid'],
      groupsClaim: 'groups',
      groupRoles: {},
    },
  });
});
after(async () => {
  await plain?.close();
  await withSso?.close();
  await kit?.close();
  await rm(home, { recursive: true, force: true });
});

describe('GET /api/v1/auth/options', () => {
  test('is public and says setup is needed until the first admin exists, then never again', async () => {
    const before = await plain.inject('/api/v1/auth/options');
    assert.equal(before.statusCode, 200, before.body);
    assert.deepEqual(before.json(), { setupRequired: true, sso: false });

    const { setupToken } = await setup.prepare({});
    assert.ok(setupToken);
    const done = await plain.inject({
      method: 'POST',
      url: '/api/v1/auth/setup',
      payload: { token: setupToken, email: 'first@assay.test', name: 'First', password: 'first admin password' },
    });
    assert.equal(done.statusCode, 200, done.body);
    assert.deepEqual((await plain.inject('/api/v1/auth/options')).json(), { setupRequired: false, sso: false });
    // The other server never cached "done": it asks the database and finds the admin too.
    assert.equal((await withSso.inject('/api/v1/auth/options')).json().setupRequired, false);
  });

  test('says whether single sign-on is configured, and ignores a stale session cookie', async () => {
    const res = await withSso.inject({ url: '/api/v1/auth/options', headers: { cookie: 'assay_session=stale' } });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().sso, true);
    assert.equal((await plain.inject('/api/v1/auth/options')).json().sso, false);
  });
});

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import cookie from '@fastify/cookie';
import Fastify from 'fastify';
import type { Knex } from 'knex';
import { pino } from 'pino';
import { createDatabase } from '../../database/database.ts';
import { oidcLoginsMigration } from '../../database/migrations/006_oidc_logins.ts';
import { ErrorBody } from '../../http/error-body.ts';
import { installErrorHandler } from '../../http/error-handler.ts';
import { createTestDatabase, type TestDatabase } from '../../testing/test-database.ts';
import { createOidcClient, type OidcClient, type OidcConfig } from './oidc-client.ts';
import type { OidcIdentity } from './oidc-identity.ts';
import { oidcRoutes } from './oidc.routes.ts';
import { startTestOidcProvider, type TestOidcProvider } from './test-oidc-provider.ts';

const REDIRECT_URI = 'http://assay.test/api/v1/auth/oidc/callback';
const POST_LOGOUT_URI = 'http://assay.test/signed-out';

let database: TestDatabase;
let db: Knex;
let idp: TestOidcProvider;
let client: OidcClient;
let app: TestApp;
const signedIn: OidcIdentity[] = [];

type TestApp = Awaited<ReturnType<typeof startApp>>;

/** A bare app with only the OIDC routes; signIn records the identity and sets a cookie, as the real one would. */
async function startApp(oidc: OidcClient) {
  const fastify = Fastify().withTypeProvider<TypeBoxTypeProvider>();
  fastify.setValidatorCompiler(TypeBoxValidatorCompiler);
  fastify.addSchema(ErrorBody);
  installErrorHandler(fastify);
  await fastify.register(cookie);
  await fastify.register(
    (scope) =>
      oidcRoutes(scope, {
        client: oidc,
        signIn: async (identity, _request, reply) => {
          signedIn.push(identity);
          reply.header('set-cookie', `assay_session=for-${identity.subject}; Path=/; HttpOnly`);
        },
      }),
    { prefix: '/api/v1' },
  );
  await fastify.ready();
  return fastify;
}

function configFor(provider: { issuer: string; clientId: string; clientSecret: string }): OidcConfig {
  return {
    issuer: provider.issuer,
    clientId: provider.clientId,
    clientSecret: provider.clientSecret,
    redirectUri: REDIRECT_URI,
    scopes: ['openid', 'email', 'profile', 'groups', 'offline_access'],
    groupsClaim: 'groups',
    groupRoles: {},
    postLogoutRedirectUri: POST_LOGOUT_URI,
  };
}

const logger = pino({ level: 'silent' });

before(async () => {
  database = await createTestDatabase();
  db = createDatabase(database.url);
  await oidcLoginsMigration.up(db);
  idp = await startTestOidcProvider({
    redirectUri: REDIRECT_URI,
    postLogoutRedirectUri: POST_LOGOUT_URI,
    accounts: [
      { id: 'ann', email: 'ann@example.com', name: 'Ann Analyst', groups: ['analysts', 'engineers'] },
      { id: 'bob', email: 'bob@example.com', name: 'Bob Viewer', groups: 'viewers' },
    ],
  });
  client = createOidcClient({ config: configFor(idp), db, logger });
  app = await startApp(client);
});
after(async () => {
  await app.close();
  await idp.close();
  await db.destroy();
  await database.drop();
});

/** Starts a login through the route; returns the provider URL it redirected to. */
async function beginLogin(returnTo = '/'): Promise<URL> {
  const response = await app.inject({ url: `/api/v1/auth/oidc/login?returnTo=${encodeURIComponent(returnTo)}` });
  assert.equal(response.statusCode, 302, response.body);
  return new URL(response.headers.location as string);
}

/** A login up to the provider's redirect back to us (the callback URL with code and state), not yet followed. */
async function callbackFor(account: string, returnTo = '/'): Promise<URL> {
  return idp.loginBrowserless(await beginLogin(returnTo), account);
}

/** The browser that started the login comes back with the state cookie the login route set. */
const callback = (url: URL) =>
  app.inject({
    url: `${url.pathname}${url.search}`,
    cookies: { assay_oidc_state: url.searchParams.get('state') ?? '' },
  });

function assertError(response: { statusCode: number; json(): unknown }, status: number, code: string) {
  const body = response.json() as { error: { code: string; message: string; details?: Record<string, unknown> } };
  assert.equal(response.statusCode, status, JSON.stringify(body));
  assert.equal(body.error.code, code, body.error.message);
  return body.error;
}

const pendingCount = async () => Number((await db('core_oidc_logins').count({ n: '*' }))[0]!.n);

describe('OIDC login', () => {
  test('full login: redirect to the IdP with PKCE, sign in, land on returnTo', async () => {
    const authorization = await beginLogin('/datasets?tab=schema');
    assert.equal(authorization.origin, idp.issuer);
    assert.equal(authorization.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(authorization.searchParams.get('redirect_uri'), REDIRECT_URI);
    assert.equal(authorization.searchParams.get('scope'), 'openid email profile groups offline_access');
    const state = authorization.searchParams.get('state')!;
    assert.ok(authorization.searchParams.get('nonce'));
    const [row] = await db('core_oidc_logins').select('state_hash', 'return_to');
    assert.equal(row.state_hash, createHash('sha256').update(state).digest('hex'), 'only the hash of state is stored');
    assert.equal(row.return_to, '/datasets?tab=schema');

    const before = signedIn.length;
    const response = await callback(await idp.loginBrowserless(authorization, 'ann'));
    assert.equal(response.statusCode, 302, response.body);
    assert.equal(response.headers.location, '/datasets?tab=schema');
    assert.match(String(response.headers['set-cookie']), /^assay_session=for-ann;/);
    assert.equal(signedIn.length, before + 1);
    const identity = signedIn.at(-1)!;
    assert.equal(identity.issuer, idp.issuer);
    assert.equal(identity.subject, 'ann');
    assert.equal(identity.email, 'ann@example.com');
    assert.equal(identity.emailVerified, true);
    assert.equal(identity.name, 'Ann Analyst');
    assert.deepEqual(identity.groups, ['analysts', 'engineers']);
    assert.equal(identity.idToken.split('.').length, 3);
    assert.ok(identity.refreshToken);
    assert.ok(identity.accessTokenExpiresAt! > new Date());
    assert.equal(await pendingCount(), 0, 'the pending login was consumed');
  });

  test('a groups claim holding a single string gives one group; returnTo defaults to /', async () => {
    const response = await app.inject({ url: '/api/v1/auth/oidc/login' });
    const url = await idp.loginBrowserless(new URL(response.headers.location as string), 'bob');
    const done = await callback(url);
    assert.equal(done.statusCode, 302, done.body);
    assert.equal(done.headers.location, '/');
    assert.deepEqual(signedIn.at(-1)!.groups, ['viewers']);
  });

  test('a callback in another browser (without the state cookie of the login) is 401 OIDC_STATE_INVALID', async () => {
    const start = await app.inject({ url: '/api/v1/auth/oidc/login' });
    const stateCookie = String(start.headers['set-cookie']);
    assert.match(stateCookie, /^assay_oidc_state=[^;]+;.*HttpOnly/);
    const url = await idp.loginBrowserless(new URL(start.headers.location as string), 'ann');
    const elsewhere = await app.inject({ url: `${url.pathname}${url.search}` });
    assertError(elsewhere, 401, 'OIDC_STATE_INVALID');
    assert.equal((await callback(url)).statusCode, 302, 'the browser that started it still can');
  });

  test('a tampered state is 401 OIDC_STATE_INVALID and leaves the real login usable', async () => {
    const url = await callbackFor('ann', '/after');
    const tampered = new URL(url);
    tampered.searchParams.set('state', `${url.searchParams.get('state')}x`);
    assertError(await callback(tampered), 401, 'OIDC_STATE_INVALID');
    const missing = new URL(url);
    missing.searchParams.delete('state');
    assertError(await callback(missing), 401, 'OIDC_STATE_INVALID');
    const genuine = await callback(url);
    assert.equal(genuine.statusCode, 302, genuine.body);
    assert.equal(genuine.headers.location, '/after');
  });

  test('a replayed callback (same code and state) is 401: the state was consumed', async () => {
    const url = await callbackFor('ann');
    assert.equal((await callback(url)).statusCode, 302);
    const signIns = signedIn.length;
    const error = assertError(await callback(url), 401, 'OIDC_STATE_INVALID');
    assert.match(error.message, /unknown or was already used/);
    assert.equal(signedIn.length, signIns, 'no second sign-in');
  });

  test('a used code replayed with a fresh, valid state is OIDC_CODE_REJECTED by the IdP', async () => {
    // The state check passes (the state is genuine), so the token endpoint decides: the code was redeemed
    // already (and the fresh login's PKCE verifier does not match its challenge), so it answers invalid_grant.
    const used = await callbackFor('ann');
    assert.equal((await callback(used)).statusCode, 302);
    const fresh = await beginLogin();
    const replay = new URL(used);
    replay.searchParams.set('state', fresh.searchParams.get('state')!);
    const error = assertError(await callback(replay), 401, 'OIDC_CODE_REJECTED');
    assert.equal(error.details?.error, 'invalid_grant');
  });

  test('an unused code injected into another login is refused: PKCE binds the code to its own login', async () => {
    const stolen = await callbackFor('ann');
    const victim = await beginLogin();
    const injected = new URL(stolen);
    injected.searchParams.set('state', victim.searchParams.get('state')!);
    assertError(await callback(injected), 401, 'OIDC_CODE_REJECTED');
  });

  test('an ID token whose nonce differs from the pending login is 401 OIDC_NONCE_MISMATCH', async () => {
    const url = await callbackFor('ann');
    await db('core_oidc_logins').update({ nonce: 'not-the-nonce-sent' });
    assertError(await callback(url), 401, 'OIDC_NONCE_MISMATCH');
  });

  test('an expired ID token (IdP clock an hour behind) is 401 OIDC_ID_TOKEN_INVALID', async () => {
    const url = await callbackFor('ann');
    idp.setClockSkew(3600);
    try {
      const error = assertError(await callback(url), 401, 'OIDC_ID_TOKEN_INVALID');
      assert.match(error.message, /has expired/);
    } finally {
      idp.setClockSkew(0);
    }
  });

  test('a login older than 10 minutes is 401 OIDC_STATE_INVALID', async () => {
    const url = await callbackFor('ann');
    const stateHash = createHash('sha256').update(url.searchParams.get('state')!).digest('hex');
    await db('core_oidc_logins')
      .where({ state_hash: stateHash })
      .update({ expires_at: db.raw(`now() - interval '1 second'`) });
    const error = assertError(await callback(url), 401, 'OIDC_STATE_INVALID');
    assert.match(error.message, /longer than 10 minutes/);
    assert.equal((await db('core_oidc_logins').where({ state_hash: stateHash })).length, 0, 'the expired row is gone');
  });

  test('an IdP error (access_denied) is 401 OIDC_LOGIN_DENIED without echoing its description', async () => {
    const state = (await beginLogin()).searchParams.get('state')!;
    const url = new URL(REDIRECT_URI);
    url.search = new URLSearchParams({
      error: 'access_denied',
      error_description: '<script>alert(1)</script>',
      state,
      iss: idp.issuer,
    }).toString();
    const error = assertError(await callback(url), 401, 'OIDC_LOGIN_DENIED');
    assert.deepEqual(error.details, { error: 'access_denied' });
    assert.doesNotMatch(error.message, /script/);
  });

  test('a callback from another issuer (mix-up) or without a code is 401 OIDC_CALLBACK_INVALID', async () => {
    const url = await callbackFor('ann');
    const mixedUp = new URL(url);
    mixedUp.searchParams.set('iss', 'https://evil.example');
    assertError(await callback(mixedUp), 401, 'OIDC_CALLBACK_INVALID');
    const state = (await beginLogin()).searchParams.get('state')!;
    assertError(await callback(new URL(`${REDIRECT_URI}?state=${state}`)), 401, 'OIDC_CALLBACK_INVALID');
  });

  test('returnTo that is not a local path is 400 RETURN_TO_INVALID and starts nothing', async () => {
    const pending = await pendingCount();
    for (const returnTo of ['//evil.example/x', '/\\evil.example', 'https://evil.example/', 'datasets', '/a\tb']) {
      const response = await app.inject({
        url: `/api/v1/auth/oidc/login?returnTo=${encodeURIComponent(returnTo)}`,
      });
      assertError(response, 400, 'RETURN_TO_INVALID');
    }
    assert.equal(await pendingCount(), pending);
  });

  test('wrong client credentials are 503 OIDC_CLIENT_REJECTED', async () => {
    const wrong = createOidcClient({ config: { ...configFor(idp), clientSecret: 'not-the-secret' }, db, logger });
    const wrongApp = await startApp(wrong);
    try {
      const login = await wrongApp.inject({ url: '/api/v1/auth/oidc/login' });
      const url = await idp.loginBrowserless(new URL(login.headers.location as string), 'ann');
      const response = await wrongApp.inject({
        url: `${url.pathname}${url.search}`,
        cookies: { assay_oidc_state: url.searchParams.get('state') ?? '' },
      });
      assertError(response, 503, 'OIDC_CLIENT_REJECTED');
    } finally {
      await wrongApp.close();
    }
  });
});

describe('OIDC provider reachability', () => {
  test('an unreachable issuer is 503 OIDC_PROVIDER_UNREACHABLE; discovery is retried at the next login', async () => {
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    const late = createOidcClient({
      config: { ...configFor({ issuer, clientId: 'x', clientSecret: 'y' }) },
      db,
      logger,
    });
    const lateApp = await startApp(late);
    let lateIdp: TestOidcProvider | undefined;
    try {
      const pending = await pendingCount();
      const error = assertError(
        await lateApp.inject({ url: '/api/v1/auth/oidc/login' }),
        503,
        'OIDC_PROVIDER_UNREACHABLE',
      );
      assert.ok(error.message.includes(issuer), error.message);
      assert.equal(await pendingCount(), pending, 'no pending login without a provider');

      lateIdp = await startTestOidcProvider({ redirectUri: REDIRECT_URI, accounts: [], port });
      const retried = await lateApp.inject({ url: '/api/v1/auth/oidc/login' });
      assert.equal(retried.statusCode, 302, retried.body);
      assert.ok(String(retried.headers.location).startsWith(`${issuer}/`));
    } finally {
      await lateApp.close();
      await lateIdp?.close();
    }
  });
});

describe('OIDC sessions', () => {
  test('refresh returns new tokens and the groups; an unknown refresh token is OIDC_REFRESH_REJECTED', async () => {
    assert.equal((await callback(await callbackFor('ann'))).statusCode, 302);
    const { refreshToken } = signedIn.at(-1)!;
    const refreshed = await client.refresh(refreshToken!);
    const claims = JSON.parse(Buffer.from(refreshed.idToken!.split('.')[1]!, 'base64url').toString('utf8'));
    assert.equal(claims.sub, 'ann');
    assert.deepEqual(refreshed.groups, ['analysts', 'engineers']);
    assert.ok(refreshed.accessTokenExpiresAt! > new Date());
    await assert.rejects(client.refresh('not-a-refresh-token'), { code: 'OIDC_REFRESH_REJECTED', status: 401 });
  });

  test('endSessionUrl names the ID token and the post-logout URI, and the IdP accepts it', async () => {
    const { idToken } = signedIn.at(-1)!;
    const url = new URL((await client.endSessionUrl(idToken))!);
    assert.equal(url.origin, idp.issuer);
    assert.equal(url.searchParams.get('id_token_hint'), idToken);
    assert.equal(url.searchParams.get('post_logout_redirect_uri'), POST_LOGOUT_URI);
    assert.equal(url.searchParams.get('client_id'), idp.clientId);
    const page = await fetch(url);
    assert.equal(page.status, 200, await page.text());
    const anonymous = new URL((await client.endSessionUrl(undefined))!);
    assert.equal(anonymous.searchParams.has('id_token_hint'), false);
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

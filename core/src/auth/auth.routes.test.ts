import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { startCoreTestPlatform } from '../testing/test-platform.ts';

type Kit = Awaited<ReturnType<typeof startCoreTestPlatform>>;
let kit: Kit;
const logLines: string[] = [];
const PASSWORD = 'correct horse battery';

before(async () => {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  kit = await startCoreTestPlatform({ logger: pino({ level: 'debug' }, sink) });
  await kit.createWorkspace('acme');
  const user = await kit.platform.identity.users.createLocal({
    email: 'ann@acme.test',
    name: 'Ann',
    password: PASSWORD,
  });
  await kit.platform.identity.access.assign(`user:${user.id}`, 'analyst', 'acme');
  await kit.platform.identity.users.createLocal({ email: 'bob@acme.test', name: 'Bob', password: PASSWORD });
});
after(() => kit.close());

const login = (email: string, password: string, ip = '10.0.0.1') =>
  kit.injectAnonymous({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password }, remoteAddress: ip });

function cookiesOf(response: { headers: Record<string, unknown> }): string {
  const raw = response.headers['set-cookie'];
  return ([raw].flat() as string[]).map((c) => c.split(';')[0]).join('; ');
}

describe('local login and sessions', () => {
  test('a login sets an httpOnly, Secure, SameSite session cookie; /me answers with roles and permissions', async () => {
    const res = await login('ANN@acme.test', PASSWORD);
    assert.equal(res.statusCode, 200, res.body);
    const setCookie = [res.headers['set-cookie']].flat() as string[];
    const session = setCookie.find((c) => c.startsWith('assay_session='))!;
    assert.match(session, /HttpOnly/);
    assert.match(session, /Secure/);
    assert.match(session, /SameSite=Lax/);
    const me = await kit.injectAnonymous({ url: '/api/v1/me', headers: { cookie: cookiesOf(res) } });
    assert.equal(me.statusCode, 200);
    const body = me.json();
    assert.equal(body.user.email, 'ann@acme.test');
    assert.equal(body.via, 'session');
    assert.deepEqual(
      body.workspaces.map((w: { slug: string; roles: string[] }) => [w.slug, w.roles]),
      [['acme', ['analyst']]],
    );
    const permissions = body.workspaces[0].permissions as string[];
    assert.ok(permissions.includes('query:run'));
    assert.ok(!permissions.includes('pipeline:edit'));
  });

  test('cookie-authenticated changes need the CSRF token of the session', async () => {
    const res = await login('ann@acme.test', PASSWORD, '10.0.0.2');
    const { csrfToken } = res.json();
    const cookie = cookiesOf(res);
    const without = await kit.injectAnonymous({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie } });
    assert.equal(without.statusCode, 403);
    assert.equal(without.json().error.code, 'CSRF_TOKEN_INVALID');
    const wrong = await kit.injectAnonymous({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { cookie, 'x-csrf-token': 'forged' },
    });
    assert.equal(wrong.statusCode, 403);
    const ok = await kit.injectAnonymous({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { cookie, 'x-csrf-token': csrfToken },
    });
    assert.equal(ok.statusCode, 200);
    const after = await kit.injectAnonymous({ url: '/api/v1/me', headers: { cookie } });
    assert.equal(after.statusCode, 401);
    assert.equal(after.json().error.code, 'SESSION_INVALID');
  });

  test('wrong passwords and unknown users look the same; repeated failures lock the account', async () => {
    const unknown = await login('nobody@acme.test', PASSWORD, '10.0.1.1');
    assert.equal(unknown.statusCode, 401);
    assert.equal(unknown.json().error.code, 'LOGIN_FAILED');
    const codes: string[] = [];
    for (let i = 0; i < 5; i++)
      codes.push((await login('bob@acme.test', 'wrong password!', `10.0.2.${i}`)).json().error.code);
    assert.deepEqual(codes, ['LOGIN_FAILED', 'LOGIN_FAILED', 'LOGIN_FAILED', 'LOGIN_FAILED', 'ACCOUNT_LOCKED']);
    const locked = await login('bob@acme.test', PASSWORD, '10.0.3.1');
    assert.equal(locked.statusCode, 401);
    assert.equal(locked.json().error.code, 'ACCOUNT_LOCKED', 'the right password does not help while locked');
    assert.ok(Date.parse(locked.json().error.details.lockedUntil) > Date.now());
  });

  test('more than 10 login attempts a minute from one address are rate limited', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await login('nobody@acme.test', 'x', '10.9.9.9')).statusCode);
    assert.deepEqual(statuses.slice(0, 10), Array(10).fill(401));
    const limited = await login('nobody@acme.test', 'x', '10.9.9.9');
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.json().error.code, 'RATE_LIMITED');
  });

  test('a setup token cannot create a second admin', async () => {
    const token = kit.platform.setupToken;
    assert.ok(token, 'the first start without users issued a setup token');
    const payload = { token, email: 'eve@acme.test', name: 'Eve', password: 'long enough password' };
    const done = await kit.injectAnonymous({ method: 'POST', url: '/api/v1/auth/setup', payload });
    assert.equal(done.statusCode, 409);
    assert.equal(done.json().error.code, 'SETUP_DONE');
    const forged = await kit.injectAnonymous({
      method: 'POST',
      url: '/api/v1/auth/setup',
      payload: { ...payload, token: 'setup_forged' },
    });
    assert.equal(forged.statusCode, 401);
    assert.equal(forged.json().error.code, 'SETUP_TOKEN_INVALID');
  });

  test('password change checks the current password and strength', async () => {
    const created = await kit.createMember({ workspace: 'acme', role: 'viewer', email: 'cat@acme.test' });
    const res = (payload: object) =>
      kit.inject({
        method: 'POST',
        url: '/api/v1/me/password',
        payload,
        headers: { authorization: `Bearer ${created.token}` },
      });
    const weak = await res({ current: 'x', next: 'short' });
    assert.equal(weak.json().error.code, 'PASSWORD_TOO_WEAK');
    const wrong = await res({ current: 'not the password', next: 'a much longer password' });
    assert.equal(wrong.statusCode, 401);
  });
});

describe('API tokens', () => {
  test('malformed, unknown and non-bearer credentials are 401 with distinct codes', async () => {
    const cases: Array<[string, string]> = [
      ['Bearer nonsense', 'TOKEN_MALFORMED'],
      [`Bearer assay_${'A'.repeat(43)}`, 'TOKEN_INVALID'],
      ['Basic dXNlcjpwYXNz', 'TOKEN_MALFORMED'],
    ];
    for (const [authorization, code] of cases) {
      const res = await kit.injectAnonymous({ url: '/api/v1/me', headers: { authorization } });
      assert.equal(res.statusCode, 401, authorization);
      assert.equal(res.json().error.code, code);
    }
    const none = await kit.injectAnonymous({ url: '/api/v1/me' });
    assert.equal(none.json().error.code, 'AUTHENTICATION_REQUIRED');
  });

  test('expired and revoked tokens are refused; a token for another workspace is 403', async () => {
    const { identity } = kit.platform;
    await kit.createWorkspace('other');
    const member = await kit.createMember({ workspace: 'acme', role: 'engineer' });
    const expired = await identity.tokens.create({
      userId: member.userId,
      workspace: 'acme',
      role: 'engineer',
      name: 'old',
      expiresAt: new Date(Date.now() - 1000),
      createdBy: member.userId,
    });
    const asExpired = await kit.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${expired.secret}` } });
    assert.equal(asExpired.json().error.code, 'TOKEN_EXPIRED');

    const ok = await kit.inject({
      url: '/api/v1/workspaces/acme',
      headers: { authorization: `Bearer ${member.token}` },
    });
    assert.equal(ok.statusCode, 200);
    const elsewhere = await kit.inject({
      url: '/api/v1/workspaces/other',
      headers: { authorization: `Bearer ${member.token}` },
    });
    assert.equal(elsewhere.statusCode, 403);
    assert.equal(elsewhere.json().error.code, 'TOKEN_WORKSPACE_MISMATCH');

    const [listed] = await identity.tokens.list({ userId: member.userId, workspace: 'acme' });
    await identity.tokens.revoke(listed!.id);
    identity.changed();
    const revoked = await kit.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${member.token}` } });
    assert.equal(revoked.statusCode, 401);
    assert.equal(revoked.json().error.code, 'TOKEN_REVOKED');
  });

  test('a platform token acts as its owner: a workspace it creates is theirs, and /me shows their roles', async () => {
    const created = await kit.inject({ method: 'POST', url: '/api/v1/workspaces', payload: { slug: 'by-token' } });
    assert.equal(created.statusCode, 201, created.body);
    const me = (await kit.inject('/api/v1/me')).json();
    assert.equal(me.via, 'token');
    const mine = me.workspaces.find((w: { slug: string }) => w.slug === 'by-token');
    assert.deepEqual(mine.roles, ['admin']);
    const member = await kit.createMember({ workspace: 'by-token', role: 'viewer' });
    const refused = await kit.inject({
      method: 'POST',
      url: '/api/v1/workspaces',
      payload: { slug: 'not-allowed' },
      headers: { authorization: `Bearer ${member.token}` },
    });
    assert.equal(refused.statusCode, 403, 'a workspace token cannot create workspaces');
  });

  test('no token, password or session secret ever reaches the logs', async () => {
    const member = await kit.createMember({ workspace: 'acme', role: 'viewer' });
    await kit.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${member.token}` } });
    await kit.inject({ url: '/api/v1/workspaces/nope', headers: { authorization: `Bearer ${member.token}` } });
    const res = await login('ann@acme.test', PASSWORD, '10.7.7.7');
    const session = cookiesOf(res).match(/assay_session=([^;]+)/)![1]!;
    await kit.injectAnonymous({ url: '/api/v1/me', headers: { cookie: cookiesOf(res) } });
    const logs = logLines.join('');
    assert.ok(logs.includes('"requestId"'), 'request logs were captured');
    for (const secret of [member.token, kit.adminToken, session, PASSWORD]) {
      assert.ok(!logs.includes(secret), 'a secret appeared in the logs');
    }
  });
});

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { Principal, RouteAccess } from '@assay/sdk';
import { registerAjvFormats, TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify from 'fastify';
import { ErrorBody } from '../http/error-body.ts';
import { installErrorHandler } from '../http/error-handler.ts';
import { generateSecretKey } from './secret-key.ts';
import { createSecretStore, type SecretStore } from './secret-store.ts';
import { secretsRoutes } from './secrets.routes.ts';
import { createSecretsTestDatabase } from './secrets-testing.ts';

const principal: Principal = {
  id: '5b0e6f52-7a0c-4a43-9d49-0f8e2f2f6a11',
  kind: 'user',
  name: 'Ann',
  email: 'ann@example.com',
  platformAdmin: false,
  via: 'token',
};
const VALUE = 'pa55-W0RD-that-must-never-leak';

let database: Awaited<ReturnType<typeof createSecretsTestDatabase>>;
let store: SecretStore;
// Fastify's default maxParamLength (100) would answer 414 to secret names of 101–128 characters; the platform's
// server needs the same setting.
const app = Fastify({ routerOptions: { maxParamLength: 256 } }).withTypeProvider<TypeBoxTypeProvider>();
const declared = new Map<string, RouteAccess | undefined>();

before(async () => {
  database = await createSecretsTestDatabase();
  store = createSecretStore({ db: database.db, key: generateSecretKey() });
  registerAjvFormats();
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  app.addSchema(ErrorBody);
  installErrorHandler(app);
  app.decorateRequest('principal', undefined);
  app.addHook('onRequest', async (request) => {
    request.principal = principal;
  });
  app.addHook('onRoute', (route) => {
    declared.set(
      `${String(route.method)} ${route.url}`,
      (route.config as { access?: RouteAccess } | undefined)?.access,
    );
  });
  await app.register((scoped) => secretsRoutes(scoped, { store }), { prefix: '/api/v1' });
  await app.ready();
});
after(async () => {
  await app.close();
  await database.drop();
});
beforeEach(() => database.db('core_secrets').delete());

const put = (name: string, payload: unknown, ws = 'demo') =>
  app.inject({ method: 'PUT', url: `/api/v1/workspaces/${ws}/secrets/${name}`, payload: payload as object });
const list = (ws = 'demo') => app.inject({ method: 'GET', url: `/api/v1/workspaces/${ws}/secrets` });
const remove = (name: string) => app.inject({ method: 'DELETE', url: `/api/v1/workspaces/demo/secrets/${name}` });

describe('secrets API', () => {
  test('every route declares the secret permission it needs', () => {
    assert.deepEqual(Object.fromEntries(declared), {
      'GET /api/v1/workspaces/:ws/secrets': { permission: 'secret:read' },
      'HEAD /api/v1/workspaces/:ws/secrets': { permission: 'secret:read' },
      'PUT /api/v1/workspaces/:ws/secrets/:name': { permission: 'secret:manage' },
      'DELETE /api/v1/workspaces/:ws/secrets/:name': { permission: 'secret:manage' },
    });
  });

  test('PUT stores the value and answers metadata with the caller as creator, never the value', async () => {
    const res = await put('warehouse.password', { value: VALUE, description: 'DWH login' });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.deepEqual([body.name, body.description, body.createdBy], ['warehouse.password', 'DWH login', principal.id]);
    assert.deepEqual(Object.keys(body).sort(), ['createdAt', 'createdBy', 'description', 'name', 'updatedAt']);
    assert.ok(!res.body.includes(VALUE));
    assert.equal(await store.get('demo', 'warehouse.password'), VALUE);
  });

  test('PUT again replaces the value', async () => {
    await put('token', { value: 'first-value' });
    const res = await put('token', { value: VALUE });
    assert.equal(res.statusCode, 200);
    assert.ok(!res.body.includes(VALUE));
    assert.equal(await store.get('demo', 'token'), VALUE);
  });

  test('GET lists the workspace secrets without values', async () => {
    await put('b', { value: VALUE });
    await put('a', { value: `${VALUE}-2`, description: 'first' });
    await put('other', { value: VALUE }, 'elsewhere');
    const res = await list();
    assert.equal(res.statusCode, 200);
    assert.deepEqual(
      res.json().items.map((s: { name: string; description: string | null }) => [s.name, s.description]),
      [
        ['a', 'first'],
        ['b', null],
      ],
    );
    assert.ok(!res.body.includes(VALUE));
    assert.deepEqual((await list('empty')).json(), { items: [] });
  });

  test('DELETE answers 204, then 404 SECRET_NOT_FOUND', async () => {
    await put('gone', { value: VALUE });
    const res = await remove('gone');
    assert.equal(res.statusCode, 204);
    assert.equal(res.body, '');
    const again = await remove('gone');
    assert.equal(again.statusCode, 404);
    assert.equal(again.json().error.code, 'SECRET_NOT_FOUND');
    assert.match(again.json().error.message, /"gone".*"demo"/);
  });

  test('invalid names are 400 and store nothing', async () => {
    for (const name of ['Upper', '1st', '-x', '_x', 'a%20b', 'x'.repeat(129)]) {
      const res = await put(name, { value: VALUE });
      assert.equal(res.statusCode, 400, name);
      assert.equal(res.json().error.code, 'REQUEST_INVALID');
      assert.equal(res.json().error.details.path, '/params/name');
      assert.ok(!res.body.includes(VALUE));
      assert.equal((await remove(name)).statusCode, 400);
    }
    assert.equal((await put('x', { value: VALUE }, 'Bad_WS')).statusCode, 400);
    assert.equal((await put(`a${'x'.repeat(127)}`, { value: VALUE })).statusCode, 200);
    await store.remove('demo', `a${'x'.repeat(127)}`);
    assert.deepEqual((await list()).json(), { items: [] });
  });

  test('a missing, empty, too long or non-string value, or an unknown property, is 400 without echoing it', async () => {
    const cases: [unknown, string][] = [
      [{}, '/body'],
      [{ value: '' }, '/body/value'],
      [{ value: 'x'.repeat(65537) }, '/body/value'],
      [{ value: 42 }, '/body/value'],
      [{ value: VALUE, extra: 1 }, '/body/extra'],
      [{ value: VALUE, description: 'd'.repeat(1001) }, '/body/description'],
    ];
    for (const [payload, path] of cases) {
      const res = await put('ok', payload);
      assert.equal(res.statusCode, 400, JSON.stringify(payload).slice(0, 40));
      assert.equal(res.json().error.details.path, path);
      assert.ok(!res.body.includes(VALUE));
    }
    assert.equal((await put('ok', { value: 'x'.repeat(65536) })).statusCode, 200);
  });
});

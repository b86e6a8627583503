import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, beforeEach, describe, test } from 'node:test';
import { AuthenticationError, NotAllowedError, type PluginHttpApp } from '@assay/sdk';
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify from 'fastify';
import type { Knex } from 'knex';
import { Registry } from 'prom-client';
import { Type } from 'typebox';
import { createDatabase } from '../database/database.ts';
import { auditMigration } from '../database/migrations/005_audit.ts';
import { ErrorBody } from '../http/error-body.ts';
import { installErrorHandler } from '../http/error-handler.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.ts';
import { installAuditHook, outcomeOf, recordAuth } from './audit-hook.ts';
import { createAuditLog, type AuditEntry, type AuditLog } from './audit-log.ts';

let testDb: TestDatabase;
let db: Knex;
let audit: AuditLog;
let lastStream: Readable | undefined;

before(async () => {
  testDb = await createTestDatabase();
  db = createDatabase(testDb.url);
  await auditMigration.up(db);
  audit = createAuditLog({ db });
});
after(async () => {
  await db.destroy();
  await testDb.drop();
});

/** Feature routes as a plugin registers them: an encapsulated context under /api/v1. */
async function routes(app: PluginHttpApp, options: { audit: AuditLog }): Promise<void> {
  const Ws = Type.Object({ ws: Type.String() });
  app.post(
    '/workspaces/:ws/things',
    { config: { access: { permission: 'thing:edit' } }, schema: { params: Ws } },
    async (_request, reply) => reply.code(201).send({ created: true }),
  );
  app.delete('/workspaces/:ws/things/:id', { config: { access: { permission: 'thing:edit' } } }, async () => {
    throw new Error('disk on fire');
  });
  app.get(
    '/workspaces/:ws/rows',
    { config: { access: { permission: 'dataset:read', audit: 'read' } }, schema: { params: Ws } },
    async () => ({ rows: ['secret-row'] }),
  );
  app.get('/workspaces/:ws/rows.csv', { config: { access: { permission: 'dataset:read', audit: 'read' } } }, () => {
    lastStream = Readable.from(['id\r\n', '1\r\n']);
    return lastStream;
  });
  app.get('/workspaces/:ws/plain', { config: { access: { permission: 'workspace:read' } } }, async () => ({}));
  app.put('/profile', { config: { access: { authenticated: true } } }, async () => ({ saved: true }));
  app.post('/auth/login', { config: { access: { public: true } } }, async (request) => {
    const { user } = request.body as { user: string; password: string };
    await recordAuth(options.audit, request, {
      action: 'auth:login',
      outcome: 'denied',
      details: { userName: user, reason: 'CREDENTIALS_INVALID' },
    });
    throw new AuthenticationError('Wrong user name or password', { code: 'CREDENTIALS_INVALID' });
  });
}

/** A bare app with core's error contract and a stand-in for the access hook (x-user signs in, x-deny refuses). */
async function buildApp(log: AuditLog, metrics?: Registry) {
  const logs: Array<Record<string, unknown>> = [];
  const app = Fastify({
    logger: { level: 'error', stream: { write: (line: string) => logs.push(JSON.parse(line)) } },
    genReqId: (request) => String(request.headers['x-request-id'] ?? 'no-id'),
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  app.addSchema(ErrorBody);
  installErrorHandler(app);
  app.decorateRequest('principal', undefined);
  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config.access;
    if (access === undefined) return;
    const user = request.headers['x-user'];
    if (typeof user === 'string') {
      request.principal = {
        id: `id-${user}`,
        kind: 'user',
        name: user,
        email: undefined,
        platformAdmin: false,
        via: 'token',
      };
    }
    if ('public' in access) return;
    if (request.principal === undefined) throw new AuthenticationError('Sign in', { code: 'AUTHENTICATION_REQUIRED' });
    if (request.headers['x-deny'] !== undefined) throw new NotAllowedError('No', { code: 'PERMISSION_DENIED' });
  });
  installAuditHook(app, log, metrics === undefined ? {} : { metrics });
  await app.register(routes, { prefix: '/api/v1', audit: log });
  await app.ready();
  return { app, logs };
}

let requestCounter = 0;
const call = (
  app: Awaited<ReturnType<typeof buildApp>>['app'],
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  headers: Record<string, string> = { 'x-user': 'ann' },
  payload?: unknown,
) =>
  app.inject({
    method,
    url,
    headers: { 'x-request-id': `r${++requestCounter}`, ...headers },
    payload: payload as never,
  });

describe('audit hook', () => {
  let app: Awaited<ReturnType<typeof buildApp>>['app'];
  let since: string;
  before(async () => {
    ({ app } = await buildApp(audit));
  });
  after(() => app.close());
  beforeEach(async () => {
    since = String((await db('core_audit_log').max({ id: 'id' }))[0]?.id ?? 0);
  });
  /** Entries written since the test started, oldest first. */
  const recorded = async (): Promise<AuditEntry[]> => {
    const all: AuditEntry[] = [];
    for (const workspace of ['alpha', 'beta', null])
      all.push(...(await audit.query(workspace, {}, { limit: 1000 })).items);
    return all.filter((item) => BigInt(item.id) > BigInt(since)).sort((a, b) => Number(BigInt(a.id) - BigInt(b.id)));
  };

  test('a mutating call is recorded before the response, with every field', async () => {
    const response = await call(app, 'POST', '/api/v1/workspaces/alpha/things?dryRun=false', undefined, {});
    assert.equal(response.statusCode, 201);
    const [item, ...rest] = await recorded();
    assert.equal(rest.length, 0);
    assert.deepEqual(
      {
        ...item,
        id: undefined,
        at: undefined,
      },
      {
        id: undefined,
        at: undefined,
        workspace: 'alpha',
        principal: { id: 'id-ann', kind: 'user', name: 'ann' },
        action: 'thing:edit',
        method: 'POST',
        resource: '/api/v1/workspaces/alpha/things',
        outcome: 'success',
        status: 201,
        requestId: `r${requestCounter}`,
        clientAddress: '127.0.0.1',
        details: null,
      },
    );
  });

  test('a GET with audit: read is recorded; a GET without it is not', async () => {
    assert.equal((await call(app, 'GET', '/api/v1/workspaces/alpha/plain')).statusCode, 200);
    assert.equal((await call(app, 'GET', '/api/v1/workspaces/beta/rows?limit=5')).statusCode, 200);
    assert.deepEqual(
      (await recorded()).map((item) => [item.workspace, item.action, item.method, item.resource, item.outcome]),
      [['beta', 'dataset:read', 'GET', '/api/v1/workspaces/beta/rows', 'success']],
    );
  });

  test('401 and 403 are recorded as denied with the error code; 500 as failed; in order with the principal', async () => {
    assert.equal((await call(app, 'POST', '/api/v1/workspaces/alpha/things', {}, {})).statusCode, 401);
    const denied = await call(app, 'POST', '/api/v1/workspaces/alpha/things', { 'x-user': 'bob', 'x-deny': '1' }, {});
    assert.equal(denied.statusCode, 403);
    assert.equal((await call(app, 'DELETE', '/api/v1/workspaces/alpha/things/42', { 'x-user': 'cy' })).statusCode, 500);
    assert.equal(
      (await call(app, 'GET', '/api/v1/workspaces/alpha/rows', { 'x-user': 'dee', 'x-deny': '1' })).statusCode,
      403,
    );
    assert.deepEqual(
      (await recorded()).map((item) => [item.principal?.name ?? null, item.outcome, item.status, item.details]),
      [
        [null, 'denied', 401, { errorCode: 'AUTHENTICATION_REQUIRED' }],
        ['bob', 'denied', 403, { errorCode: 'PERMISSION_DENIED' }],
        ['cy', 'failed', 500, { errorCode: 'INTERNAL_ERROR' }],
        ['dee', 'denied', 403, { errorCode: 'PERMISSION_DENIED' }],
      ],
    );
  });

  test('a call without a workspace or permission is platform-level, named by method and route', async () => {
    assert.equal((await call(app, 'PUT', '/api/v1/profile')).statusCode, 200);
    const [item] = await recorded();
    assert.deepEqual([item?.workspace, item?.action, item?.resource], [null, 'PUT /api/v1/profile', '/api/v1/profile']);
  });

  test('requests no route matched are not recorded', async () => {
    assert.equal((await call(app, 'POST', '/api/v1/workspaces/alpha/nothing-here', undefined, {})).statusCode, 404);
    assert.equal((await call(app, 'DELETE', '/elsewhere')).statusCode, 404);
    assert.deepEqual(await recorded(), []);
  });

  test('recordAuth writes the sign-in event once, with the attempted name and never the password', async () => {
    const response = await call(app, 'POST', '/api/v1/auth/login', {}, { user: 'mallory', password: 'hunter2' });
    assert.equal(response.statusCode, 401);
    const items = await recorded();
    assert.deepEqual(
      items.map((item) => [item.workspace, item.action, item.outcome, item.principal, item.details]),
      [[null, 'auth:login', 'denied', null, { userName: 'mallory', reason: 'CREDENTIALS_INVALID' }]],
    );
    assert.doesNotMatch(JSON.stringify(items), /hunter2/);
  });
});

describe('audit hook when the audit log cannot be written', () => {
  const metrics = new Registry();
  let app: Awaited<ReturnType<typeof buildApp>>['app'];
  let logs: Array<Record<string, unknown>>;
  before(async () => {
    const broken: AuditLog = {
      ...audit,
      record: async () => {
        throw new Error('connection refused');
      },
    };
    ({ app, logs } = await buildApp(broken, metrics));
  });
  after(() => app.close());
  const failures = async () =>
    Object.fromEntries(
      (await metrics.getSingleMetric('assay_audit_write_failures_total')!.get()).values.map((v) => [
        v.labels.kind,
        v.value,
      ]),
    );

  test('a mutation keeps its response (it already happened) but is logged with the request id and counted', async () => {
    const response = await call(
      app,
      'POST',
      '/api/v1/workspaces/alpha/things',
      { 'x-user': 'ann', 'x-request-id': 'm-1' },
      {},
    );
    assert.equal(response.statusCode, 201);
    const line = logs.find((l) => (l.audit as { requestId?: string } | undefined)?.requestId === 'm-1');
    assert.equal(line?.level, 50);
    assert.match(String(line?.msg), /audit entry could not be written: this request is missing/);
    assert.deepEqual(await failures(), { mutation: 1 });
  });

  test('an audited read is withheld: 503 AUDIT_UNAVAILABLE without the data', async () => {
    const response = await call(app, 'GET', '/api/v1/workspaces/alpha/rows', {
      'x-user': 'ann',
      'x-request-id': 'r-1',
    });
    assert.equal(response.statusCode, 503);
    assert.equal(response.json().error.code, 'AUDIT_UNAVAILABLE');
    assert.doesNotMatch(response.body, /secret-row/);
    assert.ok(logs.some((l) => (l.audit as { withheld?: boolean } | undefined)?.withheld === true));
    assert.equal((await failures()).read, 1);
  });

  test('a streamed audited read is withheld and its stream closed', async () => {
    const response = await call(app, 'GET', '/api/v1/workspaces/alpha/rows.csv');
    assert.equal(response.statusCode, 503);
    assert.equal(response.json().error.code, 'AUDIT_UNAVAILABLE');
    assert.equal(lastStream?.destroyed, true);
  });

  test('a refused read stays refused (nothing to withhold)', async () => {
    const response = await call(app, 'GET', '/api/v1/workspaces/alpha/rows', { 'x-user': 'ann', 'x-deny': '1' });
    assert.equal(response.statusCode, 403);
  });

  test('recordAuth fails the sign-in with 503 AUDIT_UNAVAILABLE rather than let it go unrecorded', async () => {
    const response = await call(app, 'POST', '/api/v1/auth/login', {}, { user: 'ann', password: 'pw' });
    assert.equal(response.statusCode, 503);
    assert.equal(response.json().error.code, 'AUDIT_UNAVAILABLE');
  });
});

test('outcomeOf maps statuses', () => {
  assert.deepEqual([200, 201, 204, 302, 400, 401, 403, 404, 409, 500, 503].map(outcomeOf), [
    'success',
    'success',
    'success',
    'success',
    'failed',
    'denied',
    'denied',
    'failed',
    'failed',
    'failed',
    'failed',
  ]);
});

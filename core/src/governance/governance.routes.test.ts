import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { AssayError, type Principal } from '@assay/sdk';
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyError, type FastifyInstance, type InjectOptions } from 'fastify';
import type { Knex } from 'knex';
import { ErrorBody } from '../http/error-body.ts';
import { createDataPolicyService } from './data-policy-service.ts';
import { createGovernanceTestDb, createTableAuthorizer, person } from './governance-test-kit.ts';
import { governanceRoutes } from './governance.routes.ts';

const analyst = person('00000000-0000-4000-8000-0000000000a2', 'ann@example.com');
const admin = person('00000000-0000-4000-8000-0000000000c2', 'ada@example.com');
const principals: Record<string, Principal> = { analyst, admin };

let store: { db: Knex; close(): Promise<void> };
let app: FastifyInstance;
const routes: Array<{ method: string; url: string; access: unknown; schema: Record<string, unknown> | undefined }> = [];

before(async () => {
  store = await createGovernanceTestDb();
  const policies = createDataPolicyService({
    db: store.db,
    authorizer: createTableAuthorizer({ [`demo/${analyst.id}`]: ['analyst'], [`demo/${admin.id}`]: ['admin'] }, [
      { role: 'admin', permission: 'dataset:read-pii' },
    ]),
  });
  const server = Fastify().withTypeProvider<TypeBoxTypeProvider>();
  server.setValidatorCompiler(TypeBoxValidatorCompiler);
  server.addSchema(ErrorBody);
  server.addHook('onRoute', (route) => {
    if (route.method === 'HEAD') return;
    const schema = route.schema as Record<string, unknown> | undefined;
    routes.push({ method: String(route.method), url: route.url, access: route.config?.access, schema });
  });
  // Stand-ins for core's auth layer (the caller comes from a test header) and error handler.
  server.decorateRequest('principal', undefined);
  server.addHook('onRequest', async (request) => {
    request.principal = principals[String(request.headers['x-test-principal'])];
  });
  server.setErrorHandler((error: FastifyError, _request, reply) => {
    if (error instanceof AssayError) return reply.status(error.status).send({ error: error.toJSON() });
    if (error.validation !== undefined) {
      return reply.status(400).send({ error: { code: 'REQUEST_INVALID', message: error.message } });
    }
    return reply.status(500).send({ error: { code: 'INTERNAL_ERROR', message: error.message } });
  });
  await server.register((scope) => governanceRoutes(scope, { policies }), { prefix: '/api/v1' });
  await server.ready();
  app = server;
});
after(async () => {
  await app.close();
  await store.close();
});
beforeEach(async () => {
  await store.db('core_dataset_governance').delete();
  await store.db('core_data_policies').delete();
});

const call = (as: 'analyst' | 'admin', request: InjectOptions) =>
  app.inject({ ...request, url: `/api/v1${request.url as string}`, headers: { 'x-test-principal': as } });
const GOVERNANCE = '/workspaces/demo/datasets/silver/customers/governance';

describe('governance routes', () => {
  test('declare the permission they need, tags, a summary and response schemas', () => {
    const declared = routes.map((r) => [r.method, r.url, r.access]);
    assert.deepEqual(declared, [
      ['GET', '/api/v1/workspaces/:ws/datasets/:layer/:name/governance', { permission: 'dataset:read' }],
      ['PUT', '/api/v1/workspaces/:ws/datasets/:layer/:name/governance', { permission: 'dataset:classify' }],
      ['GET', '/api/v1/workspaces/:ws/datasets/:layer/:name/access', { permission: 'dataset:read' }],
      ['GET', '/api/v1/workspaces/:ws/data-policies', { permission: 'policy:read' }],
      ['POST', '/api/v1/workspaces/:ws/data-policies', { permission: 'policy:manage' }],
      ['DELETE', '/api/v1/workspaces/:ws/data-policies/:id', { permission: 'policy:manage' }],
    ]);
    for (const route of routes) {
      assert.deepEqual(route.schema?.tags, ['governance'], route.url);
      assert.equal(typeof route.schema?.summary, 'string', route.url);
      assert.ok(route.schema?.response, route.url);
    }
  });

  test('PUT then GET governance; the caller is recorded', async () => {
    const body = {
      classification: 'internal',
      tags: ['crm'],
      columns: { email: { classification: 'pii', mask: 'partial' } },
    };
    const put = await call('admin', { method: 'PUT', url: GOVERNANCE, payload: body });
    assert.equal(put.statusCode, 200, put.body);
    assert.equal(put.json().updatedBy, admin.id);
    const get = await call('analyst', { method: 'GET', url: GOVERNANCE });
    assert.equal(get.statusCode, 200);
    assert.deepEqual(get.json(), put.json());
    assert.deepEqual(get.json().columns, { email: { classification: 'pii', mask: 'partial' } });
  });

  test('PUT refuses bad governance with its code', async () => {
    const bad = async (payload: unknown, code: string) => {
      const res = await call('admin', { method: 'PUT', url: GOVERNANCE, payload: payload as object });
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().error.code, code);
    };
    await bad({ classification: 'secret' }, 'REQUEST_INVALID');
    await bad({ columns: { email: { mask: 'shuffle' } } }, 'REQUEST_INVALID');
    await bad({ extra: 1 }, 'REQUEST_INVALID');
    await bad({ columns: { 'e-mail': { classification: 'pii' } } }, 'COLUMN_NAME_INVALID');
    await bad({ owner: 'ann' }, 'GOVERNANCE_INVALID');
    await bad({ tags: ['Not A Tag'] }, 'GOVERNANCE_INVALID');
  });

  test('GET …/access tells the caller what it sees, without policy SQL', async () => {
    await call('admin', { method: 'PUT', url: GOVERNANCE, payload: { columns: { email: { classification: 'pii' } } } });
    await call('admin', {
      method: 'POST',
      url: '/workspaces/demo/data-policies',
      payload: { kind: 'row_filter', dataset: 'silver.*', predicate: `region = 'eu'`, roles: ['analyst'] },
    });
    const mine = await call('analyst', { method: 'GET', url: '/workspaces/demo/datasets/silver/customers/access' });
    assert.equal(mine.statusCode, 200, mine.body);
    assert.deepEqual(mine.json(), {
      dataset: 'silver.customers',
      masked: [{ column: 'email', mask: 'redact', reason: 'pii' }],
      otherColumns: null,
      rowFilter: true,
    });
    assert.doesNotMatch(mine.body, /region/);
    const theirs = await call('admin', { method: 'GET', url: '/workspaces/demo/datasets/silver/customers/access' });
    assert.deepEqual(theirs.json(), { dataset: 'silver.customers', masked: [], otherColumns: null, rowFilter: false });
  });

  test('POST, GET and DELETE data policies', async () => {
    const created = await call('admin', {
      method: 'POST',
      url: '/workspaces/demo/data-policies',
      payload: {
        kind: 'mask',
        dataset: 'silver.customers',
        column: 'phone',
        mask: 'hash',
        roles: ['analyst'],
        description: 'no phones',
      },
    });
    assert.equal(created.statusCode, 201, created.body);
    const policy = created.json();
    assert.equal(policy.createdBy, admin.id);
    const listed = await call('admin', { method: 'GET', url: '/workspaces/demo/data-policies' });
    assert.deepEqual(listed.json(), { items: [policy] });
    const deleted = await call('admin', { method: 'DELETE', url: `/workspaces/demo/data-policies/${policy.id}` });
    assert.equal(deleted.statusCode, 204);
    assert.equal(deleted.body, '');
    const again = await call('admin', { method: 'DELETE', url: `/workspaces/demo/data-policies/${policy.id}` });
    assert.equal(again.statusCode, 404);
    assert.equal(again.json().error.code, 'DATA_POLICY_NOT_FOUND');
  });

  test('POST refuses an unsafe row filter and a malformed policy, storing nothing', async () => {
    const post = (payload: object) => call('admin', { method: 'POST', url: '/workspaces/demo/data-policies', payload });
    const injection = await post({
      kind: 'row_filter',
      dataset: 'silver.customers',
      predicate: `1=1) UNION SELECT * FROM silver.salaries WHERE (1=1`,
      roles: ['analyst'],
    });
    assert.equal(injection.statusCode, 400);
    assert.equal(injection.json().error.code, 'ROW_FILTER_INVALID');
    const noRoles = await post({ kind: 'row_filter', dataset: '*', predicate: 'true', roles: [] });
    assert.equal(noRoles.json().error.code, 'REQUEST_INVALID');
    const unknownRole = await post({ kind: 'row_filter', dataset: '*', predicate: 'true', roles: ['ghost'] });
    assert.equal(unknownRole.json().error.code, 'ROLE_NOT_FOUND');
    const missingColumn = await post({ kind: 'mask', dataset: '*', mask: 'hash', roles: ['analyst'] });
    assert.equal(missingColumn.json().error.code, 'DATA_POLICY_INVALID');
    assert.deepEqual((await call('admin', { method: 'GET', url: '/workspaces/demo/data-policies' })).json(), {
      items: [],
    });
  });
});

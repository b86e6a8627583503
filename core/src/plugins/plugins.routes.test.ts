import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AssayError, defineCheck, defineConnector, defineOperator, definePlugin, Type } from '@assay/sdk';
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { Knex } from 'knex';
import type { Static } from 'typebox';
import { createDatabase } from '../database/database.ts';
import { runMigrations } from '../database/migrations.ts';
import { ErrorBody } from '../http/error-body.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.ts';
import { createContributionRegistry } from './contribution-registry.ts';
import { recordLoaded } from './installed-plugins.ts';
import type { LoadedPlugin } from './plugin-loader.ts';
import { pluginsRoutes } from './plugins.routes.ts';
import type { CheckItem, ConnectorItem, OperatorItem, PluginItem, WorkspacePluginItem } from './plugins.schemas.ts';

let testDb: TestDatabase;
let db: Knex;
let app: FastifyInstance;
const routeSchemas: Array<{ url: string; schema: Record<string, unknown> | undefined }> = [];

const greet = (version: number) =>
  defineOperator({
    type: 'greet',
    version,
    title: `Greet v${version}`,
    category: 'utility',
    config: Type.Object({ name: Type.String({ minLength: 1 }), repeat: Type.Integer({ minimum: 1, maximum: 5 }) }),
    ui: { order: ['name', 'repeat'], help: { repeat: '1 to 5' } },
    inputs: { min: 0, max: 0 },
    output: 'none',
    run: async () => ({}),
  });

const example = definePlugin({
  id: 'example',
  platform: '^0.1.0',
  title: 'Example',
  operators: [greet(2), greet(1)],
  portal: { pages: [{ path: '/greetings', title: 'Greetings', source: '/greetings', layout: 'table' }] },
});
const sources = definePlugin({
  id: 'sources',
  platform: '^0.1.0',
  connectors: [
    defineConnector({
      type: 'ftp',
      version: 1,
      title: 'FTP',
      config: Type.Object({ host: Type.String() }),
      check: async () => ({ ok: true, message: 'ok' }),
      discover: async () => [],
      async *read() {},
    }),
  ],
  checks: [
    defineCheck({
      type: 'positive',
      version: 1,
      title: 'Positive',
      config: Type.Object({ column: Type.String() }),
      compile: () => ({ kind: 'row', predicate: 'true' }),
    }),
  ],
});
const plugins: LoadedPlugin[] = [
  { id: 'sources', version: '0.2.0', source: 'builtin', packageName: '@assay/sources', plugin: sources },
  { id: 'example', version: '1.0.0', source: 'installed', packageName: 'example-plugin', plugin: example },
];

before(async () => {
  testDb = await createTestDatabase();
  db = createDatabase(testDb.url);
  await runMigrations(db);
  await recordLoaded(db, plugins);
  const registry = createContributionRegistry(plugins);
  registry.recordRoute('example', 'GET', '/api/v1/plugins/example/greetings');

  const server = Fastify().withTypeProvider<TypeBoxTypeProvider>();
  server.setValidatorCompiler(TypeBoxValidatorCompiler);
  server.addSchema(ErrorBody);
  server.addHook('onRoute', (route) => {
    if (route.method === 'HEAD') return;
    routeSchemas.push({ url: route.url, schema: route.schema as Record<string, unknown> | undefined });
  });
  // A stand-in for core's error handler: Assay errors keep their status and code, schema violations are 400.
  server.setErrorHandler((error: FastifyError, _request, reply) => {
    if (error instanceof AssayError) return reply.status(error.status).send({ error: error.toJSON() });
    if (error.validation !== undefined) {
      return reply.status(400).send({ error: { code: 'REQUEST_INVALID', message: error.message } });
    }
    return reply.status(500).send({ error: { code: 'INTERNAL_ERROR', message: error.message } });
  });
  await server.register(pluginsRoutes, { prefix: '/api/v1', registry, db });
  await server.ready();
  app = server;
});

after(async () => {
  await app.close();
  await db.destroy();
  await testDb.drop();
});

interface Page<T> {
  items: T[];
  nextCursor?: string;
  error?: { code: string; message: string };
}

async function get<T = Static<typeof PluginItem>>(url: string): Promise<{ status: number; body: Page<T> }> {
  const response = await app.inject({ method: 'GET', url });
  return { status: response.statusCode, body: response.json() };
}

describe('plugin routes', () => {
  it('declare tags, a summary and a 200 response schema on every route', () => {
    const own = routeSchemas.filter((route) => route.url.startsWith('/api/v1/'));
    assert.equal(own.length, 6);
    for (const { url, schema } of own) {
      assert.deepEqual(schema?.tags, ['plugins'], url);
      assert.equal(typeof schema?.summary, 'string', url);
      assert.ok((schema?.response as Record<string, unknown> | undefined)?.[200], `${url} declares its 200 response`);
    }
  });

  it('GET /plugins lists plugins by id with contributions counted and named, and portal pages', async () => {
    const { status, body } = await get('/api/v1/plugins');
    assert.equal(status, 200);
    assert.deepEqual(
      body.items.map((item) => [item.id, item.version, item.source, item.package]),
      [
        ['example', '1.0.0', 'installed', 'example-plugin'],
        ['sources', '0.2.0', 'builtin', '@assay/sources'],
      ],
    );
    const first = body.items[0]!;
    assert.equal(first.title, 'Example');
    assert.equal(first.platform, '^0.1.0');
    assert.deepEqual(first.contributions.operators, { count: 2, names: ['greet@2', 'greet@1'] });
    assert.deepEqual(first.contributions.routes, { count: 1, names: ['GET /api/v1/plugins/example/greetings'] });
    assert.deepEqual(first.portal.pages, [
      { path: '/greetings', title: 'Greetings', source: '/greetings', layout: 'table' },
    ]);
    assert.equal(body.nextCursor, undefined);
  });

  it('GET /operators returns each version with its config schema, ui hints and plugin', async () => {
    const { status, body } = await get<Static<typeof OperatorItem>>('/api/v1/operators');
    assert.equal(status, 200);
    assert.deepEqual(
      body.items.map((item) => `${item.type}@${item.version}`),
      ['greet@1', 'greet@2'],
    );
    const first = body.items[0]!;
    assert.deepEqual(first.plugin, { id: 'example', version: '1.0.0' });
    assert.equal(first.category, 'utility');
    assert.deepEqual(first.inputs, { min: 0, max: 0 });
    assert.deepEqual((first.config.properties as Record<string, unknown>).repeat, {
      type: 'integer',
      minimum: 1,
      maximum: 5,
    });
    assert.deepEqual(first.config.required, ['name', 'repeat']);
    assert.deepEqual(first.ui, { order: ['name', 'repeat'], help: { repeat: '1 to 5' } });
  });

  it('pages with limit and an opaque cursor, and refuses a cursor it did not make', async () => {
    const page1 = await get<Static<typeof OperatorItem>>('/api/v1/operators?limit=1');
    assert.deepEqual(
      page1.body.items.map((item) => item.version),
      [1],
    );
    assert.equal(typeof page1.body.nextCursor, 'string');
    const page2 = await get<Static<typeof OperatorItem>>(`/api/v1/operators?limit=1&cursor=${page1.body.nextCursor}`);
    assert.deepEqual(
      page2.body.items.map((item) => item.version),
      [2],
    );
    assert.equal(page2.body.nextCursor, undefined);
    const bad = await get('/api/v1/operators?cursor=garbage');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error?.code, 'CURSOR_INVALID');
    assert.equal((await get('/api/v1/operators?limit=0')).status, 400);
  });

  it('GET /connectors and /checks list their contributions, filtered by type on request', async () => {
    const connectors = await get<Static<typeof ConnectorItem>>('/api/v1/connectors');
    assert.deepEqual(
      connectors.body.items.map((item) => [item.type, item.plugin.id]),
      [['ftp', 'sources']],
    );
    assert.deepEqual(connectors.body.items[0]?.config.required, ['host']);
    const checks = await get<Static<typeof CheckItem>>('/api/v1/checks?type=positive');
    assert.deepEqual(
      checks.body.items.map((item) => item.title),
      ['Positive'],
    );
    assert.deepEqual((await get('/api/v1/checks?type=other')).body.items, []);
  });

  it('enables and disables a plugin per workspace', async () => {
    type Item = Static<typeof WorkspacePluginItem>;
    const initial = await get<Item>('/api/v1/workspaces/sales/plugins');
    assert.deepEqual(
      initial.body.items.map((item) => [item.id, item.enabled]),
      [
        ['example', true],
        ['sources', true],
      ],
    );
    const put = await app.inject({
      method: 'PUT',
      url: '/api/v1/workspaces/sales/plugins/example',
      payload: { enabled: false },
    });
    assert.equal(put.statusCode, 200);
    assert.deepEqual(put.json(), { id: 'example', workspace: 'sales', enabled: false });
    const changed = await get<Item>('/api/v1/workspaces/sales/plugins');
    assert.deepEqual(
      changed.body.items.map((item) => [item.id, item.enabled]),
      [
        ['example', false],
        ['sources', true],
      ],
    );
    const other = await get<Item>('/api/v1/workspaces/finance/plugins');
    assert.equal(other.body.items[0]?.enabled, true);
  });

  it('answers 404 PLUGIN_NOT_FOUND for a plugin that is not loaded', async () => {
    const response = await app.inject({
      method: 'PUT',
      url: '/api/v1/workspaces/sales/plugins/ghost',
      payload: { enabled: false },
    });
    assert.equal(response.statusCode, 404);
    assert.equal(response.json().error.code, 'PLUGIN_NOT_FOUND');
    assert.match(response.json().error.message, /Plugin "ghost" is not loaded/);
  });

  it('answers 400 for a body or workspace that does not match the schema, changing nothing', async () => {
    const body = await app.inject({
      method: 'PUT',
      url: '/api/v1/workspaces/sales/plugins/sources',
      payload: { enabled: 'no' },
    });
    assert.equal(body.statusCode, 400);
    assert.equal(body.json().error.code, 'REQUEST_INVALID');
    const extra = await app.inject({
      method: 'PUT',
      url: '/api/v1/workspaces/sales/plugins/sources',
      payload: { enabled: false, force: true },
    });
    assert.equal(extra.statusCode, 400);
    const workspace = await app.inject({
      method: 'PUT',
      url: '/api/v1/workspaces/Sales_Team/plugins/sources',
      payload: { enabled: false },
    });
    assert.equal(workspace.statusCode, 400);
    const rows = await db('core_plugin_workspaces').where({ plugin_id: 'sources' });
    assert.equal(rows.length, 0);
  });
});

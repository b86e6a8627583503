import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineCheck, defineConnector, defineOperator, definePlugin, Type, type Plugin } from '@assay/sdk';
import { createContributionRegistry } from './contribution-registry.ts';
import { PluginLoadError } from './plugin-errors.ts';
import type { LoadedPlugin } from './plugin-loader.ts';

const operator = (type: string, version: number) =>
  defineOperator({
    type,
    version,
    title: `${type} v${version}`,
    category: 'silver',
    config: Type.Object({ key: Type.String() }),
    ui: { help: { key: 'The key' } },
    run: async () => ({}),
  });

const connector = defineConnector({
  type: 'ftp',
  version: 1,
  title: 'FTP',
  config: Type.Object({ host: Type.String() }),
  check: async () => ({ ok: true, message: 'ok' }),
  discover: async () => [],
  async *read() {},
});

const check = defineCheck({
  type: 'positive',
  version: 2,
  title: 'Positive',
  description: 'Values above zero',
  config: Type.Object({ column: Type.String() }),
  compile: (ctx, config) => ({ kind: 'row', predicate: `${ctx.quote(config.column)} > 0` }),
});

const migration = { name: '001_tables', up: async () => {} };

function loaded(plugin: Plugin, version = '1.0.0'): LoadedPlugin {
  return { id: plugin.id, version, source: 'installed', packageName: `${plugin.id}-plugin`, plugin };
}

const scd = loaded(
  definePlugin({
    id: 'scd',
    platform: '^0.1.0',
    operators: [operator('scd2', 2), operator('scd2', 10), operator('scd2', 1)],
    migrations: [migration],
    portal: { navigation: [{ title: 'SCD', path: '/scd' }] },
  }),
  '3.0.0',
);
const sources = loaded(definePlugin({ id: 'sources', platform: '^0.1.0', connectors: [connector], checks: [check] }));

describe('createContributionRegistry', () => {
  const registry = createContributionRegistry([scd, sources]);

  it('looks operators up by exact version, or the latest one when the version is omitted', () => {
    assert.equal(registry.operator('scd2')?.version, 10);
    assert.equal(registry.operator('scd2', 2)?.title, 'scd2 v2');
    assert.equal(registry.operator('scd2', 3), undefined);
    assert.equal(registry.operator('nope'), undefined);
  });

  it('keeps entries sorted by type and numeric version, with plugin, schema and ui hints', () => {
    assert.deepEqual(
      registry.operators.map((entry) => entry.version),
      [1, 2, 10],
    );
    const entry = registry.operator('scd2', 1);
    assert.equal(entry?.pluginId, 'scd');
    assert.equal(entry?.pluginVersion, '3.0.0');
    assert.equal(entry?.category, 'silver');
    assert.deepEqual(entry?.config.required, ['key']);
    assert.deepEqual(entry?.ui, { help: { key: 'The key' } });
  });

  it('indexes connectors and checks', () => {
    assert.equal(registry.connector('ftp')?.pluginId, 'sources');
    assert.equal(registry.check('positive')?.description, 'Values above zero');
    assert.equal(registry.check('positive', 1), undefined);
  });

  it("hands each plugin's migrations to runMigrations with the plugin id as owner", () => {
    assert.deepEqual(
      registry.migrations.map((set) => ({ owner: set.owner, names: set.migrations.map((m) => m.name) })),
      [{ owner: 'scd', names: ['001_tables'] }],
    );
  });

  it('lists portal contributions and plugins by id', () => {
    assert.deepEqual(registry.portal, [{ pluginId: 'scd', portal: { navigation: [{ title: 'SCD', path: '/scd' }] } }]);
    assert.equal(registry.plugin('sources'), sources);
    assert.equal(registry.plugin('missing'), undefined);
  });

  it('records routes (without the HEAD twin of a GET) and subscriptions per plugin', () => {
    const fresh = createContributionRegistry([scd, sources]);
    fresh.recordRoute('scd', 'get', '/api/v1/plugins/scd/history');
    fresh.recordRoute('scd', 'HEAD', '/api/v1/plugins/scd/history');
    fresh.recordRoute('sources', 'POST', '/api/v1/plugins/sources/test');
    fresh.recordSubscription('scd', 'run.finished', 'refresh');
    assert.deepEqual(fresh.routes('scd'), [{ pluginId: 'scd', method: 'GET', url: '/api/v1/plugins/scd/history' }]);
    assert.equal(fresh.routes().length, 2);
    assert.deepEqual(fresh.contributions('scd'), {
      operators: ['scd2@2', 'scd2@10', 'scd2@1'],
      connectors: [],
      checks: [],
      migrations: ['001_tables'],
      portalPages: [],
      routes: ['GET /api/v1/plugins/scd/history'],
      subscriptions: ['run.finished (refresh)'],
    });
    assert.throws(() => fresh.recordRoute('ghost', 'GET', '/x'), /No plugin "ghost" is loaded/);
  });

  it('refuses plugins whose contributions conflict', () => {
    const copy = loaded(definePlugin({ id: 'scd-copy', platform: '^0.1.0', operators: [operator('scd2', 2)] }));
    assert.throws(
      () => createContributionRegistry([scd, copy]),
      (error: unknown) => error instanceof PluginLoadError && error.code === 'PLUGIN_CONTRIBUTION_CONFLICT',
    );
  });
});

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { createTestDatabase, type TestDatabase } from '@assay/core/test-database';
import { runAssay, runAssayToEnd, tempHome } from './support/assay-process.ts';
import { ADMIN_ENV, signIn } from './support/sign-in.ts';

const fixtures = join(import.meta.dirname, 'fixtures');

interface PluginItem {
  id: string;
  version: string;
  source: string;
}
interface OperatorItem {
  type: string;
  version: number;
  plugin: { id: string; version: string };
  config: { properties: Record<string, unknown>; required?: string[] };
  ui?: unknown;
}

describe('a third-party plugin packed with npm pack and installed with assay plugin add', () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  let tarball: string;

  before(async () => {
    database = await createTestDatabase();
    const home = await tempHome();
    env = { DATABASE_URL: database.url, ASSAY_HOME: home, PORT: '0', LOG_LEVEL: 'warn' };
    const packed = await promisify(execFile)(
      'npm',
      ['pack', join(fixtures, 'example-plugin'), '--pack-destination', home, '--json'],
      { cwd: home },
    );
    const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
    tarball = join(home, filename);
    assert.equal(filename, 'example-plugin-1.0.0.tgz');
  });
  after(() => database.drop());

  test('installs, and after a restart appears in /api/v1/plugins and /api/v1/operators with its schema', async () => {
    const added = await runAssayToEnd(['plugin', 'add', tarball], env, env.ASSAY_HOME);
    assert.equal(added.code, 0, added.stderr.join('\n'));
    assert.match(added.stdout.join('\n'), /example-plugin@1\.0\.0/);

    const listed = await runAssayToEnd(['plugin', 'list', '--json'], env, env.ASSAY_HOME);
    assert.equal(listed.code, 0, listed.stderr.join('\n'));
    const plugins = JSON.parse(listed.stdout.join('\n')) as PluginItem[];
    assert.ok(plugins.some((p) => p.id === 'example' && p.version === '1.0.0'));

    const server = runAssay(['serve'], { ...env, ...ADMIN_ENV, LOG_LEVEL: 'info' }, env.ASSAY_HOME);
    try {
      const { address } = (await server.waitForLog((line) => line.msg === 'Assay is listening')) as { address: string };
      const admin = await signIn(address);
      const pluginItems = ((await (await admin.fetch('/api/v1/plugins')).json()) as { items: PluginItem[] }).items;
      const example = pluginItems.find((p) => p.id === 'example');
      assert.deepEqual([example?.version, example?.source], ['1.0.0', 'installed']);

      const operators = ((await (await admin.fetch('/api/v1/operators')).json()) as { items: OperatorItem[] }).items;
      const greet = operators.find((o) => o.type === 'greet');
      assert.ok(greet, 'the plugin operator is listed');
      assert.deepEqual(greet.plugin, { id: 'example', version: '1.0.0' });
      assert.equal(greet.version, 1);
      assert.deepEqual(Object.keys(greet.config.properties).sort(), ['name', 'repeat', 'style']);
      assert.deepEqual(greet.config.required?.includes('name'), true);
      assert.ok(greet.ui, 'ui hints are served beside the schema');
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  test('a plugin requiring another platform version is refused at boot, naming the plugin and both versions', async () => {
    const result = await runAssayToEnd(
      ['serve'],
      { ...env, ASSAY_PLUGINS: join(fixtures, 'example-plugin-incompatible') },
      env.ASSAY_HOME,
    );
    assert.equal(result.code, 1);
    assert.equal(result.stderr.length, 1, result.stderr.join('\n'));
    assert.match(result.stderr[0]!, /"example-incompatible"/);
    assert.match(result.stderr[0]!, /\^99\.0\.0/);
    assert.match(result.stderr[0]!, /0\.1\.0/);
    assert.match(result.stderr[0]!, /\[PLUGIN_INCOMPATIBLE\]$/);
  });

  test('a second plugin with the same id is refused at boot, naming both packages', async () => {
    const result = await runAssayToEnd(
      ['serve'],
      { ...env, ASSAY_PLUGINS: join(fixtures, 'example-plugin-duplicate') },
      env.ASSAY_HOME,
    );
    assert.equal(result.code, 1);
    assert.equal(result.stderr.length, 1, result.stderr.join('\n'));
    assert.match(result.stderr[0]!, /"example"/);
    assert.match(result.stderr[0]!, /example-plugin/);
    assert.match(result.stderr[0]!, /example-plugin-duplicate/);
    assert.match(result.stderr[0]!, /\[PLUGIN_DUPLICATE_ID\]$/);
  });
});

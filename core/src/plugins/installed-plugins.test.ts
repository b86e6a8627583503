import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defineOperator, definePlugin, Type } from '@assay/sdk';
import type { Knex } from 'knex';
import { createDatabase } from '../database/database.ts';
import { runMigrations } from '../database/migrations.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.ts';
import { isEnabled, list, recordLoaded, setEnabled, workspaceSettings } from './installed-plugins.ts';
import type { LoadedPlugin } from './plugin-loader.ts';

let testDb: TestDatabase;
let db: Knex;

const greet = defineOperator({
  type: 'greet',
  version: 1,
  title: 'Greet',
  category: 'utility',
  config: Type.Object({}),
  run: async () => ({}),
});

function loaded(id: string, version: string, operators = [greet]): LoadedPlugin {
  const plugin = definePlugin({ id, platform: '^0.1.0', operators });
  return { id, version, source: 'installed', packageName: `${id}-plugin`, plugin };
}

before(async () => {
  testDb = await createTestDatabase();
  db = createDatabase(testDb.url);
  await runMigrations(db);
});

after(async () => {
  await db.destroy();
  await testDb.drop();
});

describe('installed plugins', () => {
  it('records loaded plugins with their version, source, package and contributions', async () => {
    await recordLoaded(db, [
      loaded('example', '1.0.0'),
      { ...loaded('inline-one', '0.0.0-inline', []), source: 'inline' },
    ]);
    const records = await list(db);
    assert.deepEqual(
      records.map(({ id, version, source, packageName }) => ({ id, version, source, packageName })),
      [
        { id: 'example', version: '1.0.0', source: 'installed', packageName: 'example-plugin' },
        { id: 'inline-one', version: '0.0.0-inline', source: 'inline', packageName: 'inline-one-plugin' },
      ],
    );
    assert.deepEqual(records[0]?.contributions.operators, ['greet@1']);
    assert.ok(records[0]?.installedAt instanceof Date);
  });

  it('updates the version on the next boot and keeps the install time', async () => {
    const [first] = await list(db);
    await recordLoaded(db, [loaded('example', '1.1.0', [])]);
    const [second] = await list(db);
    assert.equal(second?.version, '1.1.0');
    assert.deepEqual(second?.contributions.operators, []);
    assert.equal(second?.installedAt.getTime(), first?.installedAt.getTime());
    assert.ok(second!.updatedAt.getTime() >= first!.updatedAt.getTime());
  });

  it('enables plugins by default and remembers a per-workspace choice', async () => {
    assert.equal(await isEnabled(db, 'example', 'sales'), true);
    await setEnabled(db, 'example', 'sales', false);
    assert.equal(await isEnabled(db, 'example', 'sales'), false);
    assert.equal(await isEnabled(db, 'example', 'finance'), true, 'another workspace is not affected');
    await setEnabled(db, 'example', 'sales', true);
    assert.equal(await isEnabled(db, 'example', 'sales'), true);
    await setEnabled(db, 'inline-one', 'sales', false);
    assert.deepEqual([...(await workspaceSettings(db, 'sales'))].sort(), [
      ['example', true],
      ['inline-one', false],
    ]);
  });

  it('refuses an unknown plugin with PLUGIN_NOT_FOUND and writes nothing', async () => {
    await assert.rejects(setEnabled(db, 'ghost', 'sales', false), { code: 'PLUGIN_NOT_FOUND', status: 404 });
    const rows = await db('core_plugin_workspaces').where({ plugin_id: 'ghost' });
    assert.equal(rows.length, 0);
  });

  it('refuses a workspace that is not a kebab-case slug', async () => {
    await assert.rejects(setEnabled(db, 'example', 'Sales Team', false), {
      code: 'WORKSPACE_INVALID',
      message: /Workspace "Sales Team" is not a valid workspace slug/,
    });
    await assert.rejects(isEnabled(db, 'example', '-x'), { code: 'WORKSPACE_INVALID' });
  });
});

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Knex } from 'knex';
import { createDatabase } from '../database/database.ts';
import { runMigrations } from '../database/migrations.ts';
import { isEnabled } from '../plugins/installed-plugins.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.ts';
import { WorkspaceStore } from '../workspaces/workspace-store.ts';
import { runPluginCommand, type PluginCommandContext } from './plugin.command.ts';

const fixtures = fileURLToPath(new URL('../../../tests/fixtures/', import.meta.url));
let root: string;
let archive: string;
let testDb: TestDatabase;
let db: Knex;

function context(overrides: Partial<PluginCommandContext> = {}): PluginCommandContext & { lines: string[] } {
  const lines: string[] = [];
  return {
    appRoot: join(root, 'app'),
    installDir: join(root, 'home', 'plugins'),
    specs: [],
    platformVersion: '0.1.0',
    // The command closes what it opens; the shared test pool must survive, so closing it is a no-op here.
    openDatabase: async () => ({ db, close: async () => {} }),
    json: false,
    out: (line) => lines.push(line),
    lines,
    ...overrides,
  };
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'assay-plugin-cli-'));
  const { stdout } = await promisify(execFile)(
    'npm',
    ['pack', join(fixtures, 'example-plugin'), '--pack-destination', root, '--json'],
    { cwd: root },
  );
  archive = join(root, (JSON.parse(stdout) as Array<{ filename: string }>)[0]!.filename);
  testDb = await createTestDatabase();
  db = createDatabase(testDb.url);
  await runMigrations(db);
  await new WorkspaceStore(db).create({ slug: 'sales' });
});

after(async () => {
  await db.destroy();
  await testDb.drop();
  await rm(root, { recursive: true, force: true });
});

describe('assay plugin', () => {
  it('list --json prints the loaded plugins with their contributions', async () => {
    const ctx = context({ specs: [join(fixtures, 'example-plugin')] });
    await runPluginCommand(['list', '--json'], ctx);
    assert.equal(ctx.lines.length, 1);
    assert.deepEqual(JSON.parse(ctx.lines[0]!), [
      {
        id: 'example',
        version: '1.0.0',
        source: 'installed',
        package: 'example-plugin',
        contributions: { operators: ['greet@1'], connectors: [], checks: [], migrations: [], portalPages: [] },
      },
    ]);
  });

  it('list prints a table, or says that nothing is loaded', async () => {
    const ctx = context({ specs: [join(fixtures, 'example-plugin')] });
    await runPluginCommand(['list'], ctx);
    assert.match(ctx.lines[0]!, /^ID\s+VERSION\s+SOURCE\s+PACKAGE\s+CONTRIBUTES$/);
    assert.match(ctx.lines[1]!, /^example\s+1\.0\.0\s+installed\s+example-plugin\s+operators: greet@1$/);
    const empty = context();
    await runPluginCommand(['list'], empty);
    assert.deepEqual(empty.lines, ['No plugins are loaded. Add one with "assay plugin add <npm-spec>".']);
  });

  it('add installs an archive for the next start, and remove uninstalls it by plugin id', async () => {
    const add = context();
    await runPluginCommand(['add', archive], add);
    assert.deepEqual(add.lines, ['Installed example-plugin@1.0.0; restart Assay to load it']);
    const list = context();
    await runPluginCommand(['list', '--json'], list);
    assert.deepEqual(
      (JSON.parse(list.lines[0]!) as Array<{ id: string }>).map((plugin) => plugin.id),
      ['example'],
    );
    const remove = context({ json: true });
    await runPluginCommand(['remove', 'example'], remove);
    assert.deepEqual(JSON.parse(remove.lines[0]!), { name: 'example-plugin', version: '1.0.0' });
    await assert.rejects(runPluginCommand(['remove', 'example'], context()), { code: 'PLUGIN_NOT_FOUND' });
  });

  it('disable and enable switch a plugin per workspace in the database', async () => {
    const specs = [join(fixtures, 'example-plugin')];
    const disable = context({ specs });
    await runPluginCommand(['disable', 'example', '--workspace', 'sales'], disable);
    assert.deepEqual(disable.lines, ['Disabled plugin "example" in workspace "sales"']);
    assert.equal(await isEnabled(db, 'example', 'sales'), false);
    const enable = context({ specs });
    await runPluginCommand(['enable', 'example', '-w', 'sales', '--json'], enable);
    assert.deepEqual(JSON.parse(enable.lines[0]!), { id: 'example', workspace: 'sales', enabled: true });
    assert.equal(await isEnabled(db, 'example', 'sales'), true);
  });

  it('refuses a workspace that does not exist and records nothing for it', async () => {
    const ctx = context({ specs: [join(fixtures, 'example-plugin')] });
    await assert.rejects(runPluginCommand(['disable', 'example', '--workspace', 'slaes'], ctx), {
      code: 'WORKSPACE_NOT_FOUND',
      message: /^Workspace "slaes" does not exist; the workspaces are sales\. .*"assay workspace create slaes"$/,
    });
    assert.deepEqual(await db('core_plugin_workspaces').where({ workspace: 'slaes' }), []);
    assert.deepEqual(ctx.lines, []);
  });

  it('refuses an unknown plugin, a bad workspace and a missing --workspace before touching the database', async () => {
    let opened = false;
    const ctx = context({
      openDatabase: async () => {
        opened = true;
        return { db, close: async () => {} };
      },
    });
    await assert.rejects(runPluginCommand(['enable', 'ghost', '--workspace', 'sales'], ctx), {
      code: 'PLUGIN_NOT_FOUND',
      message: /Plugin "ghost" is not loaded by this installation \(loaded: none\)/,
    });
    await assert.rejects(runPluginCommand(['enable', 'example', '--workspace', 'Sales'], ctx), {
      code: 'WORKSPACE_INVALID',
    });
    await assert.rejects(runPluginCommand(['disable', 'example'], ctx), {
      code: 'USAGE_INVALID',
      message: /"disable" needs --workspace <ws>/,
    });
    assert.equal(opened, false);
  });

  it('says to migrate first when the database has no plugin tables', async () => {
    const empty = await createTestDatabase();
    const emptyDb = createDatabase(empty.url);
    try {
      const ctx = context({
        specs: [join(fixtures, 'example-plugin')],
        openDatabase: async () => ({ db: emptyDb, close: async () => {} }),
      });
      await assert.rejects(runPluginCommand(['disable', 'example', '--workspace', 'sales'], ctx), {
        code: 'DATABASE_NOT_MIGRATED',
        message: /run "assay migrate"/,
      });
    } finally {
      await emptyDb.destroy();
      await empty.drop();
    }
  });

  it('refuses unknown subcommands and arguments with usage', async () => {
    await assert.rejects(runPluginCommand(['upgrade'], context()), {
      code: 'USAGE_INVALID',
      message: /unknown subcommand "upgrade"/,
    });
    await assert.rejects(runPluginCommand([], context()), {
      code: 'USAGE_INVALID',
      message: /missing subcommand.*Usage: assay plugin list/,
    });
    await assert.rejects(runPluginCommand(['add'], context()), {
      code: 'USAGE_INVALID',
      message: /"add" needs <npm-spec/,
    });
    await assert.rejects(runPluginCommand(['list', '--frobnicate'], context()), {
      code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION',
    });
  });
});

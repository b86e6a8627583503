import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Knex } from 'knex';
import { loadConfig } from '../config/load-config.ts';
import { createDatabase } from '../database/database.ts';
import { runMigrations } from '../database/migrations.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.ts';
import { workspaceCommand, type WorkspaceCommandContext } from './workspace.command.ts';

let database: TestDatabase;
let db: Knex;
let home: string;
let lines: string[] = [];

before(async () => {
  database = await createTestDatabase();
  db = createDatabase(database.url);
  home = await mkdtemp(join(tmpdir(), 'assay-workspace-cli-'));
});
after(async () => {
  await db.destroy();
  await database.drop();
  await rm(home, { recursive: true, force: true });
});

function context(): WorkspaceCommandContext {
  lines = [];
  return {
    config: () =>
      loadConfig({ env: {}, cwd: home, overrides: { home, databaseUrl: database.url, logLevel: 'silent' } }),
    out: (line) => lines.push(line),
  };
}

describe('assay workspace', () => {
  test('on an unmigrated database it says to migrate first', async () => {
    await assert.rejects(workspaceCommand(['list'], context()), {
      code: 'DATABASE_NOT_MIGRATED',
      message: /run "assay migrate"/,
    });
  });

  test('create makes a workspace with no members; list shows it', async () => {
    await runMigrations(db);
    assert.equal(await workspaceCommand(['list'], context()), 0);
    assert.deepEqual(lines, ['No workspaces yet. Create one with "assay workspace create <slug>".']);

    assert.equal(await workspaceCommand(['create', 'sales', '--name', 'Sales', '--description', 'EU'], context()), 0);
    assert.deepEqual(lines, ['workspace sales created']);
    assert.equal(await workspaceCommand(['create', 'ops', '--json'], context()), 0);
    const created = JSON.parse(lines[0]!) as { slug: string; name: string; status: string };
    assert.deepEqual([created.slug, created.name, created.status], ['ops', 'ops', 'active']);

    const rows = await db('core_workspaces').orderBy('slug').select('slug', 'name', 'description');
    assert.deepEqual(rows, [
      { slug: 'ops', name: 'ops', description: '' },
      { slug: 'sales', name: 'Sales', description: 'EU' },
    ]);
    // No caller in the CLI: nobody becomes a member (the API makes its caller the admin).
    assert.deepEqual(
      await db('core_casbin_rules').where({ ptype: 'g' }).whereIn('v2', ['ops', 'sales']).select('v0'),
      [],
    );

    assert.equal(await workspaceCommand(['list', '--json'], context()), 0);
    assert.deepEqual(
      (JSON.parse(lines[0]!) as Array<{ slug: string }>).map((w) => w.slug),
      ['ops', 'sales'],
    );
    assert.equal(await workspaceCommand(['list'], context()), 0);
    assert.match(lines[0]!, /^slug\s+name\s+status\s+created$/);
    assert.match(lines[2]!, /^ops\s+ops\s+active\s+\d{4}-/);
    assert.equal(lines.at(-1), '(2 rows)');
  });

  test('bad input: an existing or invalid slug, a missing slug, extra arguments; nothing is created', async () => {
    await assert.rejects(workspaceCommand(['create', 'sales'], context()), { code: 'WORKSPACE_EXISTS' });
    await assert.rejects(workspaceCommand(['create', 'Sales_EU'], context()), {
      code: 'WORKSPACE_SLUG_INVALID',
      message: /must be kebab-case/,
    });
    await assert.rejects(workspaceCommand(['create'], context()), { code: 'USAGE' });
    await assert.rejects(workspaceCommand(['create', 'a', 'b'], context()), { code: 'USAGE' });
    await assert.rejects(workspaceCommand(['list', 'sales'], context()), { code: 'USAGE' });
    await assert.rejects(workspaceCommand(['remove', 'sales'], context()), { code: 'USAGE' });
    await assert.rejects(workspaceCommand([], context()), /Usage: assay workspace/);
    assert.deepEqual(
      (await db('core_workspaces').orderBy('slug').select('slug')).map((row: { slug: string }) => row.slug),
      ['ops', 'sales'],
    );
  });
});

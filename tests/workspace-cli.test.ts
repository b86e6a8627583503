// Workspaces from the shell: `assay workspace create|list`, and every command that takes --workspace refusing one
// that does not exist with the API's WORKSPACE_NOT_FOUND, before it writes anything.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '@assay/core/test-database';
import knex from 'knex';
import { runAssayToEnd, tempHome } from './support/assay-process.ts';

let database: TestDatabase;
let dir: string;
let env: Record<string, string>;

const PROJECT = `apiVersion: assay.dev/v1
kind: Connection
metadata: { name: drop }
spec:
  type: file
  config: { source: server, root: DATA }
---
apiVersion: assay.dev/v1
kind: Pipeline
metadata: { name: orders }
spec:
  jobs:
    - id: orders
      operator: ingest
      connection: drop
      config: { stream: orders, streamConfig: { glob: '*.csv' } }
      output: bronze.orders
`;

before(async () => {
  database = await createTestDatabase();
  dir = await tempHome('assay-workspace-cli-');
  const data = join(dir, 'data');
  await mkdir(data);
  await writeFile(join(data, 'orders.csv'), 'id,amount\n1,10\n');
  await mkdir(join(dir, 'project'));
  await writeFile(join(dir, 'project', 'orders.yaml'), PROJECT.replace('DATA', JSON.stringify(data)));
  await writeFile(join(dir, 'assay.yaml'), `pluginConfig:\n  connector-file: { allowedRoots: ["${data}"] }\n`);
  env = { DATABASE_URL: database.url, ASSAY_HOME: join(dir, 'home'), ASSAY_CONFIG: join(dir, 'assay.yaml') };
  const migrated = await cli(['migrate']);
  assert.equal(migrated.code, 0, migrated.stderr.join('\n'));
});
after(async () => {
  await database?.drop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

function cli(args: string[]) {
  return runAssayToEnd(args, env, dir);
}

/** Rows of every table with a `workspace` column that belong to `workspace`, as `table: count`. */
async function rowsOf(workspace: string): Promise<Record<string, number>> {
  const db = knex({ client: 'pg', connection: database.url });
  try {
    const tables = (await db('information_schema.columns')
      .where({ table_schema: 'public', column_name: 'workspace' })
      .pluck('table_name')) as string[];
    const counts: Record<string, number> = {};
    for (const table of tables.sort()) {
      const [row] = await db(table).where({ workspace }).count<{ count: string }[]>('* as count');
      if (Number(row?.count) > 0) counts[table] = Number(row?.count);
    }
    return counts;
  } finally {
    await db.destroy();
  }
}

test('without a server start there is no default workspace: the CLI says so and how to make one', async () => {
  const applied = await cli(['apply', '-f', join(dir, 'project'), '--yes']);
  assert.equal(applied.code, 1, applied.stdout.join('\n'));
  assert.deepEqual(applied.stdout, []);
  assert.deepEqual(applied.stderr, [
    'assay: Workspace "default" does not exist (a server creates it with the first admin at its first start); ' +
      'there are no workspaces yet. Name one with --workspace, or create it with "assay workspace create default" ' +
      '[WORKSPACE_NOT_FOUND]',
  ]);
  assert.deepEqual(await rowsOf('default'), {});
});

test('workspace create and list', async () => {
  const created = await cli(['workspace', 'create', 'shop', '--name', 'Shop']);
  assert.equal(created.code, 0, created.stderr.join('\n'));
  assert.deepEqual(created.stdout, ['workspace shop created']);
  const again = await cli(['workspace', 'create', 'shop']);
  assert.equal(again.code, 1);
  assert.deepEqual(again.stderr, ['assay: Workspace "shop" exists already [WORKSPACE_EXISTS]']);
  const listed = await cli(['workspace', 'list', '--json']);
  assert.equal(listed.code, 0, listed.stderr.join('\n'));
  const items = JSON.parse(listed.stdout.join('')) as Array<{ slug: string; name: string; status: string }>;
  assert.deepEqual(
    items.map((w) => [w.slug, w.name, w.status]),
    [['shop', 'Shop', 'active']],
  );
});

test('every command refuses an unknown workspace with exit 1 and WORKSPACE_NOT_FOUND, and writes nothing', async () => {
  const project = join(dir, 'project');
  const commands = [
    ['apply', '-f', project, '--yes'],
    ['connection', 'add', 'drop', '--type', 'file', '--config-json', '{"source":"server","root":"/tmp"}'],
    ['connection', 'list'],
    ['ingest', 'drop', 'orders', '--to', 'bronze.orders', '--stream-config', '{"glob":"*.csv"}'],
    ['export'],
    ['pipeline', 'list'],
    ['run', 'orders', '--watch'],
    ['run', 'orders'],
    ['runs', 'list'],
    ['table', 'read', 'bronze.orders'],
    ['plugin', 'disable', 'connector-file'],
  ];
  const refusal =
    'assay: Workspace "shp" does not exist; the workspaces are shop. Name one with --workspace, or create it with ' +
    '"assay workspace create shp" [WORKSPACE_NOT_FOUND]';
  for (const args of commands) {
    const result = await cli([...args, '--workspace', 'shp']);
    assert.equal(result.code, 1, `${args.join(' ')}: ${result.stdout.join('\n')}`);
    assert.deepEqual(result.stderr, [refusal], args.join(' '));
    assert.deepEqual(result.stdout, [], args.join(' '));
  }
  assert.deepEqual(await rowsOf('shp'), {}, 'no connection, pipeline, run, load or secret of "shp"');
  assert.equal(existsSync(join(dir, 'home', 'lake', 'shp')), false, 'no lake files of "shp"');

  // The same commands work in the workspace that exists.
  const applied = await cli(['apply', '-f', project, '--yes', '--workspace', 'shop']);
  assert.equal(applied.code, 0, applied.stderr.join('\n'));
  assert.equal(applied.stdout.at(-1), 'Applied to workspace shop: 2 to create.');
  const run = await cli(['run', 'orders', '--watch', '--workspace', 'shop']);
  assert.equal(run.code, 0, `${run.stdout.join('\n')}\n${run.stderr.join('\n')}`);
  const read = await cli(['table', 'read', 'bronze.orders', '--workspace', 'shop', '--json']);
  assert.equal(read.code, 0, read.stderr.join('\n'));
  assert.equal(read.stdout.length, 1);
  const written = await rowsOf('shop');
  for (const table of ['core_connections', 'core_pipelines', 'core_pipeline_runs', 'core_ingest_loads']) {
    assert.ok((written[table] ?? 0) > 0, `${table} has rows of "shop": ${JSON.stringify(written)}`);
  }
});

test('an archived workspace can be read but not changed from the CLI: WORKSPACE_ARCHIVED, as the API says', async () => {
  const db = knex({ client: 'pg', connection: database.url });
  const archive = (status: 'archived' | 'active') =>
    db('core_workspaces')
      .where({ slug: 'shop' })
      .update({ status, archived_at: status === 'archived' ? db.fn.now() : null });
  try {
    await archive('archived');
    const before = await rowsOf('shop');
    const refusal =
      'assay: Workspace "shop" is archived, so nothing in it can change: un-archive it first ' +
      '(PATCH /api/v1/workspaces/shop with {"status":"active"}) [WORKSPACE_ARCHIVED]';
    for (const args of [
      ['apply', '-f', join(dir, 'project'), '--yes'],
      ['run', 'orders', '--watch'],
      ['ingest', 'drop', 'orders', '--to', 'bronze.orders', '--stream-config', '{"glob":"*.csv"}'],
      ['connection', 'remove', 'drop'],
      ['plugin', 'disable', 'connector-file'],
    ]) {
      const result = await cli([...args, '--workspace', 'shop']);
      assert.equal(result.code, 1, `${args.join(' ')}: ${result.stdout.join('\n')}`);
      assert.deepEqual(result.stderr, [refusal], args.join(' '));
    }
    assert.deepEqual(await rowsOf('shop'), before, 'nothing changed');
    for (const args of [['pipeline', 'list'], ['runs', 'list'], ['connection', 'list'], ['export']]) {
      const result = await cli([...args, '--workspace', 'shop']);
      assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr.join('\n')}`);
    }
  } finally {
    await archive('active');
    await db.destroy();
  }
});

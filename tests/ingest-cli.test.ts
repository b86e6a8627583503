import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '@assay/core/test-database';
import { runAssayToEnd } from './support/assay-process.ts';

let database: TestDatabase;
let dir: string;
let env: Record<string, string>;

before(async () => {
  database = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), 'assay-ingest-cli-'));
  await mkdir(join(dir, 'data'));
  await writeFile(join(dir, 'data', 'orders.csv'), 'id,amount\n1,10.5\n2,oops\n3,7\n');
  await writeFile(
    join(dir, 'assay.yaml'),
    `pluginConfig:\n  connector-file: { allowedRoots: ["${join(dir, 'data')}"] }\n`,
  );
  env = { DATABASE_URL: database.url, ASSAY_HOME: join(dir, 'home'), ASSAY_CONFIG: join(dir, 'assay.yaml') };
  // The commands below use the CLI's default workspace, which a server makes with its first admin: this test
  // never starts one, so it makes the workspace from the shell.
  for (const args of [['migrate'], ['workspace', 'create', 'default']]) {
    const result = await runAssayToEnd(args, env);
    assert.equal(result.code, 0, result.stderr.join('\n'));
  }
});
after(async () => {
  await database?.drop();
  await rm(dir, { recursive: true, force: true });
});

test('assay connection and assay ingest: a CSV into Bronze from the shell, with its bad row set aside', async () => {
  const added = await runAssayToEnd(
    [
      'connection',
      'add',
      'drop',
      '--type',
      'file',
      '--config-json',
      JSON.stringify({ source: 'server', root: join(dir, 'data') }),
    ],
    env,
  );
  assert.equal(added.code, 0, added.stderr.join('\n'));
  assert.deepEqual(added.stdout, ['connection drop (file v1) created']);

  const tested = await runAssayToEnd(['connection', 'test', 'drop'], env);
  assert.equal(tested.code, 0, tested.stderr.join('\n'));

  const options = {
    schema: {
      mode: 'declared',
      columns: [
        { name: 'id', type: 'INTEGER' },
        { name: 'amount', type: 'DOUBLE' },
      ],
    },
  };
  const loaded = await runAssayToEnd(
    [
      'ingest',
      'drop',
      'orders',
      '--to',
      'bronze.orders',
      '--stream-config',
      '{"glob":"*.csv"}',
      '--options',
      JSON.stringify(options),
      '--json',
    ],
    env,
  );
  assert.equal(loaded.code, 0, loaded.stderr.join('\n'));
  const record = JSON.parse(loaded.stdout.join('')) as { status: string; rowsWritten: number; rowsQuarantined: number };
  assert.deepEqual([record.status, record.rowsWritten, record.rowsQuarantined], ['succeeded', 2, 1]);

  const missing = await runAssayToEnd(['ingest', 'nope', 'orders', '--to', 'bronze.orders'], env);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr.join('\n'), /\[CONNECTION_NOT_FOUND\]/);

  const usage = await runAssayToEnd(['ingest', 'drop'], env);
  assert.notEqual(usage.code, 0);
  assert.match(usage.stderr.join('\n'), /\[USAGE\]/);
});

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import knex, { type Knex } from 'knex';
import { loadConfig } from '../config/load-config.ts';
import { literal } from '../engine/dataset-view.ts';
import { openSession } from '../engine/engine-session.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.ts';
import { stagedFilesIn } from './delta-write/staged-files.ts';
import { createLakeService, type LakeTable } from './lake-service.ts';
import { startS3TestServer, type S3TestServer } from './storage/conditional-write-shim.ts';

let home: string;
let database: TestDatabase;
let db: Knex;
let server: S3TestServer;
let connection: DuckDBConnection;

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'assay-lake-service-'));
  await mkdir(join(home, 'staging'));
  database = await createTestDatabase();
  db = knex({ client: 'pg', connection: database.url });
  server = await startS3TestServer();
  connection = await (await DuckDBInstance.create(':memory:')).connect();
  // The lake service reads S3 credentials the way production does: from the environment.
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
});
after(async () => {
  await db.destroy();
  await database.drop();
  await server.stop();
  await rm(home, { recursive: true, force: true });
});

async function rowsOf(table: LakeTable): Promise<Array<{ id: number; status: string }>> {
  const session = await openSession({
    views: [await table.view(await table.snapshot())],
    memoryLimit: '256MB',
    threads: 1,
    scratchDirectory: join(home, `scratch-${Math.random().toString(36).slice(2)}`),
  });
  try {
    const rows: Array<{ id: number; status: string }> = [];
    for await (const chunk of session.stream(`SELECT id, status FROM ${table.name} ORDER BY id`)) {
      rows.push(...(chunk as Array<{ id: number; status: string }>));
    }
    return rows;
  } finally {
    await session.close();
  }
}

/** Writes, merges, updates and deletes through the service, then checks rows, history and checkpoints. */
async function exerciseTable(table: LakeTable): Promise<void> {
  const file = join(home, 'staging', `${Math.random().toString(36).slice(2)}.parquet`);
  await connection.run(
    `COPY (SELECT range::INTEGER AS id, 'new' AS status FROM range(5)) TO ${literal(file)} (FORMAT parquet)`,
  );
  await table.write({
    mode: 'append',
    staged: await stagedFilesIn(file, []),
    columns: [
      { name: 'id', type: 'INTEGER' },
      { name: 'status', type: 'VARCHAR' },
    ],
    provenance: { operation: 'WRITE' },
  });
  await table.merge({
    source: { sql: `SELECT * FROM (VALUES (1, 'paid'), (9, 'new')) t(id, status)` },
    keys: ['id'],
    whenMatched: 'update',
    whenNotMatchedInsert: true,
  });
  await table.update({ set: { status: `'shipped'` }, predicate: 'id = 2' });
  await table.delete({ predicate: 'id >= 4' });
  assert.deepEqual(await rowsOf(table), [
    { id: 0, status: 'new' },
    { id: 1, status: 'paid' },
    { id: 2, status: 'shipped' },
    { id: 3, status: 'new' },
  ]);
  const history = await table.history();
  assert.deepEqual(
    history.map((h) => h.operation),
    ['DELETE', 'UPDATE', 'MERGE', 'WRITE'],
  );
  for (let i = 0; i < 7; i++) await table.update({ set: { status: `'n${i}'` }, predicate: 'id = 0' });
  const latest = await table.snapshot();
  assert.equal(latest.version, 10);
  const log = [];
  for await (const object of table.storage.list(`${table.tablePath}/_delta_log/`)) log.push(object.path);
  assert.ok(
    log.some((path) => path.endsWith('00000000000000000010.checkpoint.parquet')),
    'checkpoint at version 10',
  );
}

describe('lake service', () => {
  test('a local lake: write, merge, update, delete, history, checkpoints', async () => {
    const config = loadConfig({ env: {}, cwd: home, overrides: { home, lake: join(home, 'lake') } });
    await exerciseTable(createLakeService({ config, db }).table('demo', 'silver.orders'));
  });

  test('an S3 lake without conditional writes commits through the PostgreSQL lock', async () => {
    const config = loadConfig({
      env: {},
      cwd: home,
      overrides: { home, lake: `s3://${server.bucket}/lake`, s3: { endpoint: server.directEndpoint } },
    });
    assert.equal(config.s3.conditionalWrites, false);
    await exerciseTable(createLakeService({ config, db }).table('demo', 'silver.orders'));
  });

  test('bad workspace and dataset names are refused', () => {
    const config = loadConfig({ env: {}, cwd: home, overrides: { home } });
    const lake = createLakeService({ config, db });
    assert.throws(() => lake.table('Demo', 'silver.orders'), { code: 'WORKSPACE_INVALID' });
    assert.throws(() => lake.table('demo', 'orders'), { code: 'DATASET_NAME_INVALID' });
    assert.throws(() => lake.table('demo', 'silver.../x'), { code: 'DATASET_NAME_INVALID' });
  });
});

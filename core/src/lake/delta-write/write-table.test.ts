import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { literal } from '../../engine/dataset-view.ts';
import { loadSnapshot } from '../delta/snapshot.ts';
import { snapshotSelectSql } from '../delta/snapshot-sql.ts';
import { createLocalStorage } from '../storage/local-storage.ts';
import type { LakeStorage } from '../storage/lake-storage.ts';
import { assertProtocolShapes } from './protocol-shapes.ts';
import { stagedFilesIn } from './staged-files.ts';
import { writeTable, type WriteTableRequest } from './write-table.ts';

let dir: string;
let storage: LakeStorage;
let connection: DuckDBConnection;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'assay-write-'));
  await mkdir(join(dir, 'staging'));
  storage = createLocalStorage(join(dir, 'lake'));
  connection = await (await DuckDBInstance.create(':memory:')).connect();
});
after(() => rm(dir, { recursive: true, force: true }));

/** Stages the rows of `select` like an operator would (DuckDB COPY), and writes them. */
async function write(
  table: string,
  select: string,
  options: Partial<WriteTableRequest> & { partitionBy?: string[]; with?: DuckDBConnection } = {},
) {
  const db = options.with ?? connection;
  const output = join(dir, 'staging', randomUUID());
  const partitionBy = options.partitionBy ?? [];
  const partitioning = partitionBy.length === 0 ? '' : `, PARTITION_BY (${partitionBy.join(', ')})`;
  await db.run(
    `COPY (${select}) TO ${literal(partitionBy.length === 0 ? `${output}.parquet` : output)} (FORMAT parquet${partitioning})`,
  );
  const described = await db.runAndReadAll(`DESCRIBE ${select}`);
  const columns = described
    .getRowObjectsJson()
    .map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
  const staged = await stagedFilesIn(partitionBy.length === 0 ? `${output}.parquet` : output, partitionBy);
  return writeTable(
    storage,
    table,
    {
      mode: 'append',
      staged,
      columns,
      provenance: { operation: 'WRITE' },
      ...options,
      ...(partitionBy.length > 0 ? { partitionColumns: partitionBy } : {}),
    },
    db,
  );
}

async function rowsOf(table: string, orderBy: string, version?: number): Promise<unknown[]> {
  const snapshot = await loadSnapshot(storage, { tablePath: table, ...(version === undefined ? {} : { version }) });
  const sql = snapshotSelectSql(snapshot, (path) => storage.localPath(`${table}/${path}`)!);
  return (await connection.runAndReadAll(`SELECT * FROM (${sql}) ORDER BY ${orderBy}`)).getRowObjectsJson();
}

describe('writeTable', () => {
  test('creates, appends and overwrites; the reader replays each version; the log has protocol-valid actions', async () => {
    const created = await write('silver/a', `SELECT range::BIGINT AS id, 'n' || range AS name FROM range(3)`);
    assert.deepEqual([created.version, created.rowsAdded, created.skipped], [0, 3, false]);
    const appended = await write('silver/a', `SELECT 10::BIGINT AS id, 'ten' AS name`);
    assert.equal(appended.version, 1);
    assert.equal((await rowsOf('silver/a', 'id')).length, 4);
    const overwritten = await write('silver/a', `SELECT 99::BIGINT AS id, 'only' AS name`, { mode: 'overwrite' });
    assert.deepEqual([overwritten.version, overwritten.filesRemoved], [2, 2]);
    assert.deepEqual(await rowsOf('silver/a', 'id'), [{ id: '99', name: 'only' }]);
    assert.equal((await rowsOf('silver/a', 'id', 1)).length, 4, 'time travel to the appended version');
    for (const version of [0, 1, 2]) {
      const log = await readFile(
        join(dir, 'lake', 'silver', 'a', '_delta_log', `${String(version).padStart(20, '0')}.json`),
        'utf8',
      );
      assertProtocolShapes(log);
    }
  });

  test('the live files read with plain read_parquet give the same rows as the snapshot', async () => {
    await write('silver/b', `SELECT range::INTEGER AS id FROM range(5)`);
    await write('silver/b', `SELECT 100 AS id`);
    const snapshot = await loadSnapshot(storage, { tablePath: 'silver/b' });
    const files = snapshot.files.map((file) => literal(storage.localPath(`silver/b/${file.path}`)!));
    const plain = await connection.runAndReadAll(
      `SELECT count(*)::INT AS n, sum(id)::INT AS s FROM read_parquet([${files.join(', ')}])`,
    );
    assert.deepEqual(plain.getRowObjectsJson(), [{ n: 6, s: 110 }]);
  });

  test('a retried commit with the same txn is a no-op', async () => {
    const txn = { appId: 'job-42', version: 7 };
    const first = await write('silver/c', `SELECT 1 AS id`, { txn });
    const retry = await write('silver/c', `SELECT 1 AS id`, { txn });
    assert.deepEqual([first.skipped, retry.skipped, retry.version], [false, true, 0]);
    assert.equal((await rowsOf('silver/c', 'id')).length, 1);
    const next = await write('silver/c', `SELECT 2 AS id`, { txn: { appId: 'job-42', version: 8 } });
    assert.deepEqual([next.skipped, next.version], [false, 1]);
  });

  test('new columns are added as nullable; a type change is refused and commits nothing', async () => {
    await write('silver/d', `SELECT 1::BIGINT AS id`);
    await write('silver/d', `SELECT 2::BIGINT AS id, 'x' AS note`);
    assert.deepEqual(await rowsOf('silver/d', 'id'), [
      { id: '1', note: null },
      { id: '2', note: 'x' },
    ]);
    await assert.rejects(write('silver/d', `SELECT 'three' AS id`), {
      code: 'DELTA_SCHEMA_MISMATCH',
      message: /Column "id" .* is long, but the write has string/,
    });
    assert.equal((await loadSnapshot(storage, { tablePath: 'silver/d' })).version, 1);
    const replaced = await write('silver/d', `SELECT 'three' AS id`, { mode: 'overwrite', overwriteSchema: true });
    assert.deepEqual(await rowsOf('silver/d', 'id', replaced.version), [{ id: 'three' }]);
  });

  test('partitioned tables round-trip partition values, nulls included', async () => {
    await write('silver/e', `SELECT * FROM (VALUES (1, 'eu'), (2, NULL), (3, 'us')) t(id, region)`, {
      partitionBy: ['region'],
    });
    assert.deepEqual(await rowsOf('silver/e', 'id'), [
      { id: 1, region: 'eu' },
      { id: 2, region: null },
      { id: 3, region: 'us' },
    ]);
    await assert.rejects(write('silver/e', `SELECT 4 AS id, 'eu' AS region`, { partitionBy: ['id'] }), {
      code: 'DELTA_PARTITIONING_MISMATCH',
    });
  });

  test('timestamp partitions are written as UTC timestamps every Delta reader accepts', async () => {
    await write(
      'silver/ts',
      `SELECT * FROM (VALUES (1, TIMESTAMPTZ '2024-03-01 10:00:00+00'), (2, TIMESTAMPTZ '2024-03-01 23:30:00.5-02')) t(id, happened)`,
      { partitionBy: ['happened'] },
    );
    const snapshot = await loadSnapshot(storage, { tablePath: 'silver/ts' });
    const log = await readFile(join(dir, 'lake', 'silver', 'ts', '_delta_log', `${'0'.repeat(20)}.json`), 'utf8');
    assert.match(log, /"partitionValues":\{"happened":"2024-03-02T01:30:00\.500000Z"\}/);
    assert.equal(snapshot.files.length, 2);
    const rows = (await rowsOf('silver/ts', 'id')) as Array<{ id: number; happened: string }>;
    assert.deepEqual(
      rows.map((r) => r.id),
      [1, 2],
    );
  });

  test('5 concurrent writers x 3 appends: versions 1..15 each once, every row once', async () => {
    await write('silver/f', `SELECT -1 AS writer, -1 AS n`);
    const writers = await Promise.all(
      Array.from({ length: 5 }, async () => (await DuckDBInstance.create(':memory:')).connect()),
    );
    const results = await Promise.all(
      writers.map(async (db, writer) => {
        const versions: number[] = [];
        for (let n = 0; n < 3; n++)
          versions.push((await write('silver/f', `SELECT ${writer} AS writer, ${n} AS n`, { with: db })).version);
        return versions;
      }),
    );
    assert.deepEqual(
      results.flat().sort((a, b) => a - b),
      Array.from({ length: 15 }, (_, i) => i + 1),
    );
    const rows = (await rowsOf('silver/f', 'writer, n')) as Array<{ writer: number; n: number }>;
    assert.equal(rows.length, 16);
    assert.equal(new Set(rows.map((r) => `${r.writer}/${r.n}`)).size, 16);
  });

  test('a commit whose read files were removed concurrently is a conflict', async () => {
    await write('silver/g', `SELECT 1 AS id`);
    const read = await loadSnapshot(storage, { tablePath: 'silver/g' });
    await write('silver/g', `SELECT 2 AS id`, { mode: 'overwrite' });
    // Commit against the stale version: the put-if-absent of version 1 loses, and the reread shows the removal.
    await assert.rejects(
      write('silver/g', `SELECT 3 AS id`, {
        read: { version: read.version, paths: new Set(read.files.map((f) => f.path)) },
      }),
      { code: 'DELTA_CONCURRENT_MODIFICATION' },
    );
  });
});

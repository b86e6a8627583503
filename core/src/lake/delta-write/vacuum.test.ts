import assert from 'node:assert/strict';
import { copyFile, mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadSnapshot } from '../delta/snapshot.ts';
import { readHistory } from '../delta/table-history.ts';
import { createTestLake, type TestLake } from './test-lake.ts';
import { vacuumTable } from './vacuum.ts';

let lake: TestLake;
before(async () => {
  lake = await createTestLake();
});
after(() => lake.close());

const DAY = 86_400_000;
const MONTH_AGO = new Date(Date.now() - 30 * DAY);

async function age(file: string): Promise<void> {
  await utimes(file, MONTH_AGO, MONTH_AGO);
}

async function filesUnder(table: string): Promise<string[]> {
  const root = join(lake.dir, 'lake', table);
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .sort();
}

/**
 * v0 writes `removed` (removed by the overwrite at v1), v1 writes `live1`, v2 appends `live2`; plus an old orphan, a
 * new orphan and hidden files, all data files aged a month so that only the rule under test protects them.
 */
async function fixture(table: string) {
  await lake.write(table, `SELECT * FROM (VALUES (1, 'eu')) t(id, region)`, { partitionBy: ['region'] });
  const removed = (await loadSnapshot(lake.storage, { tablePath: table })).files[0]!.path;
  await lake.write(table, `SELECT 2 AS id, 'us' AS region`, { partitionBy: ['region'], mode: 'overwrite' });
  await lake.write(table, `SELECT 3 AS id, 'eu' AS region`, { partitionBy: ['region'] });
  const live = (await loadSnapshot(lake.storage, { tablePath: table })).files.map((file) => file.path).sort();
  for (const path of [removed, ...live]) await age(lake.file(table, path));
  const oldOrphan = 'region=eu/part-00000-killed-writer.zstd.parquet';
  const newOrphan = 'region=us/part-00000-in-flight.zstd.parquet';
  for (const path of [oldOrphan, newOrphan]) await copyFile(lake.file(table, live[0]!), lake.file(table, path));
  await age(lake.file(table, oldOrphan));
  const hidden = ['_tmp/old.parquet', '.hidden.parquet', 'region=eu/_SUCCESS', 'region=eu/.part.crc'];
  for (const path of hidden) {
    await mkdir(dirname(lake.file(table, path)), { recursive: true });
    await writeFile(lake.file(table, path), 'x');
    await age(lake.file(table, path));
  }
  return { removed, live, oldOrphan, newOrphan, hidden };
}

describe('vacuumTable', () => {
  test('deletes old orphans only; keeps live, recently removed, young and hidden files; dry run deletes nothing', async () => {
    const table = 'v/a';
    const { removed, live, oldOrphan, newOrphan, hidden } = await fixture(table);
    const rows = await lake.rows(table, 'id');
    const before = await filesUnder(table);

    const dry = await vacuumTable(lake.storage, table, lake.connection, { retentionHours: 24, dryRun: true });
    assert.deepEqual(dry.deleted, [oldOrphan]);
    assert.equal(dry.kept, 4, 'removed (tombstone within retention), 2 live, the young orphan');
    assert.ok(dry.bytesFreed > 0);
    assert.deepEqual(await filesUnder(table), before, 'a dry run deletes nothing');
    assert.equal((await loadSnapshot(lake.storage, { tablePath: table })).version, 2, 'and commits nothing');

    const result = await vacuumTable(lake.storage, table, lake.connection, { retentionHours: 24 });
    assert.deepEqual(result, dry);
    const after = await filesUnder(table);
    const dataFiles = (paths: string[]) => paths.filter((path) => !path.startsWith('_delta_log/'));
    assert.deepEqual(
      dataFiles(after),
      dataFiles(before).filter((path) => path !== oldOrphan),
    );
    for (const path of [removed, ...live, newOrphan, ...hidden]) assert.ok(after.includes(path), path);
    assert.deepEqual(await lake.rows(table, 'id'), rows);
    assert.deepEqual(await lake.rows(table, 'id', 0), [{ id: 1, region: 'eu' }], 'time travel to v0 still works');
    const history = await readHistory(lake.storage, { tablePath: table, limit: 2 });
    assert.deepEqual(
      history.map((entry) => [entry.operation, entry.operationMetrics]),
      [
        ['VACUUM END', { numDeletedFiles: '1' }],
        ['VACUUM START', { numFilesToDelete: '1', sizeOfDataToDelete: String(result.bytesFreed) }],
      ],
    );
  });

  test('once the retention has passed, files removed long ago and stale orphans go; the latest rows stay', async () => {
    const table = 'v/b';
    const { removed, live, oldOrphan, newOrphan, hidden } = await fixture(table);
    const rows = await lake.rows(table, 'id');
    const result = await vacuumTable(lake.storage, table, lake.connection, { now: Date.now() + 10 * DAY });
    assert.deepEqual(result.deleted, [removed, oldOrphan, newOrphan].sort());
    assert.equal(result.kept, 2);
    assert.deepEqual(await filesUnder(table), [...live, ...hidden, ...(await logFiles(table))].sort());
    assert.deepEqual(await lake.rows(table, 'id'), rows);
    assert.deepEqual(
      rows.map((row) => row.id),
      [2, 3],
    );
  });

  test('a retention under one hour is refused unless forced', async () => {
    await lake.write('v/c', `SELECT 1 AS id`);
    await assert.rejects(vacuumTable(lake.storage, 'v/c', lake.connection, { retentionHours: 0 }), {
      code: 'VACUUM_RETENTION_TOO_SHORT',
      message: /retention of 0 hours/,
    });
    const forced = await vacuumTable(lake.storage, 'v/c', lake.connection, { retentionHours: 0, force: true });
    assert.deepEqual([forced.deleted, forced.kept], [[], 1]);
    await assert.rejects(vacuumTable(lake.storage, 'v/missing', lake.connection), { code: 'DELTA_TABLE_NOT_FOUND' });
  });
});

async function logFiles(table: string): Promise<string[]> {
  const names = await readdir(join(lake.dir, 'lake', table, '_delta_log'));
  return names.map((name) => `_delta_log/${name}`);
}

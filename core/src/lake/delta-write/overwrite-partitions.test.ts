import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadSnapshot } from '../delta/snapshot.ts';
import { overwritePartitions } from './overwrite-partitions.ts';
import { createRewriteFixture, type RewriteFixture } from './rewrite-fixtures.ts';

let f: RewriteFixture;
before(async () => {
  f = await createRewriteFixture();
});
after(() => f.close());

async function overwrite(table: string, select: string, partitionColumns?: string[]) {
  const { staged, columns } = await f.stage(select, ['day']);
  return overwritePartitions(
    f.storage,
    table,
    { staged, columns, ...(partitionColumns === undefined ? {} : { partitionColumns }) },
    f.connection,
  );
}

const ROWS = `SELECT * FROM (VALUES (1, DATE '2024-01-01'), (2, DATE '2024-01-01'), (3, DATE '2024-01-02'), (4, NULL)) t(id, day)`;

describe('overwritePartitions', () => {
  test('replaces the partitions present in the staged data, null partition included, and leaves the others', async () => {
    await f.write('o/a', ROWS, ['day']);
    await f.write('o/a', `SELECT 5 AS id, DATE '2024-01-01' AS day`, ['day']);
    const result = await overwrite('o/a', `SELECT * FROM (VALUES (10, DATE '2024-01-01'), (11, NULL)) t(id, day)`);
    assert.deepEqual(result, {
      version: 2,
      committed: true,
      skipped: false,
      filesAdded: 2,
      filesRemoved: 3,
      rowsAffected: 2,
      metrics: { numOutputRows: 2 },
    });
    await f.assertRows(
      'o/a',
      `SELECT * FROM (VALUES (10, DATE '2024-01-01'), (11, NULL), (3, DATE '2024-01-02')) t(id, day)`,
    );
    await f.assertRows('o/a', `${ROWS} UNION ALL SELECT 5, DATE '2024-01-01'`, 1);
    const infos = await f.assertLog('o/a');
    assert.equal(infos[2]?.operation, 'WRITE');
    assert.equal(infos[2]?.isBlindAppend, false);
    assert.deepEqual(infos[2]?.operationParameters, {
      mode: 'Overwrite',
      partitionOverwriteMode: 'dynamic',
      partitionBy: '["day"]',
    });
  });

  test('creates a missing table when given its partition columns', async () => {
    const result = await overwrite('o/b', ROWS, ['day']);
    assert.deepEqual([result.version, result.filesRemoved, result.rowsAffected], [0, 0, 4]);
    assert.deepEqual((await loadSnapshot(f.storage, { tablePath: 'o/b' })).partitionColumns, ['day']);
    await f.assertLog('o/b');
  });

  test('an unpartitioned table is DELTA_PARTITIONING_INVALID and is left as it was', async () => {
    await f.write('o/c', ROWS);
    await assert.rejects(overwrite('o/c', ROWS), {
      code: 'DELTA_PARTITIONING_INVALID',
      message: /o\/c.* is not partitioned/,
    });
    await assert.rejects(overwrite('o/missing', ROWS), { code: 'DELTA_PARTITIONING_INVALID' });
    await f.assertRows('o/c', ROWS);
    assert.equal((await loadSnapshot(f.storage, { tablePath: 'o/c' })).version, 0);
  });

  test('a different partitioning is refused', async () => {
    await f.write('o/d', ROWS, ['day']);
    await assert.rejects(overwrite('o/d', ROWS, ['id']), { code: 'DELTA_PARTITIONING_MISMATCH' });
  });

  test('a retried overwrite with the same txn is skipped', async () => {
    await f.write('o/e', ROWS, ['day']);
    const { staged, columns } = await f.stage(`SELECT 7 AS id, DATE '2024-01-02' AS day`, ['day']);
    const txn = { appId: 'job', version: 1 };
    const first = await overwritePartitions(f.storage, 'o/e', { staged, columns, txn }, f.connection);
    const retry = await overwritePartitions(f.storage, 'o/e', { staged, columns, txn }, f.connection);
    assert.deepEqual([first.committed, retry.skipped, retry.version], [true, true, 1]);
  });

  test('timestamp partitions are matched in the spelling the log stores, so old files are replaced', async () => {
    const at = (text: string) => `TIMESTAMPTZ '${text}'`;
    await f.write(
      'o/ts',
      `SELECT * FROM (VALUES (1, ${at('2024-03-01 10:00:00+00')}), (2, ${at('2024-03-02 10:00:00+00')})) t(id, day)`,
      ['day'],
    );
    const result = await overwrite('o/ts', `SELECT 10 AS id, ${at('2024-03-01 12:00:00+02')} AS day`);
    assert.equal(result.filesRemoved, 1, 'the file of the same instant (written with another offset) is replaced');
    await f.assertRows(
      'o/ts',
      `SELECT * FROM (VALUES (10, ${at('2024-03-01 10:00:00+00')}), (2, ${at('2024-03-02 10:00:00+00')})) t(id, day)`,
    );
  });
});

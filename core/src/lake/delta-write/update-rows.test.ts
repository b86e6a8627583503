import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadSnapshot } from '../delta/snapshot.ts';
import { createRewriteFixture, type RewriteFixture } from './rewrite-fixtures.ts';
import { updateRows } from './update-rows.ts';
import { writeTable } from './write-table.ts';

let f: RewriteFixture;
before(async () => {
  f = await createRewriteFixture();
});
after(() => f.close());

const update = (table: string, set: Record<string, string>, predicate?: string) =>
  updateRows(
    f.storage,
    table,
    { set, ...(predicate === undefined ? {} : { predicate }), scratchDir: f.scratchDir },
    f.connection,
  );

const ROWS = `SELECT * FROM (VALUES (1::BIGINT, 'eu', 10), (2, 'eu', NULL), (3, 'us', 30), (4, NULL, 40)) t(id, region, amount)`;

describe('updateRows', () => {
  test('unpartitioned: applies the expressions to matching rows only (NULL predicate = no match)', async () => {
    await f.write('u/a', ROWS);
    const result = await update('u/a', { amount: 'amount * 2', REGION: `upper(region)` }, 'amount >= 30');
    assert.deepEqual(result, {
      version: 1,
      committed: true,
      skipped: false,
      filesAdded: 1,
      filesRemoved: 1,
      rowsAffected: 2,
      metrics: { numUpdatedRows: 2, numCopiedRows: 2 },
    });
    await f.assertRows(
      'u/a',
      `SELECT * FROM (VALUES (1::BIGINT, 'eu', 10), (2, 'eu', NULL), (3, 'US', 60), (4, NULL, 80)) t(id, region, amount)`,
    );
    await f.assertRows('u/a', ROWS, 0);
    const infos = await f.assertLog('u/a');
    assert.equal(infos[1]?.operation, 'UPDATE');
    assert.deepEqual(infos[1]?.operationMetrics, {
      numUpdatedRows: '2',
      numCopiedRows: '2',
      numAddedFiles: '1',
      numRemovedFiles: '1',
    });
  });

  test('partitioned: only touched partitions are rewritten; updating the partition column moves rows', async () => {
    await f.write('u/b', ROWS, ['region']);
    const files = (await loadSnapshot(f.storage, { tablePath: 'u/b' })).files.length;
    const moved = await update('u/b', { region: `'apac'` }, 'id = 3');
    assert.deepEqual([moved.filesRemoved, moved.filesAdded, moved.rowsAffected], [1, 1, 1]);
    const snapshot = await loadSnapshot(f.storage, { tablePath: 'u/b' });
    assert.equal(snapshot.files.length, files);
    assert.ok(snapshot.files.some((file) => file.partitionValues.region === 'apac'));
    const byPartition = await update('u/b', { amount: '0' }, `region = 'eu'`);
    assert.deepEqual([byPartition.filesRemoved, byPartition.rowsAffected], [1, 2]);
    await f.assertRows(
      'u/b',
      `SELECT * FROM (VALUES (1::BIGINT, 'eu', 0), (2, 'eu', 0), (3, 'apac', 30), (4, NULL, 40)) t(id, region, amount)`,
    );
    await f.assertLog('u/b');
  });

  test('without a predicate every row is updated; expressions are cast to the column type', async () => {
    await f.write('u/c', ROWS);
    const result = await update('u/c', { amount: `'7'` });
    assert.equal(result.rowsAffected, 4);
    await f.assertRows(
      'u/c',
      `SELECT * FROM (VALUES (1::BIGINT, 'eu', 7), (2, 'eu', 7), (3, 'us', 7), (4, NULL, 7)) t(id, region, amount)`,
    );
  });

  test('a column added after old files were written can be set on their rows', async () => {
    await f.write('u/d', `SELECT 1::BIGINT AS id`);
    const { staged, columns } = await f.stage(`SELECT 2::BIGINT AS id, 'x' AS note`);
    await writeTable(
      f.storage,
      'u/d',
      { mode: 'append', staged, columns, provenance: { operation: 'WRITE' } },
      f.connection,
    );
    await update('u/d', { note: `'set'` }, 'id = 1');
    await f.assertRows('u/d', `SELECT * FROM (VALUES (1::BIGINT, 'set'), (2, 'x')) t(id, note)`);
  });

  test('nothing matches: nothing is committed', async () => {
    await f.write('u/e', ROWS);
    const result = await update('u/e', { amount: '1' }, 'id > 100');
    assert.deepEqual([result.committed, result.version], [false, 0]);
    assert.equal((await loadSnapshot(f.storage, { tablePath: 'u/e' })).version, 0);
  });

  test('unknown columns, no assignments and broken expressions are refused before anything is written', async () => {
    await f.write('u/f', ROWS);
    await assert.rejects(update('u/f', { nope: '1' }), {
      code: 'DELTA_COLUMN_NOT_FOUND',
      message: /sets column "nope", which the table does not have \(it has id, region, amount\)/,
    });
    await assert.rejects(update('u/f', {}), { code: 'UPDATE_SET_EMPTY' });
    await assert.rejects(update('u/f', { amount: 'missing + 1' }), {
      code: 'SQL_ERROR',
      message: /^UPDATE of .*"missing"/,
    });
    await assert.rejects(update('u/f', { amount: '1' }, 'id = ='), { code: 'SQL_ERROR' });
    assert.equal((await loadSnapshot(f.storage, { tablePath: 'u/f' })).version, 0);
  });
});

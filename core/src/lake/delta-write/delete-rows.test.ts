import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadSnapshot } from '../delta/snapshot.ts';
import { deleteRows } from './delete-rows.ts';
import { createRewriteFixture, type RewriteFixture } from './rewrite-fixtures.ts';
import { overwritePartitions } from './overwrite-partitions.ts';
import { readdir } from 'node:fs/promises';

let f: RewriteFixture;
before(async () => {
  f = await createRewriteFixture();
});
after(() => f.close());

const del = (table: string, predicate: string) =>
  deleteRows(f.storage, table, { predicate, scratchDir: f.scratchDir }, f.connection);

const ROWS = `SELECT * FROM (VALUES (1::BIGINT, 'eu', 10), (2, 'eu', NULL), (3, 'us', 30), (4, NULL, 40), (5, 'us', 50)) t(id, region, amount)`;

describe('deleteRows', () => {
  test('unpartitioned: deletes matching rows, keeps rows where the predicate is NULL; time travel shows them', async () => {
    await f.write('t/a', ROWS);
    await f.write('t/a', `SELECT 6::BIGINT AS id, 'eu' AS region, 5 AS amount`);
    const result = await del('t/a', 'amount >= 30');
    assert.deepEqual(result, {
      version: 2,
      committed: true,
      skipped: false,
      filesAdded: 1,
      filesRemoved: 1,
      rowsAffected: 3,
      metrics: { numDeletedRows: 3, numCopiedRows: 2 },
    });
    await f.assertRows(
      't/a',
      `SELECT * FROM (VALUES (1::BIGINT, 'eu', 10), (2, 'eu', NULL), (6, 'eu', 5)) t(id, region, amount)`,
    );
    await f.assertRows('t/a', `${ROWS} UNION ALL SELECT 6, 'eu', 5`, 1);
    const infos = await f.assertLog('t/a');
    assert.equal(infos[2]?.operation, 'DELETE');
    assert.deepEqual(infos[2]?.operationMetrics, {
      numDeletedRows: '3',
      numCopiedRows: '2',
      numAddedFiles: '1',
      numRemovedFiles: '1',
    });
    assert.deepEqual(infos[2]?.operationParameters, { predicate: 'amount >= 30' });
  });

  test('a file left empty is removed without a replacement', async () => {
    await f.write('t/b', ROWS);
    const result = await del('t/b', 'id > 0');
    assert.deepEqual([result.filesAdded, result.filesRemoved, result.rowsAffected], [0, 1, 5]);
    await f.assertRows('t/b', `SELECT 1::BIGINT AS id, 'x' AS region, 1 AS amount WHERE false`);
    assert.equal((await loadSnapshot(f.storage, { tablePath: 't/b' })).files.length, 0);
  });

  test('partitioned: a partition predicate drops whole files; a data predicate rewrites only touched files', async () => {
    await f.write('t/c', ROWS, ['region']);
    const byPartition = await del('t/c', `region = 'us'`);
    assert.deepEqual([byPartition.filesAdded, byPartition.filesRemoved, byPartition.rowsAffected], [0, 1, 2]);
    const before = (await loadSnapshot(f.storage, { tablePath: 't/c' })).files.map((file) => file.path);
    const byData = await del('t/c', 'amount = 10');
    assert.deepEqual([byData.filesAdded, byData.filesRemoved, byData.rowsAffected], [1, 1, 1]);
    const after = (await loadSnapshot(f.storage, { tablePath: 't/c' })).files.map((file) => file.path);
    assert.ok(after.includes(before.find((p) => p.startsWith('region=__HIVE_DEFAULT_PARTITION__'))!));
    await f.assertRows(
      't/c',
      `SELECT * FROM (VALUES (2::BIGINT, 'eu', NULL::INT), (4, NULL, 40)) t(id, region, amount)`,
    );
    await f.assertLog('t/c');
  });

  test('nothing matches: nothing is committed', async () => {
    await f.write('t/d', ROWS);
    const result = await del('t/d', 'amount > 1000');
    assert.deepEqual(result, {
      version: 0,
      committed: false,
      skipped: false,
      filesAdded: 0,
      filesRemoved: 0,
      rowsAffected: 0,
      metrics: {},
    });
    assert.equal((await loadSnapshot(f.storage, { tablePath: 't/d' })).version, 0);
  });

  test('a predicate that does not bind or parse is SQL_ERROR, and nothing is written', async () => {
    await f.write('t/e', ROWS);
    await assert.rejects(del('t/e', 'nope = 1'), {
      code: 'SQL_ERROR',
      message: /^DELETE from .*t\/e: Binder Error: .*"nope" not found in FROM clause\. Fix the SQL/,
    });
    await assert.rejects(del('t/e', 'amount = = 1'), { code: 'SQL_ERROR', message: /Parser Error/ });
    assert.equal((await loadSnapshot(f.storage, { tablePath: 't/e' })).version, 0);
    assert.deepEqual(await readdir(f.scratchDir), [], 'scratch files are removed');
  });

  test('a concurrent overwrite between read and commit is DELTA_CONCURRENT_MODIFICATION', async () => {
    await f.write('t/f', ROWS, ['region']);
    const { staged, columns } = await f.stage(`SELECT 9::BIGINT AS id, 'eu' AS region, 9 AS amount`, ['region']);
    let raced = false;
    await assert.rejects(
      deleteRows(
        f.storage,
        't/f',
        {
          predicate: 'amount = 10',
          scratchDir: f.scratchDir,
          // Runs when the first commit attempt loses: the overwrite lands between the read and the retry.
          putIfAbsent: async (path, body) => {
            if (!raced) {
              raced = true;
              await overwritePartitions(f.storage, 't/f', { staged, columns }, f.connection);
            }
            return f.storage.putIfAbsent(path, body);
          },
        },
        f.connection,
      ),
      { code: 'DELTA_CONCURRENT_MODIFICATION' },
    );
    await f.assertRows(
      't/f',
      `SELECT * FROM (VALUES (9::BIGINT, 'eu', 9), (3, 'us', 30), (4, NULL, 40), (5, 'us', 50)) t(id, region, amount)`,
    );
  });

  test('a retried delete with the same txn is skipped', async () => {
    await f.write('t/g', ROWS);
    const txn = { appId: 'job-1', version: 3 };
    const first = await deleteRows(
      f.storage,
      't/g',
      { predicate: 'id = 1', scratchDir: f.scratchDir, txn },
      f.connection,
    );
    const retry = await deleteRows(
      f.storage,
      't/g',
      { predicate: 'id = 2', scratchDir: f.scratchDir, txn },
      f.connection,
    );
    assert.deepEqual([first.committed, retry.skipped, retry.version], [true, true, 1]);
    assert.equal((await loadSnapshot(f.storage, { tablePath: 't/g' })).txns.get('job-1'), 3);
  });
});

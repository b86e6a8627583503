import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadSnapshot } from '../delta/snapshot.ts';
import { mergeRows, type MergeRowsRequest } from './merge-rows.ts';
import { createRewriteFixture, type RewriteFixture } from './rewrite-fixtures.ts';

let f: RewriteFixture;
before(async () => {
  f = await createRewriteFixture();
});
after(() => f.close());

const merge = (table: string, request: Omit<MergeRowsRequest, 'scratchDir'>) =>
  mergeRows(f.storage, table, { ...request, scratchDir: f.scratchDir }, f.connection);

const TARGET = `SELECT * FROM (VALUES (1::BIGINT, 'eu', 'a'), (2, 'eu', 'b'), (3, 'us', 'c'), (NULL, 'us', 'n')) t(id, region, name)`;
const CHANGES = `SELECT * FROM (VALUES (2::BIGINT, 'eu', 'B', 'U'), (3, 'us', NULL, 'D'), (5, 'us', 'e', 'I'), (NULL, 'eu', 'x', 'I'), (6, 'eu', 'f', 'D')) t(id, region, name, op)`;

describe('mergeRows', () => {
  for (const partitionBy of [[], ['region']]) {
    test(`CDC upsert with deletes, ${partitionBy.length === 0 ? 'unpartitioned' : 'partitioned'}`, async () => {
      const table = `m/cdc-${partitionBy.length}`;
      await f.write(table, TARGET, partitionBy);
      const result = await merge(table, {
        source: { sql: CHANGES },
        keys: ['id'],
        whenMatched: 'update',
        whenNotMatchedInsert: true,
        deleteWhen: `op = 'D'`,
      });
      // Updated 2, deleted 3, inserted 5 and the NULL-key row (NULL keys never match); 6 deletes nothing.
      assert.equal(result.rowsAffected, 4);
      assert.equal(result.committed, true);
      await f.assertRows(
        table,
        `SELECT * FROM (VALUES (1::BIGINT, 'eu', 'a'), (2, 'eu', 'B'), (NULL, 'us', 'n'), (5, 'us', 'e'), (NULL, 'eu', 'x')) t(id, region, name)`,
      );
      await f.assertRows(table, TARGET, 0);
      const infos = await f.assertLog(table);
      assert.equal(infos[1]?.operation, 'MERGE');
      const metrics = infos[1]?.operationMetrics as Record<string, string>;
      assert.deepEqual(
        [metrics.numSourceRows, metrics.numInsertedRows, metrics.numUpdatedRows, metrics.numDeletedRows],
        ['5', '2', '1', '1'],
      );
    });
  }

  test('whenMatched ignore keeps matched rows and inserts only new keys; a source lacking columns inserts NULLs', async () => {
    await f.write('m/ignore', TARGET, ['region']);
    const result = await merge('m/ignore', {
      source: { sql: `SELECT * FROM (VALUES (1::BIGINT, 'eu'), (7, 'us')) t(id, region)` },
      keys: ['id', 'region'],
      whenMatched: 'ignore',
      whenNotMatchedInsert: true,
    });
    assert.deepEqual([result.filesRemoved, result.filesAdded, result.rowsAffected], [0, 1, 1]);
    await f.assertRows('m/ignore', `${TARGET} UNION ALL SELECT 7, 'us', NULL`);
  });

  test('update without insert, from staged files; unmatched source rows are dropped', async () => {
    await f.write('m/staged', TARGET, ['region']);
    const { staged } = await f.stage(
      `SELECT * FROM (VALUES (1::BIGINT, 'eu', 'A'), (9, 'us', 'z')) t(id, region, name)`,
      ['region'],
    );
    const result = await merge('m/staged', {
      source: { staged },
      keys: ['region', 'id'],
      whenMatched: 'update',
      whenNotMatchedInsert: false,
    });
    assert.deepEqual([result.filesRemoved, result.filesAdded, result.rowsAffected], [1, 1, 1]);
    await f.assertRows(
      'm/staged',
      `SELECT * FROM (VALUES (1::BIGINT, 'eu', 'A'), (2, 'eu', 'b'), (3, 'us', 'c'), (NULL, 'us', 'n')) t(id, region, name)`,
    );
  });

  test('duplicate source keys are MERGE_SOURCE_DUPLICATE_KEYS naming the key; NULL keys may repeat', async () => {
    await f.write('m/dup', TARGET);
    await assert.rejects(
      merge('m/dup', {
        source: { sql: `SELECT * FROM (VALUES (4::BIGINT, 'x'), (4, 'y'), (NULL, 'p'), (NULL, 'q')) t(id, name)` },
        keys: ['id'],
        whenMatched: 'update',
        whenNotMatchedInsert: true,
      }),
      { code: 'MERGE_SOURCE_DUPLICATE_KEYS', message: /has 2 rows with key \(id=4\)/ },
    );
    const ok = await merge('m/dup', {
      source: { sql: `SELECT * FROM (VALUES (NULL::BIGINT, 'p'), (NULL, 'q')) t(id, name)` },
      keys: ['id'],
      whenMatched: 'update',
      whenNotMatchedInsert: true,
    });
    assert.equal(ok.rowsAffected, 2);
    assert.equal((await loadSnapshot(f.storage, { tablePath: 'm/dup' })).version, 1);
  });

  test('bad keys and bad SQL are refused before anything is written', async () => {
    await f.write('m/bad', TARGET);
    const base = { whenMatched: 'update', whenNotMatchedInsert: true } as const;
    await assert.rejects(merge('m/bad', { ...base, source: { sql: TARGET }, keys: ['nope'] }), {
      code: 'MERGE_KEY_MISSING',
    });
    await assert.rejects(merge('m/bad', { ...base, source: { sql: `SELECT 'x' AS name` }, keys: ['id'] }), {
      code: 'MERGE_KEY_MISSING',
      message: /source lacks key column\(s\) "id"/,
    });
    await assert.rejects(merge('m/bad', { ...base, source: { sql: 'SELEC 1' }, keys: ['id'] }), {
      code: 'SQL_ERROR',
      message: /^MERGE into .*Parser Error/,
    });
    await assert.rejects(merge('m/bad', { ...base, source: { sql: TARGET }, keys: ['id'], deleteWhen: 'op = 1' }), {
      code: 'SQL_ERROR',
    });
    assert.equal((await loadSnapshot(f.storage, { tablePath: 'm/bad' })).version, 0);
  });

  test('a merge that changes nothing commits nothing', async () => {
    await f.write('m/noop', TARGET);
    const result = await merge('m/noop', {
      source: { sql: `SELECT 1::BIGINT AS id, 'zz' AS name` },
      keys: ['id'],
      whenMatched: 'ignore',
      whenNotMatchedInsert: true,
    });
    assert.deepEqual([result.committed, result.version], [false, 0]);
  });

  test('a concurrent append between read and commit is DELTA_CONCURRENT_APPEND; a concurrent overwrite DELTA_CONCURRENT_MODIFICATION', async () => {
    await f.write('m/race', TARGET);
    const racing = (competitor: () => Promise<unknown>) => {
      let raced = false;
      return async (path: string, body: string) => {
        if (!raced) {
          raced = true;
          await competitor();
        }
        return f.storage.putIfAbsent(path, body);
      };
    };
    const request = {
      source: { sql: `SELECT 5::BIGINT AS id, 'us' AS region, 'e' AS name` },
      keys: ['id'],
      whenMatched: 'update',
      whenNotMatchedInsert: true,
    } as const;
    await assert.rejects(
      merge('m/race', {
        ...request,
        putIfAbsent: racing(() => f.write('m/race', `SELECT 5::BIGINT AS id, 'us' AS region, 'e' AS name`)),
      }),
      { code: 'DELTA_CONCURRENT_APPEND' },
    );
    await assert.rejects(
      merge('m/race', {
        ...request,
        putIfAbsent: racing(() =>
          mergeRows(
            f.storage,
            'm/race',
            { ...request, source: { sql: `SELECT 1::BIGINT AS id, 'x' AS name` }, scratchDir: f.scratchDir },
            f.connection,
          ),
        ),
      }),
      { code: 'DELTA_CONCURRENT_MODIFICATION' },
    );
    await f.assertRows(
      'm/race',
      `SELECT * FROM (VALUES (1::BIGINT, 'eu', 'x'), (2, 'eu', 'b'), (3, 'us', 'c'), (NULL, 'us', 'n'), (5, 'us', 'e')) t(id, region, name)`,
    );
  });
});

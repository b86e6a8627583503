import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createJobTestKit, sortedRows, type JobTestKit } from '@assay/sdk/testing';
import { sqlOperator } from './index.ts';

let kit: JobTestKit;

before(async () => {
  kit = await createJobTestKit();
  await kit.writeDataset(
    'bronze.people',
    `SELECT * FROM (VALUES
      (1, 'ann', 'oslo', 'c'),
      (2, 'bob', 'rome', 'c'),
      (NULL, 'nil', 'lima', 'c'),
      (3, 'cy', 'lima', 'c'),
      (3, 'cy again', 'quito', 'c')
    ) AS t(id, name, city, op)`,
  );
});
after(() => kit?.close());

const merge = (output: string, write: Record<string, unknown> = {}, sql = 'SELECT * FROM bronze.people') => ({
  id: output.replace('.', '_'),
  operator: sqlOperator,
  config: { sql, write: { mode: 'merge', key: ['id'], ...write } },
  inputs: ['bronze.people'],
  output,
});

interface Refusal {
  code?: string;
  message?: string;
  details?: Record<string, unknown>;
}

describe('sql operator: merge key problems', () => {
  test('a NULL key fails the run with SQL_MERGE_KEY_NULL naming the key and a sample; nothing is written', async () => {
    await assert.rejects(kit.runJob(merge('silver.people_failed')), (error: Refusal) => {
      assert.equal(error.code, 'SQL_MERGE_KEY_NULL', error.message);
      assert.match(error.message!, /config\.write\.key: 1 row\(s\) of the query result have a NULL key/);
      assert.match(error.message!, /merge key \(id = NULL\) has a NULL/);
      assert.match(error.message!, /onKeyProblem to quarantine/);
      assert.deepEqual([error.details?.path, error.details?.rows], ['config.write.key', 1]);
      return true;
    });
    assert.equal(await kit.version('silver.people_failed'), undefined);
    assert.deepEqual(await kit.quarantined('silver.people_failed'), []);
  });

  test('several rows with one key fail with SQL_MERGE_KEY_DUPLICATE naming the key and how many rows share it', async () => {
    const sql = 'SELECT * FROM bronze.people WHERE id IS NOT NULL';
    await assert.rejects(kit.runJob(merge('silver.people_failed', {}, sql)), (error: Refusal) => {
      assert.equal(error.code, 'SQL_MERGE_KEY_DUPLICATE', error.message);
      assert.match(error.message!, /2 row\(s\) of the query result share their key/);
      assert.match(error.message!, /merge key \(id = 3\) is in 2 rows of the query result/);
      assert.match(error.message!, /QUALIFY row_number\(\)/);
      assert.equal(error.details?.sample, 'merge key (id = 3) is in 2 rows of the query result');
      return true;
    });
    assert.equal(await kit.version('silver.people_failed'), undefined);
  });

  test('onKeyProblem: quarantine sets those rows aside with rule and reason and merges the rest, once per run', async () => {
    const output = 'silver.people';
    const job = merge(output, { onKeyProblem: 'quarantine' });
    const first = await kit.runJob(job, { runSequence: 1 });
    assert.deepEqual([first.rowsWritten, first.rowsQuarantined], [2, 3]);
    assert.equal(first.metrics['rows.sql.merge.key_null'], 1);
    assert.equal(first.metrics['rows.sql.merge.key_duplicate'], 2);
    assert.deepEqual(
      sortedRows(await kit.rows(output)),
      sortedRows([
        { id: 1, name: 'ann', city: 'oslo', op: 'c' },
        { id: 2, name: 'bob', city: 'rome', op: 'c' },
      ]),
    );
    const expected = sortedRows([
      {
        rule: 'sql.merge.key_null',
        reason: 'merge key (id = NULL) has a NULL: a NULL key matches no row',
        column: 'id',
        row: { id: null, name: 'nil', city: 'lima', op: 'c' },
      },
      ...['cy', 'cy again'].map((name) => ({
        rule: 'sql.merge.key_duplicate',
        reason: 'merge key (id = 3) is in 2 rows of the query result',
        column: 'id',
        row: { id: 3, name, city: name === 'cy' ? 'lima' : 'quito', op: 'c' },
      })),
    ]);
    assert.deepEqual(sortedRows(await kit.quarantined(output)), expected);

    const retry = await kit.runJob(job, { runSequence: 1, attempt: 2 });
    assert.deepEqual([retry.skipped, retry.rowsQuarantined], [true, 0]);
    assert.deepEqual(sortedRows(await kit.quarantined(output)), expected, 'quarantined once');
  });

  test('with deleteWhen: deletes and upserts apply, and only the problem rows are quarantined', async () => {
    const output = 'silver.people';
    await kit.writeDataset(
      'bronze.people',
      `SELECT * FROM (VALUES (1, 'ann', 'oslo', 'd'), (2, 'bob', 'bergen', 'u'), (4, 'di', 'lima', 'c'),
         (4, 'di', 'lima', 'd')) AS t(id, name, city, op)`,
      { mode: 'overwrite' },
    );
    const result = await kit.runJob(merge(output, { onKeyProblem: 'quarantine', deleteWhen: "op = 'd'" }), {
      runSequence: 2,
    });
    assert.deepEqual([result.rowsUpdated, result.rowsDeleted, result.rowsQuarantined], [1, 1, 2]);
    assert.deepEqual(await kit.rows(output), [{ id: 2, name: 'bob', city: 'bergen', op: 'u' }]);
    const quarantined = (await kit.quarantined(output)).filter((q) => q.row.id === 4);
    assert.deepEqual(
      quarantined.map((q) => q.rule),
      ['sql.merge.key_duplicate', 'sql.merge.key_duplicate'],
    );
  });

  test('a key of several columns: a NULL in any of them, and duplicates of the pair', async () => {
    await kit.writeDataset(
      'bronze.stock',
      `SELECT * FROM (VALUES ('a', 'eu', 1), ('a', 'us', 2), ('b', NULL, 3), ('a', 'eu', 4)) AS t(sku, region, qty)`,
    );
    const job = (onKeyProblem: string) => ({
      operator: sqlOperator,
      config: { sql: 'SELECT * FROM bronze.stock', write: { mode: 'merge', key: ['sku', 'region'], onKeyProblem } },
      inputs: ['bronze.stock'],
      output: 'silver.stock',
    });
    await assert.rejects(kit.runJob(job('fail')), (error: Refusal) => {
      assert.equal(error.code, 'SQL_MERGE_KEY_NULL');
      assert.match(error.message!, /merge key \(sku = b, region = NULL\)/);
      return true;
    });
    const result = await kit.runJob(job('quarantine'));
    assert.deepEqual([result.rowsWritten, result.rowsQuarantined], [1, 3]);
    assert.deepEqual(await kit.rows('silver.stock'), [{ sku: 'a', region: 'us', qty: 2 }]);
    const rules = (await kit.quarantined('silver.stock')).map((q) => `${q.rule}:${q.column}:${String(q.row.qty)}`);
    assert.deepEqual(rules.sort(), [
      'sql.merge.key_duplicate:sku, region:1',
      'sql.merge.key_duplicate:sku, region:4',
      'sql.merge.key_null:region:3',
    ]);
  });

  test('a key or partition column the rows lack is SQL_MERGE_KEY_MISSING / SQL_PARTITION_COLUMN_MISSING', async () => {
    await assert.rejects(kit.runJob(merge('silver.people_failed', { key: ['id', 'nope'] })), (error: Refusal) => {
      assert.equal(error.code, 'SQL_MERGE_KEY_MISSING');
      assert.equal(error.details?.path, 'config.write.key[1]');
      return true;
    });
    await assert.rejects(
      kit.runJob({
        operator: sqlOperator,
        config: { sql: 'SELECT * FROM bronze.people', write: { partitionBy: ['nope'] } },
        inputs: ['bronze.people'],
        output: 'silver.people_failed',
      }),
      (error: Refusal) => {
        assert.equal(error.code, 'SQL_PARTITION_COLUMN_MISSING');
        assert.equal(error.details?.path, 'config.write.partitionBy[0]');
        return true;
      },
    );
    await assert.rejects(
      kit.runJob({
        operator: sqlOperator,
        config: { sql: 'SELECT 1 AS id', write: { mode: 'append', onKeyProblem: 'quarantine' } },
        inputs: ['bronze.people'],
        output: 'silver.people_failed',
      }),
      (error: Refusal) => {
        assert.equal(error.code, 'JOB_CONFIG_INVALID');
        assert.equal(error.details?.path, 'config.write.onKeyProblem');
        return true;
      },
    );
    assert.equal(await kit.version('silver.people_failed'), undefined);
  });
});

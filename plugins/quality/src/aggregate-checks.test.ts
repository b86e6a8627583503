import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { evaluateChecks, type TestCheck } from '@assay/sdk/testing';
import { customSqlCheck } from './custom-sql.check.ts';
import { meanCheck } from './mean.check.ts';
import { nullRateCheck } from './null-rate.check.ts';
import { rowCountCheck } from './row-count.check.ts';
import { stddevCheck } from './stddev.check.ts';
import { sumCheck } from './sum.check.ts';
import { uniqueCheck } from './unique.check.ts';

// amount: 2, 4, 4, 4, 5, 5, 7, 9 and one NULL: sum 40, mean 5, sample stddev sqrt(32/7).
const SALES = `SELECT * FROM (VALUES
  (1, 'a', 'x', 2), (2, 'a', 'y', 4), (3, 'b', 'x', 4), (4, 'b', 'x', 4), (5, 'c', NULL, 5),
  (6, 'c', NULL, 5), (7, NULL, 'z', 7), (8, NULL, 'z', 9), (9, 'd', 'w', NULL)
) AS t(id, region, channel, amount)`;
const EMPTY = `SELECT 1 AS id, 'a' AS region, 'x' AS channel, 1 AS amount WHERE false`;

async function run(check: TestCheck, select = SALES) {
  const [result] = await evaluateChecks({ 'gold.sales': select }, 'gold.sales', [check]);
  assert.ok(result);
  assert.equal(result.kind, 'aggregate');
  return [result.passed, result.observed] as const;
}

describe('unique', () => {
  const check = (config: Record<string, unknown>) => ({ definition: uniqueCheck, config });
  test('one column: counts every row of a repeated key', async () => {
    assert.deepEqual(await run(check({ column: 'id' })), [true, 0]);
    // region a, b, c twice each; the two NULL regions are not keys.
    assert.deepEqual(await run(check({ column: 'region' })), [false, 6]);
  });
  test('several columns: a row with NULL in any key column is not counted', async () => {
    // (b, x) twice; (c, NULL) twice is left out; (NULL, z) twice is left out.
    assert.deepEqual(await run(check({ columns: ['region', 'channel'] })), [false, 2]);
    assert.deepEqual(await run(check({ columns: ['id', 'region'] })), [true, 0]);
  });
  test('empty table, where and mostly', async () => {
    assert.deepEqual(await run(check({ column: 'region' }), EMPTY), [true, 0]);
    assert.deepEqual(await run({ ...check({ column: 'region' }), where: 'id <> 4 AND id < 5' }), [false, 2]);
    assert.deepEqual(await run({ ...check({ column: 'region' }), where: 'id IN (1, 3, 5)' }), [true, 0]);
    // mostly is for row checks: an aggregate check is judged on its bounds alone.
    assert.deepEqual(await run({ ...check({ column: 'region' }), mostly: 0 }), [false, 6]);
  });
});

describe('row_count', () => {
  const check = (config: Record<string, unknown>) => ({ definition: rowCountCheck, config });
  test('between min and max, inclusive', async () => {
    assert.deepEqual(await run(check({ min: 9, max: 9 })), [true, 9]);
    assert.deepEqual(await run(check({ min: 10 })), [false, 9]);
    assert.deepEqual(await run(check({ max: 8 })), [false, 9]);
  });
  test('empty table and where', async () => {
    assert.deepEqual(await run(check({ min: 1 }), EMPTY), [false, 0]);
    assert.deepEqual(await run(check({ max: 0 }), EMPTY), [true, 0]);
    assert.deepEqual(await run({ ...check({ min: 3, max: 3 }), where: 'amount >= 5' }), [false, 4]);
    assert.deepEqual(await run({ ...check({ max: 9 }), mostly: 0.5 }), [true, 9]);
  });
});

describe('null_rate', () => {
  const check = (column: string, max: number) => ({ definition: nullRateCheck, config: { column, max } });
  test('the share of NULLs in percent, at most max', async () => {
    const [passed, observed] = await run(check('channel', 25));
    assert.equal(passed, true);
    assert.ok(Math.abs(observed! - 200 / 9) < 1e-9);
    assert.equal((await run(check('channel', 20)))[0], false);
    assert.deepEqual(await run(check('id', 0)), [true, 0]);
  });
  test('empty table, where and mostly', async () => {
    assert.deepEqual(await run(check('channel', 0), EMPTY), [true, 0]);
    assert.deepEqual(await run({ ...check('region', 50), where: 'id >= 7' }), [false, 200 / 3]);
    assert.deepEqual(await run({ ...check('region', 0), mostly: 0 }), [false, 200 / 9]);
  });
});

describe('mean, stddev and sum', () => {
  const mean = (config: Record<string, unknown>) => ({
    definition: meanCheck,
    config: { column: 'amount', ...config },
  });
  const stddev = (config: Record<string, unknown>) => ({
    definition: stddevCheck,
    config: { column: 'amount', ...config },
  });
  const sum = (config: Record<string, unknown>) => ({ definition: sumCheck, config: { column: 'amount', ...config } });
  test('NULLs are ignored; bounds are inclusive', async () => {
    assert.deepEqual(await run(mean({ min: 5, max: 5 })), [true, 5]);
    assert.deepEqual(await run(mean({ min: 5.01 })), [false, 5]);
    assert.deepEqual(await run(sum({ min: 40, max: 40 })), [true, 40]);
    assert.deepEqual(await run(sum({ max: 39 })), [false, 40]);
    const [passed, observed] = await run(stddev({ min: 2, max: 2.2 }));
    assert.equal(passed, true);
    assert.ok(Math.abs(observed! - Math.sqrt(32 / 7)) < 1e-9);
    assert.equal((await run(stddev({ max: 2 })))[0], false);
  });
  test('an empty table: no mean or stddev (fails), a sum of 0', async () => {
    assert.deepEqual(await run(mean({ min: 0 }), EMPTY), [false, null]);
    assert.deepEqual(await run(stddev({ max: 10 }), EMPTY), [false, null]);
    assert.deepEqual(await run(sum({ min: 0, max: 0 }), EMPTY), [true, 0]);
  });
  test('where and mostly', async () => {
    assert.deepEqual(await run({ ...mean({ max: 3 }), where: "region IN ('a', 'b')" }), [false, 3.5]);
    assert.deepEqual(await run({ ...sum({ max: 14 }), where: "region IN ('a', 'b')" }), [true, 14]);
    assert.deepEqual(await run({ ...stddev({ min: 0, max: 0 }), where: 'amount = 4' }), [true, 0]);
    assert.deepEqual(await run({ ...sum({ max: 39 }), mostly: 0 }), [false, 40]);
  });
});

describe('custom_sql', () => {
  test('a row predicate: false fails, NULL passes', async () => {
    const [result] = await evaluateChecks({ 'gold.sales': SALES }, 'gold.sales', [
      { definition: customSqlCheck, config: { predicate: 'amount < 7 OR region IS NULL' } },
      { definition: customSqlCheck, config: { predicate: 'amount % 2 = 0' }, mostly: 0.5 },
      { definition: customSqlCheck, config: { predicate: 'amount > 2' }, where: 'id > 1' },
    ]).then((results) => [results.map((r) => [r.kind, r.passed, r.checked, r.failing])]);
    assert.deepEqual(result, [
      ['row', true, 9, 0],
      ['row', true, 9, 4],
      ['row', true, 8, 0],
    ]);
  });
  test('an aggregate expression with bounds', async () => {
    const expression = (config: Record<string, unknown>) => ({ definition: customSqlCheck, config });
    assert.deepEqual(await run(expression({ expression: 'count(DISTINCT region)', min: 4, max: 4 })), [true, 4]);
    assert.deepEqual(await run(expression({ expression: 'max(amount) - min(amount)', max: 6 })), [false, 7]);
    assert.deepEqual(await run(expression({ expression: 'count(*)', min: 1 }), EMPTY), [false, 0]);
    assert.deepEqual(await run({ ...expression({ expression: 'max(amount)', max: 5 }), where: 'id < 7' }), [true, 5]);
  });
  test('a failing predicate on an empty table passes', async () => {
    const [result] = await evaluateChecks({ 'gold.sales': EMPTY }, 'gold.sales', [
      { definition: customSqlCheck, config: { predicate: 'false' } },
    ]);
    assert.deepEqual([result?.passed, result?.checked, result?.failing], [true, 0, 0]);
  });
});

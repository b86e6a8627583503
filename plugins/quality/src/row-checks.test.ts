import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { evaluateChecks, type TestCheck } from '@assay/sdk/testing';
import { acceptedValuesCheck } from './accepted-values.check.ts';
import { notNullCheck } from './not-null.check.ts';
import { rangeCheck } from './range.check.ts';
import { referentialCheck } from './referential.check.ts';
import { regexCheck } from './regex.check.ts';
import { typeCheck } from './type.check.ts';

const ORDERS = `SELECT * FROM (VALUES
  (1, 'open',    'AB-1234', '42',   10.5, DATE '2024-01-01', 'c1'),
  (2, 'shipped', 'ab-1234', 'x',    0.0,  DATE '2024-02-15', 'c2'),
  (3, 'lost',    'ZZ-12',   '7',    100,  DATE '2024-03-31', 'c9'),
  (4, NULL,      NULL,      NULL,   NULL, NULL,              NULL),
  (5, 'open',    'CD-9999', '3.5',  -1,   DATE '2023-12-31', 'c1')
) AS t(id, status, code, qty, amount, ordered_on, customer)`;
const EMPTY = `SELECT 1 AS id, 'x' AS status, 'x' AS code, 'x' AS qty, 1.0 AS amount, DATE '2024-01-01' AS ordered_on, 'x' AS customer WHERE false`;
const CUSTOMERS = `SELECT * FROM (VALUES ('c1'), ('c2'), (NULL)) AS t(customer_id)`;

async function run(check: TestCheck, select = ORDERS) {
  const [result] = await evaluateChecks({ 'silver.orders': select, 'silver.customers': CUSTOMERS }, 'silver.orders', [
    check,
  ]);
  assert.ok(result);
  return result;
}

async function failing(
  check: TestCheck,
  select = ORDERS,
): Promise<[passed: boolean, checked: number, failing: number]> {
  const result = await run(check, select);
  return [result.passed, result.checked, result.failing];
}

describe('not_null', () => {
  const check = (column: string) => ({ definition: notNullCheck, config: { column } });
  test('passes on a full column and fails each NULL', async () => {
    assert.deepEqual(await failing(check('id')), [true, 5, 0]);
    const result = await run(check('status'));
    assert.deepEqual([result.passed, result.failing, result.failingPercent], [false, 1, 20]);
    assert.equal(result.sample[0]?.id, 4);
  });
  test('an empty table passes', async () => assert.deepEqual(await failing(check('status'), EMPTY), [true, 0, 0]));
  test('where and mostly', async () => {
    assert.deepEqual(await failing({ ...check('status'), where: 'id < 4' }), [true, 3, 0]);
    assert.deepEqual(await failing({ ...check('status'), mostly: 0.8 }), [true, 5, 1]);
    assert.deepEqual(await failing({ ...check('status'), mostly: 0.81 }), [false, 5, 1]);
  });
});

describe('accepted_values', () => {
  const check = (values: unknown[], column = 'status') => ({
    definition: acceptedValuesCheck,
    config: { column, values },
  });
  test('passes when every value is listed, NULL included', async () => {
    assert.deepEqual(await failing(check(['open', 'shipped', 'lost'])), [true, 5, 0]);
  });
  test('fails each unlisted value', async () => {
    assert.deepEqual(await failing(check(['open'])), [false, 5, 2]);
    assert.deepEqual(await failing(check([1, 2, 3], 'id')), [false, 5, 2]);
  });
  test('strings with quotes and booleans', async () => {
    const select = `SELECT * FROM (VALUES ('it''s', true), ('no', false), (NULL, NULL)) AS t(s, b)`;
    assert.deepEqual(await failing(check(["it's"], 's'), select), [false, 3, 1]);
    assert.deepEqual(await failing(check([true], 'b'), select), [false, 3, 1]);
  });
  test('empty table, where and mostly', async () => {
    assert.deepEqual(await failing(check(['open']), EMPTY), [true, 0, 0]);
    assert.deepEqual(await failing({ ...check(['open']), where: 'id <> 2 AND id <> 3' }), [true, 3, 0]);
    assert.deepEqual(await failing({ ...check(['open']), mostly: 0.6 }), [true, 5, 2]);
    assert.deepEqual(await failing({ ...check(['open']), mostly: 0.7 }), [false, 5, 2]);
  });
});

describe('range', () => {
  const check = (config: Record<string, unknown>) => ({
    definition: rangeCheck,
    config: { column: 'amount', ...config },
  });
  test('inclusive numbers: bounds pass, values outside fail, NULL passes', async () => {
    assert.deepEqual(await failing(check({ min: -1, max: 100 })), [true, 5, 0]);
    assert.deepEqual(await failing(check({ min: 0, max: 10.5 })), [false, 5, 2]);
    assert.deepEqual(await failing(check({ min: 0 })), [false, 5, 1]);
    assert.deepEqual(await failing(check({ max: 50 })), [false, 5, 1]);
  });
  test('exclusive bounds fail the bound itself', async () => {
    assert.deepEqual(await failing(check({ min: -1, max: 100, exclusiveMin: true })), [false, 5, 1]);
    assert.deepEqual(await failing(check({ min: -1, max: 100, exclusiveMin: true, exclusiveMax: true })), [
      false,
      5,
      2,
    ]);
  });
  test('dates and timestamps', async () => {
    assert.deepEqual(await failing(check({ column: 'ordered_on', min: '2024-01-01', max: '2024-03-31' })), [
      false,
      5,
      1,
    ]);
    assert.deepEqual(await failing(check({ column: 'ordered_on', max: '2024-03-31', exclusiveMax: true })), [
      false,
      5,
      1,
    ]);
    assert.deepEqual(await failing(check({ column: 'ordered_on', min: '2024-01-01T00:00:00' })), [false, 5, 1]);
  });
  test('string lengths', async () => {
    assert.deepEqual(await failing(check({ column: 'code', length: true, min: 7, max: 7 })), [false, 5, 1]);
    assert.deepEqual(await failing(check({ column: 'code', length: true, min: 5 })), [true, 5, 0]);
  });
  test('empty table, where and mostly', async () => {
    assert.deepEqual(await failing(check({ min: 0 }), EMPTY), [true, 0, 0]);
    assert.deepEqual(await failing({ ...check({ min: 0 }), where: 'id < 5' }), [true, 4, 0]);
    assert.deepEqual(await failing({ ...check({ min: 0, max: 10.5 }), mostly: 0.6 }), [true, 5, 2]);
    assert.deepEqual(await failing({ ...check({ min: 0, max: 10.5 }), mostly: 0.61 }), [false, 5, 2]);
  });
});

describe('regex', () => {
  const check = (config: Record<string, unknown>) => ({
    definition: regexCheck,
    config: { column: 'code', pattern: '[A-Z]{2}-\\d{4}', ...config },
  });
  test('full match only; NULL passes', async () => {
    assert.deepEqual(await failing(check({})), [false, 5, 2]);
    assert.deepEqual(await failing(check({ pattern: '[A-Z]{2}' })), [false, 5, 4]);
    assert.deepEqual(await failing(check({ pattern: '[A-Za-z]{2}-\\d+' })), [true, 5, 0]);
  });
  test('case-insensitive and non-text columns', async () => {
    assert.deepEqual(await failing(check({ caseInsensitive: true })), [false, 5, 1]);
    assert.deepEqual(await failing(check({ column: 'id', pattern: '[1-3]' })), [false, 5, 2]);
  });
  test('a pattern that does not compile is reported by DuckDB', async () => {
    await assert.rejects(run(check({ pattern: '([A-Z' })));
  });
  test('empty table, where and mostly', async () => {
    assert.deepEqual(await failing(check({}), EMPTY), [true, 0, 0]);
    assert.deepEqual(await failing({ ...check({}), where: 'id IN (1, 4, 5)' }), [true, 3, 0]);
    assert.deepEqual(await failing({ ...check({}), mostly: 0.6 }), [true, 5, 2]);
    assert.deepEqual(await failing({ ...check({}), mostly: 0.9 }), [false, 5, 2]);
  });
});

describe('type', () => {
  const check = (type: string) => ({ definition: typeCheck, config: { column: 'qty', type } });
  test('values that do not cast fail; NULL passes', async () => {
    assert.deepEqual(await failing(check('DOUBLE')), [false, 5, 1]);
    // DuckDB rounds '3.5' to 4 when casting to an integer, so only 'x' fails.
    assert.deepEqual(await failing(check('BIGINT')), [false, 5, 1]);
    assert.deepEqual(await failing(check('DATE')), [false, 5, 4]);
    assert.deepEqual(await failing(check('DECIMAL(10,2)')), [false, 5, 1]);
    assert.deepEqual(await failing(check('VARCHAR')), [true, 5, 0]);
  });
  test('empty table, where and mostly', async () => {
    assert.deepEqual(await failing(check('BIGINT'), EMPTY), [true, 0, 0]);
    assert.deepEqual(await failing({ ...check('BIGINT'), where: 'id IN (1, 3)' }), [true, 2, 0]);
    assert.deepEqual(await failing({ ...check('DATE'), mostly: 0.2 }), [true, 5, 4]);
    assert.deepEqual(await failing({ ...check('DATE'), mostly: 0.4 }), [false, 5, 4]);
  });
});

describe('referential', () => {
  const check = {
    definition: referentialCheck,
    config: { column: 'customer', dataset: 'silver.customers', key: 'customer_id' },
  };
  test('a value missing from the other dataset fails, even with NULL keys there; NULL passes', async () => {
    const result = await run(check);
    assert.deepEqual([result.passed, result.checked, result.failing], [false, 5, 1]);
    assert.equal(result.sample[0]?.customer, 'c9');
  });
  test('passes when every value exists', async () => {
    assert.deepEqual(await failing({ ...check, where: "customer IS DISTINCT FROM 'c9'" }), [true, 4, 0]);
  });
  test('empty table and mostly', async () => {
    assert.deepEqual(await failing(check, EMPTY), [true, 0, 0]);
    assert.deepEqual(await failing({ ...check, mostly: 0.8 }), [true, 5, 1]);
    assert.deepEqual(await failing({ ...check, mostly: 0.9 }), [false, 5, 1]);
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { evaluateChecks, type TestCheck } from '@assay/sdk/testing';
import { freshnessCheck } from './freshness.check.ts';

// Newest values: d 2024-03-10 (midnight UTC), ts 05:30 (no zone: UTC), tz 06:15+02 = 04:15 UTC; gone is all NULL.
const EVENTS = `SELECT * FROM (VALUES
  (1, DATE '2024-03-08', TIMESTAMP '2024-03-09 23:00:00', TIMESTAMPTZ '2024-03-09 12:00:00+00', NULL::TIMESTAMP, 'x'),
  (2, DATE '2024-03-10', TIMESTAMP '2024-03-10 05:30:00', TIMESTAMPTZ '2024-03-10 06:15:00+02', NULL::TIMESTAMP, 'y'),
  (3, NULL,              NULL,                            NULL,                                  NULL::TIMESTAMP, NULL)
) AS t(id, d, ts, tz, gone, label)`;
const EMPTY = `SELECT * FROM (${EVENTS}) WHERE false`;
const NOW = new Date('2024-03-10T06:00:00Z');

async function run(check: TestCheck, select = EVENTS, now = NOW) {
  const [result] = await evaluateChecks({ 'bronze.events': select }, 'bronze.events', [check], { now });
  assert.ok(result);
  assert.equal(result.kind, 'aggregate');
  return [result.passed, result.observed] as const;
}
const check = (column: string, maxLagMinutes: number) => ({
  definition: freshnessCheck,
  config: { column, maxLagMinutes },
});

describe('freshness', () => {
  test('the lag in minutes of the newest DATE, TIMESTAMP and TIMESTAMPTZ value, at most maxLagMinutes', async () => {
    assert.deepEqual(await run(check('d', 360)), [true, 360]);
    assert.deepEqual(await run(check('d', 359)), [false, 360]);
    assert.deepEqual(await run(check('ts', 30)), [true, 30]);
    assert.deepEqual(await run(check('ts', 29.9)), [false, 30]);
    assert.deepEqual(await run(check('tz', 105)), [true, 105]);
    assert.deepEqual(await run(check('tz', 104)), [false, 105]);
  });

  test('the time of the observation is compiled in: a later run sees a larger lag', async () => {
    assert.deepEqual(await run(check('ts', 60), EVENTS, new Date('2024-03-10T07:00:00Z')), [false, 90]);
    // A newest value after the observation (clock skew) is a negative lag and passes.
    assert.deepEqual(await run(check('ts', 0), EVENTS, new Date('2024-03-10T05:00:00Z')), [true, -30]);
  });

  test('NULLs are ignored; a column of NULLs and an empty table have no newest value and fail', async () => {
    assert.deepEqual(await run(check('gone', 1e9)), [false, null]);
    assert.deepEqual(await run(check('ts', 1e9), EMPTY), [false, null]);
  });

  test('where: the newest of the rows it keeps', async () => {
    assert.deepEqual(await run({ ...check('ts', 420), where: 'id = 1' }), [true, 420]);
    assert.deepEqual(await run({ ...check('ts', 419), where: 'id = 1' }), [false, 420]);
    assert.deepEqual(await run({ ...check('ts', 1e9), where: 'id = 3' }), [false, null]);
  });

  test('a column that is not a date or timestamp, or not there, is refused', async () => {
    for (const [column, message] of [
      ['label', /freshness.*column "label" is VARCHAR: freshness needs a DATE or TIMESTAMP column/],
      ['missing', /freshness.*column "missing" is not in the dataset/],
    ] as const) {
      await assert.rejects(run(check(column, 1)), (error: { code?: string; message: string }) => {
        assert.equal(error.code, 'CHECK_CONFIG_INVALID');
        assert.match(error.message, message);
        return true;
      });
    }
    // Names bind as SQL binds them, case-insensitively.
    assert.deepEqual(await run(check('TS', 30)), [true, 30]);
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { evaluateChecks, type TestCheck, type TestCheckOptions } from '@assay/sdk/testing';
import { nullRateCheck } from './null-rate.check.ts';
import { rowCountChangeCheck } from './row-count-change.check.ts';

// 9 rows; channel is NULL in 2 of them (22.2 %), region in 2 (of the last 3: 66.7 %).
const SALES = `SELECT * FROM (VALUES
  (1, 'a', 'x', 2), (2, 'a', 'y', 4), (3, 'b', 'x', 4), (4, 'b', 'x', 4), (5, 'c', NULL, 5),
  (6, 'c', NULL, 5), (7, NULL, 'z', 7), (8, NULL, 'z', 9), (9, 'd', 'w', NULL)
) AS t(id, region, channel, amount)`;
const EMPTY = `SELECT 1 AS id, 'a' AS region, 'x' AS channel, 1 AS amount WHERE false`;
const AT = new Date('2024-03-04T06:00:00Z');

/** Earlier observations, one a day before AT, oldest first. */
const earlier = (...values: number[]) =>
  values.map((observed, index) => ({ observed, at: new Date(AT.getTime() - (values.length - index) * 86_400_000) }));

async function run(check: TestCheck, history: number[] = [], select = SALES, options: TestCheckOptions = {}) {
  const [result] = await evaluateChecks({ 'gold.sales': select }, 'gold.sales', [{ id: 'c', ...check }], {
    history: { c: earlier(...history) },
    now: AT,
    ...options,
  });
  assert.ok(result);
  assert.equal(result.kind, 'aggregate');
  return result;
}
const verdict = async (...args: Parameters<typeof run>) => {
  const result = await run(...args);
  return [result.passed, result.observed, result.baseline] as const;
};

describe('row_count_change', () => {
  const check = (config: Record<string, unknown>) => ({ definition: rowCountChangeCheck, config });

  test('against the previous run: the change in percent within the bounds, inclusive', async () => {
    assert.deepEqual(await verdict(check({ maxDecreasePercent: 10 }), [20, 10]), [true, 9, 10]);
    assert.deepEqual(await verdict(check({ maxDecreasePercent: 9.99 }), [20, 10]), [false, 9, 10]);
    assert.deepEqual(await verdict(check({ maxIncreasePercent: 50 }), [6]), [true, 9, 6]);
    const up = await run(check({ maxIncreasePercent: 49, maxDecreasePercent: 49 }), [6]);
    assert.deepEqual([up.passed, up.note], [false, '+50% against the previous value (6), more than the allowed +49%']);
    // Only the bound given is judged.
    assert.deepEqual(await verdict(check({ maxIncreasePercent: 1 }), [100]), [true, 9, 100]);
  });

  test('against the median of the last window runs', async () => {
    // The last three: 9, 18, 12 → 12; 9 is 25 % down.
    const rolling = { baseline: 'rolling', window: 3 };
    assert.deepEqual(await verdict(check({ ...rolling, maxDecreasePercent: 25 }), [1, 9, 18, 12]), [true, 9, 12]);
    assert.deepEqual(await verdict(check({ ...rolling, maxDecreasePercent: 24 }), [1, 9, 18, 12]), [false, 9, 12]);
    // The default window is 7: the median of 1, 9, 18, 12, 30, 40, 50 is 18 (the 1000 before them is left out).
    assert.deepEqual(
      await verdict(check({ baseline: 'rolling', maxDecreasePercent: 50 }), [1000, 1, 9, 18, 12, 30, 40, 50]),
      [true, 9, 18],
    );
  });

  test('the first run has nothing to compare with and passes, saying so', async () => {
    const first = await run(check({ maxDecreasePercent: 0 }));
    assert.deepEqual(
      [first.passed, first.observed, first.baseline, first.note],
      [true, 9, null, 'no earlier observation to compare with'],
    );
  });

  test('an empty table: down 100 %, or no change after an empty run', async () => {
    assert.deepEqual(await verdict(check({ maxDecreasePercent: 99 }), [5], EMPTY), [false, 0, 5]);
    assert.deepEqual(await verdict(check({ maxDecreasePercent: 100 }), [5], EMPTY), [true, 0, 5]);
    assert.deepEqual(await verdict(check({ maxIncreasePercent: 0 }), [0], EMPTY), [true, 0, 0]);
    // From 0 rows to any is an infinite increase.
    assert.deepEqual(await verdict(check({ maxIncreasePercent: 1e6 }), [0]), [false, 9, 0]);
  });

  test('rows with NULLs count; where counts the rows it keeps; mostly does not apply', async () => {
    assert.deepEqual(await verdict({ ...check({ maxDecreasePercent: 0 }), where: 'amount >= 5' }, [4]), [true, 4, 4]);
    assert.deepEqual(await verdict({ ...check({ maxDecreasePercent: 0 }), where: 'amount >= 5' }, [5]), [false, 4, 5]);
    assert.deepEqual(await verdict({ ...check({ maxDecreasePercent: 0 }), mostly: 0 }, [10]), [false, 9, 10]);
  });
});

describe('null_rate with maxSpike', () => {
  const check = (config: Record<string, unknown>) => ({
    definition: nullRateCheck,
    config: { column: 'channel', ...config },
  });
  const RATE = 200 / 9;

  test('at most maxSpike points above the median of the last window runs', async () => {
    // The last 3 of 50, 10, 20, 12: median 12; 22.2 % is 10.2 points above it.
    assert.deepEqual(await verdict(check({ maxSpike: 10.3, window: 3 }), [50, 10, 20, 12]), [true, RATE, 12]);
    const spiked = await run(check({ maxSpike: 10, window: 3 }), [50, 10, 20, 12]);
    assert.deepEqual([spiked.passed, spiked.observed, spiked.baseline], [false, RATE, 12]);
    assert.match(spiked.note!, /^10\.2222 above the median of the last 3 \(12\), more than the allowed 10$/);
    // Default window 7: the median of all four is 16; a fall is never a spike.
    assert.deepEqual(await verdict(check({ maxSpike: 7 }), [50, 10, 20, 12]), [true, RATE, 16]);
    assert.deepEqual(await verdict(check({ maxSpike: 0 }), [90, 80]), [true, RATE, 85]);
  });

  test('max and maxSpike together: both must hold', async () => {
    assert.deepEqual(await verdict(check({ max: 20, maxSpike: 50 }), [20]), [false, RATE, 20]);
    assert.deepEqual(await verdict(check({ max: 30, maxSpike: 1 }), [20]), [false, RATE, 20]);
    assert.deepEqual(await verdict(check({ max: 30, maxSpike: 3 }), [20]), [true, RATE, 20]);
  });

  test('no history, an empty table, where', async () => {
    const first = await run(check({ maxSpike: 0 }));
    assert.deepEqual(
      [first.passed, first.baseline, first.note],
      [true, null, 'no earlier observation to compare with'],
    );
    assert.deepEqual(await verdict(check({ maxSpike: 0 }), [0], EMPTY), [true, 0, 0]);
    // region: 2 NULLs in the 3 rows from id 7 on.
    assert.deepEqual(await verdict({ ...check({ column: 'region', maxSpike: 60 }), where: 'id >= 7' }, [10]), [
      true,
      200 / 3,
      10,
    ]);
    assert.deepEqual(await verdict({ ...check({ column: 'region', maxSpike: 50 }), where: 'id >= 7' }, [10]), [
      false,
      200 / 3,
      10,
    ]);
  });

  test('max alone still works without history, and has no baseline', async () => {
    const result = await run(check({ max: 25 }), [0]);
    assert.deepEqual([result.passed, result.observed, 'baseline' in result], [true, RATE, false]);
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { quoteIdentifier } from '@assay/sdk';
import { evaluateChecks, type TestCheck, type TestCheckResult } from '@assay/sdk/testing';
import { anomalyCheck } from './anomaly.check.ts';

const DAY = 86_400_000;
/** Monday 2024-01-01, 06:00 UTC: the daily run. */
const START = Date.UTC(2024, 0, 1, 6);
const dayAt = (day: number) => new Date(START + day * DAY);

// 9 rows; channel NULL in 2 (22.2 %); amount sums to 40.
const SALES = `SELECT * FROM (VALUES
  (1, 'a', 'x', 2), (2, 'a', 'y', 4), (3, 'b', 'x', 4), (4, 'b', 'x', 4), (5, 'c', NULL, 5),
  (6, 'c', NULL, 5), (7, NULL, 'z', 7), (8, NULL, 'z', 9), (9, 'd', 'w', NULL)
) AS t(id, region, channel, amount)`;
const EMPTY = `SELECT 1 AS id, 'a' AS region, 'x' AS channel, 1 AS amount WHERE false`;

/** Runs checks on one day's rows with the given earlier observations (`id → values`, one a day before `day`). */
async function runOn(
  select: string,
  checks: readonly TestCheck[],
  day: number,
  history: Record<string, ReadonlyArray<{ observed: number; at: Date }>>,
): Promise<TestCheckResult[]> {
  return evaluateChecks({ 'gold.sales': select }, 'gold.sales', checks, { now: dayAt(day), history });
}
/** Daily observations of `values`, the last on the day before `day`. */
const daily = (values: readonly number[], day = values.length) =>
  values.map((observed, index) => ({ observed, at: dayAt(day - values.length + index) }));

describe('anomaly: metrics', () => {
  const check = (config: Record<string, unknown>) => ({
    id: 'a',
    definition: anomalyCheck,
    config: { seasonality: 'none', minHistory: 5, ...config },
  });
  const judge = async (config: Record<string, unknown>, values: number[], select = SALES, where?: string) => {
    const [result] = await runOn(
      select,
      [{ ...check(config), ...(where === undefined ? {} : { where }) }],
      values.length,
      {
        a: daily(values),
      },
    );
    return [result!.passed, result!.observed, result!.baseline] as const;
  };

  test('row_count, null_rate, sum and a custom expression, each against its own history', async () => {
    assert.deepEqual(await judge({ metric: 'row_count' }, [9, 10, 8, 9, 11]), [true, 9, 9]);
    assert.deepEqual(await judge({ metric: 'row_count' }, [20, 21, 19, 20, 22]), [false, 9, 20]);
    const [passed, rate] = await judge({ metric: 'null_rate', column: 'channel' }, [1, 0, 2, 1, 0]);
    assert.deepEqual([passed, Math.abs(rate! - 200 / 9) < 1e-9], [false, true]);
    assert.deepEqual((await judge({ metric: 'null_rate', column: 'channel' }, [21, 23, 22, 20, 24]))[0], true);
    assert.deepEqual(await judge({ metric: 'sum', column: 'amount' }, [41, 39, 40, 42, 38]), [true, 40, 40]);
    assert.deepEqual(await judge({ metric: 'sum', column: 'amount' }, [80, 79, 81, 80, 82]), [false, 40, 80]);
    assert.deepEqual(await judge({ metric: 'custom', expression: 'count(DISTINCT region)' }, [4, 4, 5, 4, 3]), [
      true,
      4,
      4,
    ]);
  });

  test('sensitivity: lower flags more', async () => {
    // History 8..12: median 10, leave-one-out MAD 1.5 → spread 2.2239; 15 is z = 2.25.
    assert.deepEqual(await judge({ metric: 'custom', expression: '15', sensitivity: 2.3 }, [8, 9, 10, 11, 12]), [
      true,
      15,
      10,
    ]);
    assert.deepEqual(await judge({ metric: 'custom', expression: '15', sensitivity: 2.2 }, [8, 9, 10, 11, 12]), [
      false,
      15,
      10,
    ]);
  });

  test('NULLs, an empty table and where', async () => {
    // NULL amounts are left out of the sum; an empty table sums to 0 and has 0 rows: far below the history.
    assert.deepEqual(await judge({ metric: 'sum', column: 'amount' }, [41, 39, 40, 42, 38], EMPTY), [false, 0, 40]);
    assert.deepEqual(await judge({ metric: 'row_count' }, [0, 0, 0, 0, 0], EMPTY), [true, 0, 0]);
    assert.deepEqual(await judge({ metric: 'row_count' }, [4, 4, 5, 3, 4], SALES, 'amount >= 5'), [true, 4, 4]);
    assert.deepEqual(await judge({ metric: 'row_count' }, [9, 9, 10, 8, 9], SALES, 'amount >= 5'), [false, 4, 9]);
    // A custom expression that is NULL (no rows) has no value to judge and fails.
    const [none] = await runOn(EMPTY, [check({ metric: 'custom', expression: 'max(amount)' })], 5, {
      a: daily([1, 2, 3, 4, 5]),
    });
    assert.deepEqual([none!.passed, none!.observed, none!.note], [false, null, 'no value observed']);
  });

  test('configs that do not fit the metric are refused', () => {
    const ctx = { relation: '"gold"."sales"', quote: quoteIdentifier, columns: [], now: new Date() };
    for (const [config, message] of [
      [{ metric: 'null_rate' }, /anomaly.*metric null_rate needs a column/],
      [{ metric: 'sum' }, /metric sum needs a column/],
      [{ metric: 'row_count', column: 'id' }, /column goes with the null_rate and sum metrics, not row_count/],
      [{ metric: 'custom' }, /metric custom needs an expression/],
      [{ metric: 'sum', column: 'amount', expression: 'sum(x)' }, /expression goes with metric custom, not sum/],
    ] as const) {
      assert.throws(
        () => anomalyCheck.compile(ctx, config as never),
        (error: { code?: string; message: string }) => {
          assert.equal(error.code, 'CHECK_CONFIG_INVALID');
          assert.match(error.message, message);
          return true;
        },
      );
    }
  });

  test('defaults: weekday seasonality, sensitivity 3.5, at least 4 earlier values on the weekday (7 without)', () => {
    const ctx = { relation: '"gold"."sales"', quote: quoteIdentifier, columns: [], now: new Date() };
    assert.deepEqual(anomalyCheck.compile(ctx, { metric: 'row_count' }), {
      kind: 'aggregate',
      expression: 'count(*)',
      history: { method: 'anomaly', sensitivity: 3.5, seasonality: 'weekday', minHistory: 4 },
    });
    assert.deepEqual(anomalyCheck.compile(ctx, { metric: 'row_count', seasonality: 'none' }), {
      kind: 'aggregate',
      expression: 'count(*)',
      history: { method: 'anomaly', sensitivity: 3.5, seasonality: 'none', minHistory: 7 },
    });
  });
});

describe('anomaly: a daily series with weekly seasonality', () => {
  /** A deterministic noise source (a linear congruential generator), roughly normal with standard deviation 1. */
  function noise(seed: number): () => number {
    let state = seed >>> 0;
    const uniform = () => (state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0) / 2 ** 32;
    return () => (uniform() + uniform() + uniform() + uniform() - 2) * Math.sqrt(3);
  }
  const DAYS = 70;
  const DROP = 52; // a Thursday in week 8
  const next = noise(1);
  // Weekdays about 1000 rows (± 3 %), weekends about 300 (± 3 %); one weekday drops to 400.
  const counts = Array.from({ length: DAYS }, (_, day) => {
    const weekend = [0, 6].includes(dayAt(day).getUTCDay());
    return day === DROP ? 400 : Math.round(weekend ? 300 + 10 * next() : 1000 + 30 * next());
  });

  test('fails on the drop day only; too little history reports insufficient history; without seasonality weekends are flagged', async () => {
    assert.equal(dayAt(DROP).getUTCDay(), 4);
    const checks = [
      { id: 'seasonal', definition: anomalyCheck, config: { metric: 'row_count' } },
      { id: 'flat', definition: anomalyCheck, config: { metric: 'row_count', seasonality: 'none' } },
    ];
    const history: Record<string, Array<{ observed: number; at: Date }>> = { seasonal: [], flat: [] };
    const days: Array<{ day: number; seasonal: TestCheckResult; flat: TestCheckResult }> = [];
    for (let day = 0; day < DAYS; day++) {
      const [seasonal, flat] = await runOn(`SELECT range AS id FROM range(${counts[day]})`, checks, day, history);
      assert.equal(seasonal!.observed, counts[day], 'the observed value is the day’s row count');
      days.push({ day, seasonal: seasonal!, flat: flat! });
      // The runner keeps each run's observations; the next day's check sees them as history.
      history.seasonal!.push({ observed: seasonal!.observed!, at: dayAt(day) });
      history.flat!.push({ observed: flat!.observed!, at: dayAt(day) });
    }

    assert.deepEqual(
      days.filter(({ seasonal }) => !seasonal.passed).map(({ day }) => day),
      [DROP],
      'the weekday seasonal check flags the drop and nothing else',
    );
    const drop = days[DROP]!.seasonal;
    assert.ok(drop.baseline! > 950 && drop.baseline! < 1050, `compared with the Thursdays’ median, ${drop.baseline}`);
    assert.match(drop.note!, /^robust z-score [\d.]+ against the median [\d.]+ of 7 observations on a Thursday, above/);

    // The first four weeks have fewer than 4 earlier values on their weekday: passed, and said so.
    for (const { day, seasonal } of days.slice(0, 28)) {
      const weekday = dayAt(day).toLocaleDateString('en-US', { weekday: 'long', timeZone: 'UTC' });
      assert.deepEqual(
        [seasonal.passed, seasonal.baseline, seasonal.note],
        [true, null, `insufficient history: ${Math.floor(day / 7)} of 4 observations on a ${weekday}`],
      );
    }
    assert.ok(days.slice(28).every(({ seasonal }) => !seasonal.note!.startsWith('insufficient')));

    // Judged against every earlier day alike, ordinary weekends look like drops.
    const flagged = days.filter(({ flat }) => !flat.passed).map(({ day }) => dayAt(day).getUTCDay());
    assert.ok(flagged.filter((weekday) => weekday === 0 || weekday === 6).length >= 10, `flagged: ${flagged}`);
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { judgeHistory, type Observation } from './judge-history.ts';

const DAY = 86_400_000;
/** 2024-01-01 is a Monday. */
const MONDAY = Date.UTC(2024, 0, 1);
const series = (values: readonly number[], start = MONDAY, step = DAY): Observation[] =>
  values.map((observed, index) => ({ observed, at: new Date(start + index * step) }));
const NOW = new Date(MONDAY + 100 * DAY);

describe('change', () => {
  const change = (bounds: { maxIncreasePercent?: number; maxDecreasePercent?: number }, rolling?: number) =>
    ({
      method: 'change',
      baseline: rolling === undefined ? 'previous' : { rolling },
      ...bounds,
    }) as const;

  test('against the previous observation, bounds inclusive on both sides', () => {
    const history = series([500, 1000]);
    assert.deepEqual(judgeHistory(change({ maxIncreasePercent: 10 }), history, 1100, NOW), {
      passed: true,
      baseline: 1000,
      note: '+10% against the previous value (1000)',
    });
    const up = judgeHistory(change({ maxIncreasePercent: 10 }), history, 1101, NOW);
    assert.deepEqual([up.passed, up.baseline], [false, 1000]);
    assert.match(up.note!, /\+10\.1% .*more than the allowed \+10%/);
    assert.equal(judgeHistory(change({ maxDecreasePercent: 20 }), history, 800, NOW).passed, true);
    assert.equal(judgeHistory(change({ maxDecreasePercent: 20 }), history, 799, NOW).passed, false);
    // Only the bound given is judged: a large drop passes a check that bounds increases only.
    assert.equal(judgeHistory(change({ maxIncreasePercent: 10 }), history, 1, NOW).passed, true);
  });

  test('against the median of the last observations', () => {
    // The last three are 100, 900, 300: median 300; the 10000 before them is outside the window.
    const history = series([10_000, 100, 900, 300]);
    const verdict = judgeHistory(change({ maxDecreasePercent: 50 }, 3), history, 149, NOW);
    assert.deepEqual([verdict.passed, verdict.baseline], [false, 300]);
    assert.match(verdict.note!, /median of the last 3 \(300\)/);
    assert.equal(judgeHistory(change({ maxDecreasePercent: 50 }, 3), history, 150, NOW).passed, true);
    // A window longer than the history takes all of it: 100, 300, 900, 10000 → 600.
    assert.equal(judgeHistory(change({ maxDecreasePercent: 50 }, 30), history, 300, NOW).baseline, 600);
  });

  test('a baseline of 0: no change stays 0, anything else is infinite', () => {
    const zero = series([0]);
    assert.equal(judgeHistory(change({ maxIncreasePercent: 1000 }), zero, 0, NOW).passed, true);
    assert.equal(judgeHistory(change({ maxIncreasePercent: 1000 }), zero, 1, NOW).passed, false);
    assert.equal(judgeHistory(change({ maxDecreasePercent: 10 }), zero, 1, NOW).passed, true, 'no bound upwards');
    assert.equal(judgeHistory(change({ maxDecreasePercent: 10 }), zero, -1, NOW).passed, false);
  });

  test('no history: passes with a note, no baseline', () => {
    assert.deepEqual(judgeHistory(change({ maxDecreasePercent: 1 }), [], 0, NOW), {
      passed: true,
      baseline: null,
      note: 'no earlier observation to compare with',
    });
  });
});

describe('spike', () => {
  const spike = (maxAbove: number, rolling = 3) => ({ method: 'spike', baseline: { rolling }, maxAbove }) as const;
  test('at most maxAbove above the rolling median; falling is never a spike', () => {
    const history = series([50, 2, 4, 3]);
    assert.deepEqual(
      [judgeHistory(spike(2), history, 5, NOW).passed, judgeHistory(spike(2), history, 5, NOW).baseline],
      [true, 3],
    );
    const verdict = judgeHistory(spike(2), history, 5.5, NOW);
    assert.deepEqual([verdict.passed, verdict.baseline], [false, 3]);
    assert.match(verdict.note!, /2\.5 above the median of the last 3 \(3\), more than the allowed 2/);
    assert.equal(judgeHistory(spike(2), history, 0, NOW).passed, true);
    assert.equal(judgeHistory(spike(2, 4), history, 7, NOW).baseline, 3.5);
  });
  test('no history passes with a note', () => {
    assert.deepEqual(judgeHistory(spike(0), [], 100, NOW), {
      passed: true,
      baseline: null,
      note: 'no earlier observation to compare with',
    });
  });
});

describe('anomaly', () => {
  const anomaly = (seasonality: 'none' | 'weekday', minHistory: number, sensitivity = 3.5) =>
    ({ method: 'anomaly', sensitivity, seasonality, minHistory }) as const;

  test('robust z-score: the distance from the median in scaled MADs of the leave-one-out residuals', () => {
    // Median 100; each value's distance from the median of the other four: 2.5, 1.5, 0, 1.5, 2.5 → MAD 1.5,
    // scaled 1.4826 × 1.5 = 2.2239; at sensitivity 3.5 values within 7.78 of 100 pass.
    const history = series([98, 99, 100, 101, 102]);
    const at = (value: number) => judgeHistory(anomaly('none', 5), history, value, NOW);
    assert.deepEqual([at(107.7).passed, at(107.7).baseline], [true, 100], 'z = 7.7 / 2.2239 = 3.46');
    assert.equal(at(107.8).passed, false, 'z = 3.51');
    assert.equal(at(92.3).passed, true, 'both directions');
    assert.equal(at(92.2).passed, false);
    assert.equal(
      at(108).note,
      'robust z-score 3.6 against the median 100 of 5 observations, above the sensitivity 3.5',
    );
    assert.equal(judgeHistory(anomaly('none', 5, 4), history, 108, NOW).passed, true, 'a higher sensitivity');
  });

  test('a weekday whose few values happen to lie close borrows the spread of the other weekdays', () => {
    // Three weeks; Mondays 1000, 1001, 1000 (a MAD of 0.5 on their own) while the other days vary by ±3 %.
    const values = Array.from({ length: 21 }, (_, day) =>
      day % 7 === 0 ? 1000 + (day % 2) : 1000 + [30, -30, 10, -10, 20, -20][day % 6]!,
    );
    const monday = new Date(MONDAY + 21 * DAY);
    const ordinary = judgeHistory(anomaly('weekday', 3), series(values), 1040, monday);
    assert.deepEqual([ordinary.passed, ordinary.baseline], [true, 1000]);
    assert.equal(judgeHistory(anomaly('weekday', 3), series(values), 1200, monday).passed, false);
  });

  test('too little history: passes and says so, never guesses', () => {
    assert.deepEqual(judgeHistory(anomaly('none', 7), series([1, 1, 1, 1]), 1_000_000, NOW), {
      passed: true,
      baseline: null,
      note: 'insufficient history: 4 of 7 observations',
    });
    // Weekday seasonality counts only the same weekday: 20 daily values hold 3 Tuesdays (days 1, 8, 15).
    const tuesday = new Date(MONDAY + 22 * DAY);
    assert.deepEqual(judgeHistory(anomaly('weekday', 4), series(Array(20).fill(5)), 500, tuesday), {
      passed: true,
      baseline: null,
      note: 'insufficient history: 3 of 4 observations on a Tuesday',
    });
  });

  test('weekday seasonality compares with the same UTC weekday only', () => {
    // Four weeks: 1000 on weekdays, 300 on Saturdays and Sundays.
    const history = series(Array.from({ length: 28 }, (_, day) => (day % 7 >= 5 ? 300 : 1000 + (day % 3))));
    const saturday = new Date(MONDAY + 33 * DAY);
    const seasonal = judgeHistory(anomaly('weekday', 4), history, 300, saturday);
    assert.deepEqual([seasonal.passed, seasonal.baseline], [true, 300]);
    assert.equal(judgeHistory(anomaly('none', 4), history, 300, saturday).passed, false, 'the weekend is not normal');
    assert.equal(judgeHistory(anomaly('weekday', 4), history, 1000, saturday).passed, false);
  });

  test('a flat series: any real deviation fails, float noise does not', () => {
    const flat = series(Array(10).fill(0.1 + 0.2));
    assert.equal(judgeHistory(anomaly('none', 5), flat, 0.3, NOW).passed, true, '0.3 vs 0.30000000000000004');
    assert.equal(judgeHistory(anomaly('none', 5), flat, 0.31, NOW).passed, false);
    assert.equal(judgeHistory(anomaly('none', 5), series(Array(10).fill(0)), 0, NOW).passed, true);
    assert.equal(judgeHistory(anomaly('none', 5), series(Array(10).fill(0)), 1, NOW).passed, false);
    // More than half equal (MAD 0) but not flat: the mean absolute deviation measures the spread.
    const mostly = series([5, 5, 5, 5, 5, 5, 9]);
    assert.equal(judgeHistory(anomaly('none', 5), mostly, 9, NOW).passed, false, '4 / (1.2533 * 4/7) = 5.6');
    assert.equal(judgeHistory(anomaly('none', 5), mostly, 6, NOW).passed, true);
  });

  test('observations that are not finite numbers are left out', () => {
    const history = [...series([10, 10, 10]), { observed: Number.NaN, at: new Date(MONDAY) }];
    assert.equal(judgeHistory(anomaly('none', 4), history, 10, NOW).note, 'insufficient history: 3 of 4 observations');
  });
});

import type { HistoryJudge } from '@assay/sdk';

/** An earlier observation of a check on the same dataset. */
export interface Observation {
  readonly observed: number;
  readonly at: Date;
}

/** What judging an observation against its history found. */
export interface HistoryVerdict {
  readonly passed: boolean;
  /** What the observation was compared with; null when there was nothing to compare with. */
  readonly baseline: number | null;
  readonly note?: string;
}

/** 1 / Φ⁻¹(3/4): scales the MAD so that it estimates the standard deviation of normally distributed values. */
const MAD_SCALE = 1.4826;
/** √(π/2): scales the mean absolute deviation the same way, for series whose MAD is 0. */
const MEAN_AD_SCALE = 1.253314;
/** Bounds are compared with this slack, so a value exactly on a bound does not fail by float rounding. */
const SLACK = 1e-9;
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const NOTHING_EARLIER = 'no earlier observation to compare with';

/**
 * Judges `observed` against `history` (earlier observations of the same check, oldest first) as `judge` says. It
 * never guesses: with nothing (or, for an anomaly, too little) to compare with, the observation passes and the note
 * says why.
 */
export function judgeHistory(
  judge: HistoryJudge,
  history: readonly Observation[],
  observed: number,
  now: Date,
): HistoryVerdict {
  const earlier = history.filter((observation) => Number.isFinite(observation.observed));
  switch (judge.method) {
    case 'change':
      return judgeChange(judge, earlier, observed);
    case 'spike':
      return judgeSpike(judge, earlier, observed);
    case 'anomaly':
      return judgeAnomaly(judge, earlier, observed, now);
  }
}

function judgeChange(
  judge: Extract<HistoryJudge, { method: 'change' }>,
  history: readonly Observation[],
  observed: number,
): HistoryVerdict {
  if (history.length === 0) return { passed: true, baseline: null, note: NOTHING_EARLIER };
  const rolling = judge.baseline === 'previous' ? undefined : judge.baseline.rolling;
  const baseline = rolling === undefined ? history[history.length - 1]!.observed : median(lastValues(history, rolling));
  const against =
    rolling === undefined ? 'the previous value' : `the median of the last ${Math.min(rolling, history.length)}`;
  // A change from 0 to anything else is infinite: it fails whichever bound is set on its side.
  const change =
    observed === baseline
      ? 0
      : baseline === 0
        ? Math.sign(observed) * Infinity
        : ((observed - baseline) * 100) / Math.abs(baseline);
  const tooHigh = judge.maxIncreasePercent !== undefined && change > judge.maxIncreasePercent + SLACK;
  const tooLow = judge.maxDecreasePercent !== undefined && change < -judge.maxDecreasePercent - SLACK;
  const limit = tooHigh
    ? `, more than the allowed +${judge.maxIncreasePercent}%`
    : tooLow
      ? `, more than the allowed -${judge.maxDecreasePercent}%`
      : '';
  return {
    passed: !tooHigh && !tooLow,
    baseline,
    note: `${formatPercent(change)} against ${against} (${formatNumber(baseline)})${limit}`,
  };
}

function judgeSpike(
  judge: Extract<HistoryJudge, { method: 'spike' }>,
  history: readonly Observation[],
  observed: number,
): HistoryVerdict {
  if (history.length === 0) return { passed: true, baseline: null, note: NOTHING_EARLIER };
  const window = lastValues(history, judge.baseline.rolling);
  const baseline = median(window);
  const passed = observed <= baseline + judge.maxAbove + SLACK;
  return {
    passed,
    baseline,
    note:
      `${formatNumber(observed - baseline)} above the median of the last ${window.length} (${formatNumber(baseline)})` +
      (passed ? '' : `, more than the allowed ${formatNumber(judge.maxAbove)}`),
  };
}

function judgeAnomaly(
  judge: Extract<HistoryJudge, { method: 'anomaly' }>,
  history: readonly Observation[],
  observed: number,
  now: Date,
): HistoryVerdict {
  const weekday = now.getUTCDay();
  const reference =
    judge.seasonality === 'weekday' ? history.filter((observation) => observation.at.getUTCDay() === weekday) : history;
  const on = judge.seasonality === 'weekday' ? ` on a ${WEEKDAYS[weekday]}` : '';
  if (reference.length < judge.minHistory) {
    return {
      passed: true,
      baseline: null,
      note: `insufficient history: ${reference.length} of ${judge.minHistory} observations${on}`,
    };
  }
  const values = reference.map((observation) => observation.observed);
  const center = median(values);
  const seasons =
    judge.seasonality === 'weekday'
      ? WEEKDAYS.map((_, day) => history.filter((o) => o.at.getUTCDay() === day).map((o) => o.observed))
      : [];
  const z = Math.abs(observed - center) / spread(center, values, seasons);
  const passed = z <= judge.sensitivity;
  return {
    passed,
    baseline: center,
    note:
      `robust z-score ${formatNumber(z, 3)} against the median ${formatNumber(center)} of ${values.length} ` +
      `observations${on}` +
      (passed ? '' : `, above the sensitivity ${judge.sensitivity}`),
  };
}

/**
 * How far from the reference median a normal new value may lie, as a standard deviation: the scaled MAD of the
 * reference's leave-one-out residuals (each value's distance from the median of the others). Those are what a new
 * value's distance from the median is, while the plain MAD of a handful of values (a weekday's few weeks) comes out
 * far too small and flags ordinary noise. With seasons (weekdays), the spread is at least the seasons' pooled
 * relative spread times the median: dozens of residuals where one weekday has a few. When more than half of the
 * residuals are 0, the scaled mean absolute residual stands in; for a perfectly flat series a floor far below any
 * real change but above float noise, so that any real deviation stands out.
 */
function spread(center: number, values: readonly number[], seasons: ReadonlyArray<readonly number[]>): number {
  const own = scale(leaveOneOutResiduals(values).map(Math.abs));
  const pooled = seasons
    .filter((season) => season.length >= 3)
    .flatMap((season) => leaveOneOutResiduals(season, true))
    .filter(Number.isFinite)
    .map(Math.abs);
  const relative = pooled.length === 0 ? 0 : scale(pooled) * Math.abs(center);
  const result = Math.max(own, relative);
  return result > 0 ? result : 1e-9 * Math.max(1, Math.abs(center));
}

/** Each value minus the median of the others (divided by that median when `relative`). */
function leaveOneOutResiduals(values: readonly number[], relative = false): number[] {
  if (values.length < 2) return [];
  return values.map((value, index) => {
    const others = median(values.filter((_, other) => other !== index));
    return relative ? (value - others) / Math.abs(others) : value - others;
  });
}

/** The scaled MAD of absolute deviations, or their scaled mean when the MAD is 0; 0 when there are none. */
function scale(deviations: readonly number[]): number {
  if (deviations.length === 0) return 0;
  const mad = median(deviations);
  if (mad > 0) return MAD_SCALE * mad;
  return (MEAN_AD_SCALE * deviations.reduce((sum, deviation) => sum + deviation, 0)) / deviations.length;
}

function lastValues(history: readonly Observation[], count: number): number[] {
  return history.slice(-Math.max(1, count)).map((observation) => observation.observed);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function formatNumber(value: number, digits = 6): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(digits)));
}

function formatPercent(change: number): string {
  if (!Number.isFinite(change)) return change > 0 ? 'an increase from 0' : 'a decrease from 0';
  return `${change >= 0 ? '+' : ''}${formatNumber(change)}%`;
}

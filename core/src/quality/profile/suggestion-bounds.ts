import { round } from './number-format.ts';

/** Bounds are widened by this share of the observed span, so tomorrow's slightly larger value still passes. */
export const BOUND_MARGIN = 0.1;

/**
 * Range bounds for numbers observed between `min` and `max`: widened by 10 % of the span (10 % of the value, or 1,
 * for a constant), rounded outwards to a round step (a tenth of the span's order of magnitude; whole numbers for
 * integer columns), and never below 0 when no value was negative.
 */
export function numberBounds(min: number, max: number, integer: boolean): { min: number; max: number } {
  const span = max - min;
  const margin = span > 0 ? span * BOUND_MARGIN : Math.abs(max) * BOUND_MARGIN || 1;
  const exponent = Math.floor(Math.log10(span > 0 ? span : margin)) - 1;
  const step = integer ? Math.max(1, 10 ** exponent) : 10 ** exponent;
  const digits = Math.max(0, -exponent);
  const lower = round(Math.floor((min - margin) / step) * step, digits);
  const upper = round(Math.ceil((max + margin) / step) * step, digits);
  return { min: min >= 0 ? Math.max(0, lower) : lower, max: upper };
}

/**
 * The lower bound for dates observed from `min` to `max` (ISO dates or timestamps): the first of the month 10 % of
 * the span before `min`, as an ISO date. There is no upper bound: dates move forward (a not-in-the-future check
 * covers that side).
 */
export function dateLowerBound(min: string, max: string): string {
  const first = Date.parse(`${min.slice(0, 10)}T00:00:00Z`);
  const last = Date.parse(`${max.slice(0, 10)}T00:00:00Z`);
  const widened = new Date(first - (last - first) * BOUND_MARGIN);
  return `${widened.toISOString().slice(0, 7)}-01`;
}

/** The highest null percentage a `null_rate` check allows for `observed` %: half as much again, rounded up. */
export function nullRateBound(observed: number): number {
  return Math.min(100, Math.ceil(observed * 1.5));
}

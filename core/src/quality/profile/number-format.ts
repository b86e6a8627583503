const COUNT = new Intl.NumberFormat('en-US');

/** `value` rounded to `digits` decimals. */
export function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** A count as evidence shows it: `12,403`. */
export function formatCount(value: number): string {
  return COUNT.format(value);
}

/** A percentage as evidence shows it, at most two decimals: `2.5 %`. */
export function formatPercent(value: number): string {
  return `${round(value, 2)} %`;
}

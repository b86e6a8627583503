/**
 * One benchmark figure, printed by a bench as one JSON line on stdout. `baseline` is the same metric measured the
 * simple way in the same run, and `ratio` is `value / baseline` (below 1 is better for times, above 1 for rates);
 * both are null when a figure has no baseline.
 */
export interface BenchFigure {
  readonly bench: string;
  readonly metric: string;
  readonly value: number;
  readonly unit: string;
  readonly baseline: number | null;
  readonly ratio: number | null;
}

const KEYS = ['bench', 'metric', 'value', 'unit', 'baseline', 'ratio'];

/** Prints a figure as one JSON line, computing its ratio and rounding to 4 significant digits. */
export function printFigure(figure: Omit<BenchFigure, 'ratio'>): void {
  const ratio = figure.baseline === null || figure.baseline === 0 ? null : figure.value / figure.baseline;
  const line: BenchFigure = {
    ...figure,
    value: round(figure.value),
    baseline: figure.baseline === null ? null : round(figure.baseline),
    ratio: ratio === null ? null : round(ratio),
  };
  console.log(JSON.stringify(line));
}

/** The figure on a stdout line, or a sentence saying what is wrong with the line. */
export function parseFigure(line: string): BenchFigure | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'is not JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'is not a JSON object';
  const figure = value as Record<string, unknown>;
  const extra = Object.keys(figure).filter((key) => !KEYS.includes(key));
  if (extra.length > 0) return `has unknown keys ${extra.join(', ')}`;
  for (const key of ['bench', 'metric', 'unit']) {
    if (typeof figure[key] !== 'string' || figure[key] === '') return `needs a non-empty string "${key}"`;
  }
  if (!isFiniteNumber(figure.value)) return 'needs a finite number "value"';
  for (const key of ['baseline', 'ratio']) {
    if (figure[key] !== null && !isFiniteNumber(figure[key])) return `needs "${key}" to be a finite number or null`;
  }
  if ((figure.baseline === null) !== (figure.ratio === null))
    return 'needs "baseline" and "ratio" both set or both null';
  return figure as unknown as BenchFigure;
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function round(value: number): number {
  return Number(value.toPrecision(4));
}

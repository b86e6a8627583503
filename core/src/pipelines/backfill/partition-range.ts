import { InputError } from '@assay/sdk';

/** How a partition-aware job splits time: one task per day or per calendar month. */
export type PartitionGrain = 'day' | 'month';

/** One partition: its key (`2026-03-01` or `2026-03`) and its days, `start` inclusive and `end` exclusive. */
export interface PartitionBounds {
  readonly key: string;
  readonly start: string;
  readonly end: string;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH = /^(\d{4})-(\d{2})$/;
const DAY_MS = 86_400_000;

/**
 * A `YYYY-MM-DD` date as UTC milliseconds; `BACKFILL_RANGE_INVALID` naming `what` for anything else (also for
 * dates that do not exist, such as 2026-02-30).
 */
export function parseDay(value: string, what: string): number {
  const match = DATE.exec(value);
  const time = match === null ? Number.NaN : Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  if (match === null || Number.isNaN(time) || formatDay(time) !== value) {
    throw new InputError(`${what} must be a date as YYYY-MM-DD, not ${JSON.stringify(value)}`, {
      code: 'BACKFILL_RANGE_INVALID',
      details: { [what]: value },
    });
  }
  return time;
}

function formatDay(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

/** The partitions of `grain` covering the days from `from` to `to`, both inclusive, in order. */
export function partitionsCovering(grain: PartitionGrain, from: string, to: string): PartitionBounds[] {
  const first = parseDay(from, 'from');
  const last = parseDay(to, 'to');
  if (last < first) {
    throw new InputError(`The range ends (${to}) before it starts (${from})`, {
      code: 'BACKFILL_RANGE_INVALID',
      details: { from, to },
    });
  }
  const partitions: PartitionBounds[] = [];
  let start = grain === 'day' ? first : monthStart(first);
  while (start <= last) {
    const bounds = boundsFrom(grain, start);
    partitions.push(bounds);
    start = parseDay(bounds.end, 'end');
  }
  return partitions;
}

/** The bounds of a partition from its key; `BACKFILL_PARTITION_INVALID` when the key is not one of `grain`. */
export function partitionOfKey(grain: PartitionGrain, key: string): PartitionBounds {
  const day = grain === 'day' ? key : `${key}-01`;
  const valid =
    (grain === 'day' ? DATE : MONTH).test(key) &&
    DATE.test(day) &&
    formatDay(Date.parse(`${day}T00:00:00Z`) || 0) === day;
  if (!valid) {
    throw new InputError(`"${key}" is not a ${grain} partition (${grain === 'day' ? 'YYYY-MM-DD' : 'YYYY-MM'})`, {
      code: 'BACKFILL_PARTITION_INVALID',
      details: { key, grain },
    });
  }
  return boundsFrom(grain, parseDay(day, 'partition'));
}

/** Whether two partitions share a day. */
export function overlaps(a: PartitionBounds, b: PartitionBounds): boolean {
  return a.start < b.end && b.start < a.end;
}

function boundsFrom(grain: PartitionGrain, start: number): PartitionBounds {
  const day = formatDay(start);
  if (grain === 'day') return { key: day, start: day, end: formatDay(start + DAY_MS) };
  const date = new Date(start);
  const next = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
  return { key: day.slice(0, 7), start: day, end: formatDay(next) };
}

function monthStart(time: number): number {
  const date = new Date(time);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
}

import { InputError, type OperatorPartition } from '@assay/sdk';
import type { SnapshotSettings } from './snapshot-config.ts';

/** More snapshot dates than this in one run is almost certainly a mistake in the range. */
export const MAX_SNAPSHOT_DATES = 10_000;
const DAY_MS = 86_400_000;

/**
 * The days a run snapshots, ascending. A normal run: `asOf` (default today, UTC), or every period of `range`. A
 * partition run (a backfill): what a normal run would produce inside the partition's days — the range's dates or
 * the fixed `asOf` that fall in it — except that a relative `asOf` (today, yesterday) stands for each day of the
 * partition, as if the job had run daily. `now` is injectable for tests.
 */
export function snapshotDates(
  config: SnapshotSettings,
  partition: Pick<OperatorPartition, 'start' | 'end'> | undefined,
  now: Date = new Date(),
): string[] {
  if (config.asOf !== undefined && config.range !== undefined) {
    throw configError('config.range', 'cannot be combined with config.asOf: give one day, or a range');
  }
  const relative = config.range === undefined && Object.hasOwn(RELATIVE, config.asOf ?? 'today');
  if (partition !== undefined && relative) return daysBetween(partition.start, addDays(partition.end, -1));
  const dates = config.range === undefined ? [asOfDay(config.asOf ?? 'today', now)] : rangeDates(config.range);
  return partition === undefined ? dates : dates.filter((d) => d >= partition.start && d < partition.end);
}

const RELATIVE: Record<string, number> = { today: 0, yesterday: -1 };

function asOfDay(asOf: string, now: Date): string {
  const offset = RELATIVE[asOf];
  if (offset !== undefined) return addDays(now.toISOString().slice(0, 10), offset);
  assertDay(asOf, 'config.asOf');
  return asOf;
}

function rangeDates(range: NonNullable<SnapshotSettings['range']>): string[] {
  assertDay(range.from, 'config.range.from');
  assertDay(range.to, 'config.range.to');
  if (range.from > range.to)
    throw configError('config.range.to', `(${range.to}) is before config.range.from (${range.from})`);
  const days = (Date.parse(range.to) - Date.parse(range.from)) / DAY_MS + 1;
  if (range.every === 'day' && days > MAX_SNAPSHOT_DATES) throw tooMany(days);
  const dates = daysBetween(range.from, range.to).filter((day) => isPeriodDay(day, range.every, range.at));
  if (dates.length > MAX_SNAPSHOT_DATES) throw tooMany(dates.length);
  return dates;
}

function isPeriodDay(day: string, every: 'day' | 'week' | 'month', at: 'end' | 'start'): boolean {
  if (every === 'day') return true;
  if (every === 'week') return new Date(`${day}T00:00:00Z`).getUTCDay() === (at === 'start' ? 1 : 0);
  return at === 'start' ? day.endsWith('-01') : addDays(day, 1).endsWith('-01');
}

function daysBetween(first: string, last: string): string[] {
  const days: string[] = [];
  const span = (Date.parse(last) - Date.parse(first)) / DAY_MS + 1;
  if (span > 50 * MAX_SNAPSHOT_DATES) throw tooMany(span);
  for (let day = first; day <= last; day = addDays(day, 1)) days.push(day);
  return days;
}

function assertDay(day: string, path: string): void {
  const parsed = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== day) {
    throw configError(path, `"${day}" is not a calendar day (YYYY-MM-DD)`);
  }
}

function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

function tooMany(count: number): InputError {
  return new InputError(
    `config.range spans ${count} snapshot dates, more than ${MAX_SNAPSHOT_DATES}: snapshot every week or month, ` +
      'or split the range',
    { code: 'SNAPSHOT_RANGE_TOO_LARGE', details: { path: 'config.range', dates: count, max: MAX_SNAPSHOT_DATES } },
  );
}

/** A config whose fields do not fit together: the code the executor uses for schema violations. */
export function configError(path: string, problem: string): InputError {
  return new InputError(`${path} ${problem}`, { code: 'JOB_CONFIG_INVALID', details: { path } });
}

import { UserError } from '@assay/sdk';

const UNIT_MS: Readonly<Record<string, number>> = {
  millisecond: 1,
  second: 1000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 604_800_000,
};

/** Delta's default `delta.deletedFileRetentionDuration`: tombstones are kept for a week. */
export const DEFAULT_TOMBSTONE_RETENTION_MS = UNIT_MS.week!;

/**
 * Milliseconds of a Delta interval table property such as `interval 7 days` or `interval 1 week 12 hours` (Spark's
 * calendar-interval syntax; the `interval` keyword is optional). Fails with `DELTA_PROPERTY_INVALID` naming the
 * property when the text is not such an interval.
 *
 * @example
 * ```ts
 * parseDeltaInterval('interval 2 days', 'delta.deletedFileRetentionDuration'); // 172800000
 * ```
 */
export function parseDeltaInterval(text: string, property: string): number {
  const words = text.trim().toLowerCase().split(/\s+/);
  if (words[0] === 'interval') words.shift();
  let total = 0;
  for (let index = 0; index < words.length; index += 2) {
    const amount = Number(words[index]);
    const unit = UNIT_MS[(words[index + 1] ?? '').replace(/s$/, '')];
    if (!Number.isFinite(amount) || unit === undefined) throw invalid(text, property);
    total += amount * unit;
  }
  if (words.length === 0 || total < 0) throw invalid(text, property);
  return total;
}

/** How long removed files stay tombstoned in the table with this configuration. */
export function tombstoneRetentionMs(configuration: Readonly<Record<string, string>>): number {
  const value = configuration['delta.deletedFileRetentionDuration'];
  return value === undefined
    ? DEFAULT_TOMBSTONE_RETENTION_MS
    : parseDeltaInterval(value, 'delta.deletedFileRetentionDuration');
}

function invalid(text: string, property: string): UserError {
  return new UserError(
    `Table property ${property} is "${text}", which is not an interval; set it like "interval 7 days".`,
    { code: 'DELTA_PROPERTY_INVALID', details: { property, value: text } },
  );
}

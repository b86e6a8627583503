import type { StagedFile } from './staged-files.ts';

const ZONED = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?([+-]\d{2})(?::?(\d{2}))?$/;

/**
 * Partition values as the Delta protocol spells them. DuckDB names timestamp-with-time-zone partition directories
 * `2024-01-01 10:00:00+00`; Delta wants a UTC timestamp, which the protocol allows as ISO 8601 with `Z`
 * (`2024-01-01T10:00:00.000000Z`). Other types are already in Delta's format.
 */
export function deltaPartitionValues(
  files: readonly StagedFile[],
  columns: ReadonlyArray<{ name: string; type: string }>,
): StagedFile[] {
  const zoned = new Set(columns.filter((c) => c.type === 'TIMESTAMP WITH TIME ZONE').map((c) => c.name));
  if (zoned.size === 0) return [...files];
  return files.map((file) => ({
    ...file,
    partitionValues: Object.fromEntries(
      Object.entries(file.partitionValues).map(([column, value]) => [
        column,
        value !== null && zoned.has(column) ? utcTimestamp(value) : value,
      ]),
    ),
  }));
}

function utcTimestamp(value: string): string {
  const match = ZONED.exec(value);
  if (match === null) return value;
  const [, date, time, fraction = '', hours, minutes = '00'] = match;
  const sign = hours!.startsWith('-') ? -1 : 1;
  const offsetMs = sign * (Math.abs(Number(hours)) * 60 + Number(minutes)) * 60_000;
  const utc = new Date(Date.parse(`${date}T${time}Z`) - offsetMs);
  return `${utc.toISOString().slice(0, 19)}.${fraction.padEnd(6, '0')}Z`;
}

import type { DuckDBConnection } from '@duckdb/node-api';
import { literal } from '../../engine/dataset-view.ts';

/** Delta per-file statistics (`add.stats`), already serialized as the log stores them. */
export interface FileStats {
  readonly numRecords: number;
  /** The JSON text for `add.stats`: `{"numRecords":…,"minValues":{…},"maxValues":{…},"nullCount":{…}}`. */
  readonly json: string;
}

type Kind = 'integer' | 'float' | 'decimal' | 'string' | 'date' | 'timestamp' | 'none';

interface ColumnSummary {
  kind: Kind;
  nullCount: number;
  min?: string;
  max?: string;
  complete: boolean;
}

/** Longest string kept in min/max stats: longer values would make the log heavy; readers treat absent as unknown. */
const MAX_STRING_STAT = 32;

/**
 * Reads a Parquet file's statistics from its footer (row-group min/max/null counts) instead of scanning its data,
 * and folds them into Delta's per-file stats for top-level primitive columns. A column whose row groups lack a
 * min or max gets only its null count, so readers never skip a file on a wrong bound.
 */
export async function readFileStats(connection: DuckDBConnection, localFile: string): Promise<FileStats> {
  const file = literal(localFile);
  const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${file})`);
  const kinds = new Map(
    described.getRowObjectsJson().map((row) => [String(row.column_name), kindOf(String(row.column_type))]),
  );
  const metadata = await connection.runAndReadAll(
    `SELECT row_group_id, row_group_num_rows, path_in_schema, stats_min_value, stats_max_value, stats_null_count
     FROM parquet_metadata(${file})`,
  );
  const rowGroups = new Map<string, number>();
  const columns = new Map<string, ColumnSummary>();
  for (const row of metadata.getRowObjectsJson()) {
    rowGroups.set(String(row.row_group_id), Number(row.row_group_num_rows));
    const name = String(row.path_in_schema);
    const kind = kinds.get(name);
    if (kind === undefined) continue; // a leaf of a nested column: no top-level stats
    const summary = columns.get(name) ?? { kind, nullCount: 0, complete: true };
    summary.nullCount += row.stats_null_count === null ? Number.NaN : Number(row.stats_null_count);
    const min = row.stats_min_value === null ? undefined : String(row.stats_min_value);
    const max = row.stats_max_value === null ? undefined : String(row.stats_max_value);
    const rowCount = Number(row.row_group_num_rows);
    const allNull = row.stats_null_count !== null && Number(row.stats_null_count) === rowCount;
    if (!allNull && (min === undefined || max === undefined)) summary.complete = false;
    if (min !== undefined && (summary.min === undefined || less(kind, min, summary.min))) summary.min = min;
    if (max !== undefined && (summary.max === undefined || less(kind, summary.max, max))) summary.max = max;
    columns.set(name, summary);
  }
  const numRecords = [...rowGroups.values()].reduce((sum, n) => sum + n, 0);
  const minValues: string[] = [];
  const maxValues: string[] = [];
  const nullCount: string[] = [];
  for (const [name, summary] of columns) {
    const key = JSON.stringify(name);
    if (Number.isFinite(summary.nullCount)) nullCount.push(`${key}:${summary.nullCount}`);
    if (!summary.complete || summary.kind === 'none' || summary.min === undefined || summary.max === undefined)
      continue;
    const min = statValue(summary.kind, summary.min, 'min');
    const max = statValue(summary.kind, summary.max, 'max');
    if (min === undefined || max === undefined) continue;
    minValues.push(`${key}:${min}`);
    maxValues.push(`${key}:${max}`);
  }
  const json = `{"numRecords":${numRecords},"minValues":{${minValues.join(',')}},"maxValues":{${maxValues.join(',')}},"nullCount":{${nullCount.join(',')}}}`;
  return { numRecords, json };
}

function kindOf(duckdbType: string): Kind {
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|UTINYINT|USMALLINT|UINTEGER)$/.test(duckdbType)) return 'integer';
  if (/^(FLOAT|DOUBLE)$/.test(duckdbType)) return 'float';
  if (/^DECIMAL/.test(duckdbType)) return 'decimal';
  if (duckdbType === 'VARCHAR') return 'string';
  if (duckdbType === 'DATE') return 'date';
  if (/^TIMESTAMP/.test(duckdbType)) return 'timestamp';
  return 'none';
}

function less(kind: Kind, a: string, b: string): boolean {
  switch (kind) {
    case 'integer':
      return BigInt(a) < BigInt(b);
    case 'float':
    case 'decimal':
      return Number(a) < Number(b);
    case 'timestamp':
      return toEpochMicros(a) < toEpochMicros(b);
    default:
      return a < b; // ISO dates and strings order lexically
  }
}

/** The JSON text of one bound, or undefined when it cannot be stated exactly enough to be safe. */
function statValue(kind: Kind, value: string, bound: 'min' | 'max'): string | undefined {
  switch (kind) {
    case 'integer':
    case 'decimal':
      return value;
    case 'float':
      return Number.isFinite(Number(value)) ? value : undefined;
    case 'string':
      return [...value].length <= MAX_STRING_STAT ? JSON.stringify(value) : undefined;
    case 'date':
      return JSON.stringify(value);
    case 'timestamp': {
      // Delta stats carry milliseconds: round a max up and a min down, so the bound still holds.
      const micros = toEpochMicros(value);
      const millis = bound === 'min' ? floorDiv(micros, 1000n) : -floorDiv(-micros, 1000n);
      return JSON.stringify(new Date(Number(millis)).toISOString());
    }
    default:
      return undefined;
  }
}

/** `2024-01-01 10:00:00.123456[+00]` → microseconds since the epoch (UTC). */
function toEpochMicros(text: string): bigint {
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?(?:([+-]\d{2})(?::?(\d{2}))?)?$/.exec(text);
  if (match === null) return BigInt(Date.parse(text)) * 1000n;
  const [, date, time, fraction = '', offsetHours, offsetMinutes] = match;
  const seconds = BigInt(Date.parse(`${date}T${time}Z`)) / 1000n;
  const offset =
    offsetHours === undefined
      ? 0n
      : BigInt(Number(offsetHours) * 60 + Math.sign(Number(offsetHours)) * Number(offsetMinutes ?? 0)) * 60n;
  return (seconds - offset) * 1_000_000n + BigInt(fraction.padEnd(6, '0'));
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

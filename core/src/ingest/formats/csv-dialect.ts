import type { CsvOptions, DiscoveredColumn, FileItem } from '@assay/sdk';
import type { DuckDBConnection } from '@duckdb/node-api';
import { compressionOf } from './compressed-integrity.ts';
import { literal } from './sql-names.ts';

/**
 * Longest CSV line loaded by default (16 MiB, DuckDB's own default is 2 MiB): wide exports with JSON or text blobs
 * do have multi-megabyte rows. A longer line is rejected as `LINE_TOO_LONG` (the rest of the file loads);
 * `csv.maxLineSize` changes the limit.
 */
export const DEFAULT_MAX_LINE_SIZE = 16 * 1024 * 1024;

/** When a sampled line is longer than the limit, the sniffer may look past lines up to this size. */
const SNIFF_LINE_CEILING = 256 * 1024 * 1024;

/** What DuckDB's sniffer found (or the options pinned): everything a non-sniffing `read_csv` needs. */
export interface CsvDialect {
  readonly delimiter: string;
  readonly quote: string;
  readonly escape: string;
  readonly newLine: string;
  readonly comment: string;
  readonly skip: number;
  readonly header: boolean;
  /** The file's columns in file order; without a header DuckDB names them `column0`… (`column00`… from ten on). */
  readonly columns: DiscoveredColumn[];
  readonly dateFormat: string | undefined;
  readonly timestampFormat: string | undefined;
}

/** The item's own options as `read_csv`/`sniff_csv` arguments (the sniffer takes the same). */
export function csvOptionArgs(item: FileItem, maxLineSize = maxLineSizeOf(item)): string[] {
  const csv: CsvOptions = item.options?.csv ?? {};
  return [
    `compression = ${literal(compressionOf(item))}`,
    `max_line_size = ${maxLineSize}`,
    // The buffer must hold the longest line; DuckDB's default (16 × 2 MiB) is kept for the default limit.
    `buffer_size = ${Math.max(maxLineSize * 2, 32 * 1024 * 1024)}`,
    ...(csv.encoding === undefined ? [] : [`encoding = ${literal(csv.encoding)}`]),
    // A quoted value is text even when it spells the NULL marker (COPY quotes a "\N" that is data).
    ...(csv.nullString === undefined ? [] : [`nullstr = ${literal(csv.nullString)}`, 'allow_quoted_nulls = false']),
  ];
}

export function maxLineSizeOf(item: FileItem): number {
  return item.options?.csv?.maxLineSize ?? DEFAULT_MAX_LINE_SIZE;
}

/**
 * Sniffs the dialect and columns with the item's options pinned. A sampled line longer than the limit does not stop
 * the sniff (the load rejects that line); a file too dirty for a strict sniff (stray quotes, ragged lines) is
 * sniffed again ignoring the bad lines, so the dialect the majority of lines share is used.
 */
export async function sniffCsv(connection: DuckDBConnection, item: FileItem): Promise<CsvDialect> {
  const csv: CsvOptions = item.options?.csv ?? {};
  const quoting = [
    ...(csv.quote === undefined ? [] : [`quote = ${literal(csv.quote)}`]),
    ...(csv.escape === undefined ? [] : [`escape = ${literal(csv.escape)}`]),
  ];
  const pinned = [
    ...(csv.delimiter === undefined ? [] : [`delim = ${literal(csv.delimiter)}`]),
    ...(csv.header === undefined ? [] : [`header = ${csv.header}`]),
    ...(csv.skipRows === undefined ? [] : [`skip = ${csv.skipRows}`]),
  ];
  let maxLineSize = maxLineSizeOf(item);
  const sniff = async (extra: string[]): Promise<CsvDialect> => {
    for (;;) {
      const args = [...csvOptionArgs(item, maxLineSize), ...pinned, ...extra];
      try {
        const reader = await connection.runAndReadAll(
          `SELECT * FROM sniff_csv(${literal(item.path)}, ${args.join(', ')})`,
        );
        return dialectOf(reader.getRowObjectsJson()[0] ?? {});
      } catch (error) {
        const tooLong = /Maximum line size of \d+ bytes exceeded\. Actual Size:\s*(\d+)/.exec(String(error));
        const actual = Number(tooLong?.[1] ?? 0);
        if (tooLong === null || actual <= maxLineSize || actual > SNIFF_LINE_CEILING) throw error;
        maxLineSize = actual + 1;
      }
    }
  };
  const lenient = ['ignore_errors = true'];
  let dialect: CsvDialect;
  try {
    dialect = await sniff(quoting);
    if (dialect.columns.length === 1 && csv.delimiter === undefined) {
      // One column and no delimiter given: a few ragged lines may have hidden the delimiter from the strict sniff.
      const second = await sniff([...quoting, ...lenient]).catch(() => dialect);
      if (second.columns.length > 1) dialect = second;
    }
  } catch (error) {
    // Undecodable bytes, stray quotes or ragged lines in the sample (the load rejects those lines). A pinned quote
    // that a broken line leaves open can defeat even a lenient sniff: the header is then sniffed without it.
    dialect = await sniff([...quoting, ...lenient])
      .catch(() => (quoting.length === 0 ? Promise.reject(error as Error) : sniff(lenient)))
      .catch(() => Promise.reject(error as Error));
  }
  return {
    ...dialect,
    ...(csv.quote === undefined ? {} : { quote: csv.quote }),
    ...(csv.escape === undefined ? {} : { escape: csv.escape }),
  };
}

function dialectOf(row: Record<string, unknown>): CsvDialect {
  const text = (value: unknown) => (value === '(empty)' || value === null || value === undefined ? '' : String(value));
  const format = (value: unknown) =>
    value === null || value === undefined || value === '' ? undefined : String(value);
  const columns = (row.Columns as Array<{ name: string; type: string }> | null) ?? [];
  return {
    delimiter: text(row.Delimiter),
    quote: text(row.Quote),
    escape: text(row.Escape),
    newLine: text(row.NewLineDelimiter),
    comment: text(row.Comment),
    skip: Number(row.SkipRows ?? 0),
    header: row.HasHeader === true,
    columns: columns.map((c) => ({ name: String(c.name), type: String(c.type), nullable: true })),
    dateFormat: format(row.DateFormat),
    timestampFormat: format(row.TimestampFormat),
  };
}

/** `read_csv` arguments fixing the sniffed dialect, so the load does not sniff again. */
export function dialectArgs(dialect: CsvDialect): string[] {
  return [
    'auto_detect = false',
    `delim = ${literal(dialect.delimiter)}`,
    `quote = ${literal(dialect.quote)}`,
    `escape = ${literal(dialect.escape)}`,
    ...(dialect.newLine === '' ? [] : [`new_line = ${literal(dialect.newLine)}`]),
    `comment = ${literal(dialect.comment)}`,
    `skip = ${dialect.skip}`,
    `header = ${dialect.header}`,
    ...(nonIso(dialect.dateFormat) ? [`dateformat = ${literal(dialect.dateFormat)}`] : []),
    ...(nonIso(dialect.timestampFormat) ? [`timestampformat = ${literal(dialect.timestampFormat)}`] : []),
  ];
}

/**
 * A sniffed format other than ISO 8601: ISO values are left to DuckDB's own cast, which is much faster than a
 * strptime format (and reads the same values).
 */
function nonIso(format: string | undefined): format is string {
  return format !== undefined && !/^%Y-%m-%d([ T]%H:%M:%S(\.%[fgn])?(%z)?)?$/.test(format);
}

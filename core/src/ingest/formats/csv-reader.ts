import type { CsvOptions, DiscoveredColumn, FileItem } from '@assay/sdk';
import type { DuckDBConnection } from '@duckdb/node-api';
import { compressionOf, verifyCompressed } from './compressed-integrity.ts';
import { REJECTS_TABLE, type ItemRelation, type TargetColumn } from './item-relation.ts';
import { literal, quote, uniqueName } from './sql-names.ts';

/** Longest CSV line read by default (8 MiB); `csv.maxLineSize` raises it for files that really have such rows. */
export const DEFAULT_MAX_LINE_SIZE = 8 * 1024 * 1024;

const ENCODINGS: Readonly<Record<NonNullable<CsvOptions['encoding']>, string>> = {
  'utf-8': 'utf-8',
  'latin-1': 'latin-1',
  'utf-16': 'utf-16',
};

/** `read_csv(…)` with the item's options, and typed columns plus rejects when loading. */
export function csvScan(
  item: FileItem,
  load?: { columns: readonly TargetColumn[]; rejectsTable: string; scanTable: string },
): string {
  const csv: CsvOptions = item.options?.csv ?? {};
  const maxLineSize = csv.maxLineSize ?? DEFAULT_MAX_LINE_SIZE;
  const options = [
    `compression = ${literal(compressionOf(item))}`,
    `max_line_size = ${maxLineSize}`,
    `buffer_size = ${Math.max(maxLineSize * 2, 32 * 1024 * 1024)}`,
    ...(csv.delimiter === undefined ? [] : [`delim = ${literal(csv.delimiter)}`]),
    ...(csv.quote === undefined ? [] : [`quote = ${literal(csv.quote)}`]),
    ...(csv.escape === undefined ? [] : [`escape = ${literal(csv.escape)}`]),
    ...(csv.header === undefined ? [] : [`header = ${csv.header}`]),
    ...(csv.encoding === undefined ? [] : [`encoding = ${literal(ENCODINGS[csv.encoding])}`]),
    ...(csv.skipRows === undefined ? [] : [`skip = ${csv.skipRows}`]),
    // A quoted value is text even when it spells the NULL marker (COPY quotes a "\N" that is data).
    ...(csv.nullString === undefined ? [] : [`nullstr = ${literal(csv.nullString)}`, 'allow_quoted_nulls = false']),
  ];
  if (load !== undefined) {
    options.push(
      `columns = {${load.columns.map((c) => `${literal(c.name)}: ${literal(c.type)}`).join(', ')}}`,
      'store_rejects = true',
      `rejects_table = ${literal(load.rejectsTable)}`,
      `rejects_scan = ${literal(load.scanTable)}`,
      // A header the file has is read as such even though the columns are given.
      ...(csv.header === undefined ? ['header = true'] : []),
    );
  }
  return `read_csv(${literal(item.path)}, ${options.join(', ')})`;
}

/** Columns as DuckDB's sniffer sees them (or as the item declares them). */
export async function describeCsv(connection: DuckDBConnection, item: FileItem): Promise<DiscoveredColumn[]> {
  if (item.columns !== undefined) return [...item.columns];
  const reader = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${csvScan(item)}`);
  return reader.getRowObjectsJson().map((row) => ({
    name: String(row.column_name),
    type: String(row.column_type),
    nullable: true,
  }));
}

/**
 * One typed `read_csv` pass: DuckDB parses and casts and sets aside the lines that do not fit (cast errors, too
 * many or too few fields, unquoted values, bad encoding) in its rejects tables, which `finish()` moves to the
 * session's rejects table with the raw line.
 */
export async function openCsv(
  connection: DuckDBConnection,
  item: FileItem,
  columns: readonly TargetColumn[],
): Promise<ItemRelation> {
  const rejectsTable = uniqueName('csv_rejects');
  const scanTable = uniqueName('csv_scans');
  const integrity = verifyCompressed(item);
  // A rejection reported before finish() is awaited must not surface as an unhandled one.
  integrity.catch(() => undefined);
  // The file's own columns in its order: DuckDB maps given types by position, so every column is declared.
  const fileColumns = await describeCsv(connection, { ...item, columns: undefined } as FileItem).catch(() => undefined);
  const byName = new Map(columns.map((c) => [c.name, c.type]));
  // When the sniffer cannot make out the header (a damaged file), the requested columns are taken as the file's.
  const sniffedAll = fileColumns !== undefined && columns.every((c) => fileColumns.some((f) => f.name === c.name));
  const declared =
    !sniffedAll || item.columns !== undefined
      ? columns
      : fileColumns.map((c) => ({ name: c.name, type: byName.get(c.name) ?? 'VARCHAR' }));
  const scan = csvScan(item, { columns: declared, rejectsTable, scanTable });
  return {
    sql: `SELECT ${columns.map((c) => quote(c.name)).join(', ')} FROM ${scan}`,
    async finish() {
      await integrity;
      const exists = await connection.runAndReadAll(
        `SELECT count(*) FROM duckdb_tables() WHERE table_name = ${literal(rejectsTable)}`,
      );
      if (Number(exists.getRows()[0]?.[0] ?? 0) === 0) return { rejected: 0 };
      const result = await connection.run(
        `INSERT INTO ${REJECTS_TABLE} SELECT ${literal(item.source)}, line, column_name, ` +
          `replace(error_type, ' ', '_'), error_message, csv_line FROM ${rejectsTable}`,
      );
      return { rejected: Number(result.rowsChanged) };
    },
    async release() {
      await connection.run(`DROP TABLE IF EXISTS ${rejectsTable}`);
      await connection.run(`DROP TABLE IF EXISTS ${scanTable}`);
    },
  };
}

import { UserError, type DiscoveredColumn, type FileItem } from '@assay/sdk';
import type { DuckDBConnection } from '@duckdb/node-api';
import { isEmptyFile, verifyCompressed } from './compressed-integrity.ts';
import { csvOptionArgs, dialectArgs, maxLineSizeOf, sniffCsv, type CsvDialect } from './csv-dialect.ts';
import { csvRejectsInsert } from './csv-rejects.ts';
import { emptyRelation, requireColumns } from './item-columns.ts';
import type { ItemRelation, TargetColumn } from './item-relation.ts';
import { literal, quote, uniqueName } from './sql-names.ts';

export { DEFAULT_MAX_LINE_SIZE } from './csv-dialect.ts';

/**
 * The dialect `describeCsv` sniffed, kept for the `openCsv` of the same item that follows it (the engine describes
 * then opens every item): a sniff reads and parses a sample of the file, ~5 % of a large CSV load when done twice.
 * Taken once, so a later open of the item sniffs afresh.
 */
const sniffed = new WeakMap<FileItem, CsvDialect>();

/**
 * Columns as DuckDB's sniffer sees them (or as the item declares them). A header-less file's columns are named as
 * DuckDB names them: `column0`, `column1`… (`column00`, `column01`… when there are ten or more). A file with no
 * bytes (after decompression) has no columns and loads as zero rows.
 */
export async function describeCsv(connection: DuckDBConnection, item: FileItem): Promise<DiscoveredColumn[]> {
  if (item.columns !== undefined) return [...item.columns];
  if (await isEmptyFile(item)) return [];
  const dialect = await sniffCsv(connection, item);
  sniffed.set(item, dialect);
  return dialect.columns;
}

/**
 * One typed `read_csv` pass with the sniffed dialect pinned (no second sniff, no text staging): DuckDB parses and
 * casts and sets aside the lines that do not fit (cast errors, too many or too few fields, unterminated quotes,
 * bad encoding, over-long lines) in its rejects tables, which `finish()` moves to the session's rejects table with
 * the raw line. Every file column is declared (DuckDB maps `columns` by position), those not requested as VARCHAR
 * so they never reject a line; only the requested ones are selected.
 */
export async function openCsv(
  connection: DuckDBConnection,
  item: FileItem,
  columns: readonly TargetColumn[],
): Promise<ItemRelation> {
  const integrity = verifyCompressed(item);
  // A rejection reported before finish() is awaited must not surface as an unhandled one.
  integrity.catch(() => undefined);
  let fileColumns: readonly DiscoveredColumn[];
  let dialectSql: string[];
  try {
    if (await isEmptyFile(item)) return emptyRelation(columns, () => integrity);
    const dialect = sniffed.get(item) ?? (await sniffCsv(connection, item));
    sniffed.delete(item);
    fileColumns = item.columns ?? dialect.columns;
    if (item.columns !== undefined && item.columns.length !== dialect.columns.length) {
      throw new UserError(
        `${item.source} has ${dialect.columns.length} columns per line, but its reader declares ` +
          `${item.columns.length} (${item.columns.map((c) => c.name).join(', ')})`,
        { code: 'INGEST_COLUMNS_MISMATCH', details: { source: item.source } },
      );
    }
    dialectSql = dialectArgs(dialect);
  } catch (error) {
    // A damaged archive makes the sniffer fail in odd ways: name the damage instead.
    await integrity;
    throw error;
  }
  requireColumns(item.source, fileColumns, columns);
  const byName = new Map(columns.map((c) => [c.name, c.type]));
  const declared = fileColumns.map((c) => ({ name: c.name, type: byName.get(c.name) ?? 'VARCHAR' }));
  const rejectsTable = uniqueName('csv_rejects');
  const scanTable = uniqueName('csv_scans');
  const scan =
    `read_csv(${literal(item.path)}, ${[...csvOptionArgs(item), ...dialectSql].join(', ')}, ` +
    `columns = {${declared.map((c) => `${literal(c.name)}: ${literal(c.type)}`).join(', ')}}, ` +
    `store_rejects = true, rejects_table = ${literal(rejectsTable)}, rejects_scan = ${literal(scanTable)})`;
  return {
    sql: `SELECT ${columns.map((c) => quote(c.name)).join(', ')} FROM ${scan}`,
    async finish() {
      await integrity;
      const exists = await connection.runAndReadAll(
        `SELECT count(*) FROM duckdb_tables() WHERE table_name = ${literal(rejectsTable)}`,
      );
      if (Number(exists.getRows()[0]?.[0] ?? 0) === 0) return { rejected: 0 };
      const insert = csvRejectsInsert(rejectsTable, item.source, columns, {
        maxLineSize: maxLineSizeOf(item),
        encoding: item.options?.csv?.encoding ?? 'utf-8',
      });
      const result = await connection.run(insert);
      return { rejected: Number(result.rowsChanged) };
    },
    async release() {
      await connection.run(`DROP TABLE IF EXISTS ${rejectsTable}`);
      await connection.run(`DROP TABLE IF EXISTS ${scanTable}`);
    },
  };
}

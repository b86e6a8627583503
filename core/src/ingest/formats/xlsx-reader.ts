import { UserError, type DiscoveredColumn, type FileItem } from '@assay/sdk';
import type { DuckDBConnection } from '@duckdb/node-api';
import ExcelJS from 'exceljs';
import { castRelation } from './cast-relation.ts';
import { requireColumns, rowJson } from './item-columns.ts';
import type { ItemRelation, TargetColumn } from './item-relation.ts';
import { quote, uniqueName } from './sql-names.ts';

/** A sheet staged as text: the table, its header names and the types inferred from the values. */
interface StagedSheet {
  readonly table: string;
  readonly columns: DiscoveredColumn[];
}

const staged = new WeakMap<DuckDBConnection, Map<string, Promise<StagedSheet>>>();

/** Reads the workbook once per session and item: `describe` and `open` share the staged sheet. */
function stagedSheet(connection: DuckDBConnection, item: FileItem): Promise<StagedSheet> {
  let sheets = staged.get(connection);
  if (sheets === undefined) staged.set(connection, (sheets = new Map()));
  const key = `${item.path}\u0000${JSON.stringify(item.options?.xlsx ?? {})}`;
  let sheet = sheets.get(key);
  if (sheet === undefined) {
    sheet = stageSheet(connection, item);
    sheets.set(key, sheet);
    sheet.catch(() => sheets.delete(key));
  }
  return sheet;
}

export async function describeXlsx(connection: DuckDBConnection, item: FileItem): Promise<DiscoveredColumn[]> {
  return (await stagedSheet(connection, item)).columns;
}

export async function openXlsx(
  connection: DuckDBConnection,
  item: FileItem,
  columns: readonly TargetColumn[],
): Promise<ItemRelation> {
  const sheet = await stagedSheet(connection, item);
  requireColumns(item.source, sheet.columns, columns);
  return castRelation(
    connection,
    item.source,
    {
      from: sheet.table,
      value: (column) => `src.${quote(column)}`,
      rawRow: rowJson(sheet.columns),
      line: 'src.__line',
    },
    columns,
    async () => {
      staged.get(connection)?.delete(`${item.path}\u0000${JSON.stringify(item.options?.xlsx ?? {})}`);
      await connection.run(`DROP TABLE IF EXISTS ${sheet.table}`);
    },
  );
}

/**
 * Streams the chosen sheet (first by default) with exceljs's streaming reader, taking the header from `headerRow`
 * (or the first row of `range`) and the cells of `range` (or every used column), and appends the rows as text
 * through DuckDB's appender. A header cell that is empty or repeated (merged header cells read as empty) is
 * refused with the cells named, since guessing column names would silently shift data.
 */
async function stageSheet(connection: DuckDBConnection, item: FileItem): Promise<StagedSheet> {
  const options = item.options?.xlsx ?? {};
  const range = options.range === undefined ? undefined : parseRange(options.range);
  const headerRow = range?.top ?? options.headerRow ?? 1;
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(item.path, {
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    // Dates are numbers with a date format: without styles they would read as serial numbers.
    styles: 'cache',
    worksheets: 'emit',
  });
  const table = uniqueName('xlsx_sheet');
  let header: string[] | undefined;
  let firstColumn = range?.left ?? 1;
  let appender: Awaited<ReturnType<DuckDBConnection['createAppender']>> | undefined;
  let found = false;
  let rows = 0;
  try {
    for await (const worksheet of reader) {
      const name = (worksheet as unknown as { name: string }).name;
      if (found || (options.sheet !== undefined && name !== options.sheet)) continue;
      found = true;
      for await (const row of worksheet) {
        const number = row.number;
        if (number < headerRow) continue;
        if (range !== undefined && number > range.bottom) break;
        const values = (row.values as unknown[]) ?? [];
        if (number === headerRow) {
          const last = range?.right ?? values.length - 1;
          firstColumn = range?.left ?? firstUsed(values);
          header = headerNames(values, firstColumn, last, headerRow, item.source);
          await connection.run(
            `CREATE TABLE ${table} (__line BIGINT, ${header.map((h) => `${quote(h)} VARCHAR`).join(', ')})`,
          );
          appender = await connection.createAppender(table);
          continue;
        }
        if (appender === undefined || header === undefined) continue;
        const cells = header.map((_, i) => textOf(values[firstColumn + i]));
        if (cells.every((c) => c === undefined)) continue;
        appender.appendBigInt(BigInt(number));
        for (const cell of cells)
          if (cell === undefined) appender.appendNull();
          else appender.appendVarchar(cell);
        appender.endRow();
        if (++rows % 2048 === 0) appender.flushSync();
      }
    }
    appender?.flushSync();
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(
      `Cannot read ${item.source}: it is not a readable .xlsx workbook (${(error as Error).message})`,
      {
        code: 'INGEST_FILE_CORRUPT',
        details: { source: item.source },
        cause: error,
      },
    );
  } finally {
    appender?.closeSync();
  }
  if (!found) {
    throw new UserError(`Workbook ${item.source} has no sheet named "${options.sheet}"`, {
      code: 'INGEST_XLSX_SHEET_NOT_FOUND',
      details: { source: item.source, sheet: options.sheet },
    });
  }
  if (header === undefined) {
    throw new UserError(`Workbook ${item.source} has no header row at row ${headerRow}`, {
      code: 'INGEST_XLSX_HEADER_INVALID',
      details: { source: item.source, row: headerRow },
    });
  }
  return { table, columns: await inferTypes(connection, table, header) };
}

/** The header cells from `first` to `last` (1-based column numbers), which must be present and distinct. */
function headerNames(values: unknown[], first: number, last: number, row: number, source: string): string[] {
  const names: string[] = [];
  const problems: string[] = [];
  for (let column = first; column <= last; column++) {
    const name = textOf(values[column])?.trim();
    const cell = `${columnLetters(column)}${row}`;
    if (name === undefined || name === '') problems.push(`${cell} is empty`);
    else if (names.includes(name)) problems.push(`${cell} repeats "${name}"`);
    else names.push(name);
  }
  if (problems.length > 0 || names.length === 0) {
    throw new UserError(
      `The header row of ${source} is not usable: ${problems.join(', ') || 'it has no cells'} ` +
        '(merged header cells read as empty); unmerge them, or choose headerRow/range',
      { code: 'INGEST_XLSX_HEADER_INVALID', details: { source, problems } },
    );
  }
  return names;
}

/** Each column's narrowest type that every non-empty value casts to. */
async function inferTypes(connection: DuckDBConnection, table: string, columns: string[]): Promise<DiscoveredColumn[]> {
  const candidates = ['BIGINT', 'DOUBLE', 'BOOLEAN', 'DATE', 'TIMESTAMP'];
  // A timestamp text casts to DATE too (dropping its time): DATE only fits values that are dates alone.
  const cast = (c: string, type: string) =>
    type === 'DATE'
      ? `CASE WHEN length(${quote(c)}) = 10 THEN TRY_CAST(${quote(c)} AS DATE) END`
      : `TRY_CAST(${quote(c)} AS ${type})`;
  const checks = columns.flatMap((c) =>
    candidates.map((type) => `count(${quote(c)}) = count(${cast(c, type)}) AND count(${quote(c)}) > 0`),
  );
  const reader = await connection.runAndReadAll(`SELECT ${checks.join(', ')} FROM ${table}`);
  const flags = reader.getRows()[0] ?? [];
  return columns.map((name, i) => {
    const index = candidates.findIndex((_, j) => flags[i * candidates.length + j] === true);
    return { name, type: index === -1 ? 'VARCHAR' : candidates[index]!, nullable: true };
  });
}

/** A cell value as text: dates as ISO 8601, formulas by their result, rich text and links by their text. */
function textOf(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (value instanceof Date) {
    const iso = value.toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso.replace('Z', '');
  }
  if (typeof value === 'object') {
    const cell = value as { result?: unknown; richText?: Array<{ text: string }>; text?: unknown; error?: string };
    if (cell.richText !== undefined) return cell.richText.map((part) => part.text).join('');
    if ('result' in cell) return textOf(cell.result);
    if (cell.text !== undefined) return textOf(cell.text);
    if (cell.error !== undefined) return cell.error;
    return JSON.stringify(value);
  }
  return String(value);
}

function firstUsed(values: unknown[]): number {
  const index = values.findIndex((v, i) => i > 0 && v !== null && v !== undefined);
  return index === -1 ? 1 : index;
}

function parseRange(range: string): { left: number; top: number; right: number; bottom: number } {
  const match = /^([A-Za-z]{1,3})([0-9]+):([A-Za-z]{1,3})([0-9]+)$/.exec(range);
  if (match === null) {
    throw new UserError(`xlsx range "${range}" must look like B3:F200`, { code: 'INGEST_XLSX_RANGE_INVALID' });
  }
  const [left, right] = [columnNumber(match[1]!), columnNumber(match[3]!)];
  const [top, bottom] = [Number(match[2]), Number(match[4])];
  if (right < left || bottom < top) {
    throw new UserError(`xlsx range "${range}" must go from its top-left to its bottom-right cell`, {
      code: 'INGEST_XLSX_RANGE_INVALID',
    });
  }
  return { left, top, right, bottom };
}

function columnNumber(letters: string): number {
  return [...letters.toUpperCase()].reduce((n, c) => n * 26 + c.charCodeAt(0) - 64, 0);
}

function columnLetters(column: number): string {
  let letters = '';
  for (let n = column; n > 0; n = Math.floor((n - 1) / 26))
    letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}

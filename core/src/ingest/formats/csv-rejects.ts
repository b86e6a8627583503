import { REJECTS_TABLE, type TargetColumn } from './item-relation.ts';
import { literal } from './sql-names.ts';

/** DuckDB's CSV error types and the stable `error_type`s the rejects table carries. */
const ERROR_TYPES: Readonly<Record<string, string>> = {
  CAST: 'CAST',
  'TOO MANY COLUMNS': 'TOO_MANY_COLUMNS',
  'MISSING COLUMNS': 'MISSING_COLUMNS',
  'UNQUOTED VALUE': 'UNQUOTED_VALUE',
  'LINE SIZE OVER MAXIMUM': 'LINE_TOO_LONG',
  'INVALID ENCODING': 'INVALID_ENCODING',
  'INVALID UNICODE': 'INVALID_ENCODING',
};

/**
 * The `INSERT` moving one `read_csv` scan's rejects (DuckDB's `rejects_table`) into the session's rejects table:
 * one row per rejected line (DuckDB may report a line twice, e.g. an unterminated quote that also lacks columns),
 * with the first problem's column and type, every problem's reason, and the raw line (DuckDB keeps the first
 * 10,000 characters of an over-long line).
 */
export function csvRejectsInsert(
  csvRejects: string,
  source: string,
  columns: readonly TargetColumn[],
  limits: { maxLineSize: number; encoding: string },
): string {
  const type =
    columns.length === 0
      ? 'NULL'
      : `CASE column_name ${columns.map((c) => `WHEN ${literal(c.name)} THEN ${literal(c.type)}`).join(' ')} END`;
  const errorType = `CASE error_type ${Object.entries(ERROR_TYPES)
    .map(([duck, stable]) => `WHEN ${literal(duck)} THEN ${literal(stable)}`)
    .join(' ')} ELSE replace(error_type, ' ', '_') END`;
  const fields = (what: 'Found' | 'Columns') => `regexp_extract(error_message, '${what}: (\\d+)', 1)`;
  const castValue = `regexp_extract(error_message, '(?s)Could not convert string "(.*)" to ''', 1)`;
  const reason = `CASE error_type
    WHEN 'CAST' THEN CASE WHEN ${castValue} <> ''
      THEN 'cannot cast "' || left(${castValue}, 200) || '" to ' || coalesce(${type}, 'its type') || ' in column ' || column_name
      ELSE error_message || ' (column ' || column_name || ')' END
    WHEN 'TOO MANY COLUMNS' THEN 'the line has ' || ${fields('Found')} || ' fields where ' || ${fields('Columns')} || ' are expected'
    WHEN 'MISSING COLUMNS' THEN 'the line has ' || ${fields('Found')} || ' fields where ' || ${fields('Columns')} || ' are expected'
    WHEN 'UNQUOTED VALUE' THEN 'a quoted value is not closed, or text follows its closing quote; the raw row runs to ' ||
      'where the quote ended (check the quote and escape characters)'
    WHEN 'LINE SIZE OVER MAXIMUM' THEN 'the line is ' || regexp_extract(error_message, 'Actual Size:\\s*(\\d+)', 1) ||
      ' bytes long, more than csv.maxLineSize (${limits.maxLineSize} bytes); raw_row holds its beginning'
    WHEN 'INVALID ENCODING' THEN 'the line is not valid ${limits.encoding} (undecodable bytes show as ? in raw_row): ' ||
      'set the stream''s csv.encoding (utf-8, latin-1, utf-16)'
    WHEN 'INVALID UNICODE' THEN 'the line is not valid ${limits.encoding} (undecodable bytes show as ? in raw_row): ' ||
      'set the stream''s csv.encoding (utf-8, latin-1, utf-16)'
    ELSE error_message END`;
  // A scan run more than once (a retried COPY) reports its lines again under a new scan id: the last one counts.
  return (
    `INSERT INTO ${REJECTS_TABLE} SELECT ${literal(source)}, line, first(column_name ORDER BY column_idx), ` +
    `first(kind ORDER BY column_idx), string_agg(reason, '; ' ORDER BY column_idx), first(raw ORDER BY column_idx) ` +
    `FROM (SELECT line, column_idx, column_name, ${errorType} AS kind, ${reason} AS reason, csv_line AS raw ` +
    `FROM ${csvRejects} WHERE scan_id = (SELECT max(scan_id) FROM ${csvRejects})) GROUP BY line`
  );
}

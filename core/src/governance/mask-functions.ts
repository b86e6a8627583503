import { quote } from '../engine/dataset-view.ts';

/** The mask functions a column can be masked with (docs/data-policies.md). */
export const MASK_FUNCTIONS = ['partial', 'hash', 'redact', 'null'] as const;

/** A mask function name. */
export type MaskFunction = (typeof MASK_FUNCTIONS)[number];

/** A column of a dataset: its name and its DuckDB type as the dataset's schema gives it (e.g. `duckdbType()`). */
export interface DatasetColumn {
  readonly name: string;
  readonly type: string;
}

const STRING_TYPE = /^\s*(VARCHAR|TEXT|STRING|CHAR|BPCHAR|NVARCHAR)\s*(\(\s*\d+\s*\))?\s*$/i;

/** Whether `value` names a mask function. */
export function isMaskFunction(value: string): value is MaskFunction {
  return (MASK_FUNCTIONS as readonly string[]).includes(value);
}

/**
 * How much a mask hides, to pick one when several apply: `null` and `redact` hide everything, `hash` keeps
 * equality (joins, counts of distinct values), `partial` keeps a hint of the value.
 */
export function strongerMask(a: MaskFunction, b: MaskFunction): MaskFunction {
  return MASK_FUNCTIONS.indexOf(a) >= MASK_FUNCTIONS.indexOf(b) ? a : b;
}

/**
 * The SQL expression that replaces `column` in a dataset view (`SELECT * REPLACE (<expr> AS column)`):
 * - `redact`: strings become `'***'` (NULLs too: even their absence is hidden); other types become a NULL of the
 *   column's type;
 * - `hash`: the hex SHA-256 of the value cast to VARCHAR (so equal values still join); NULL stays NULL;
 * - `partial`: an e-mail keeps its first character and its domain (`jane.doe@example.com` → `j***@example.com`),
 *   another string keeps its first character (`Jane` → `J***`), a string of fewer than two characters becomes
 *   `'***'`; NULL stays NULL; non-strings are redacted;
 * - `null`: a NULL of the column's type.
 *
 * The column name is quoted here; the type is trusted SQL from the dataset's schema, never user input.
 */
export function maskExpression(mask: MaskFunction, column: DatasetColumn): string {
  const value = quote(column.name);
  const typedNull = `CAST(NULL AS ${column.type})`;
  const isString = STRING_TYPE.test(column.type);
  switch (mask) {
    case 'null':
      return typedNull;
    case 'redact':
      return isString ? `'***'` : typedNull;
    case 'hash':
      return `sha256(CAST(${value} AS VARCHAR))`;
    case 'partial':
      if (!isString) return typedNull;
      return (
        `CASE WHEN ${value} IS NULL THEN NULL ` +
        `WHEN length(${value}) < 2 THEN '***' ` +
        `WHEN regexp_matches(${value}, '^[^@]+@[^@]+$') THEN left(${value}, 1) || '***' || regexp_extract(${value}, '@[^@]+$') ` +
        `ELSE left(${value}, 1) || '***' END`
      );
  }
}

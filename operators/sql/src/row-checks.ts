import { quoteIdentifier, quoteLiteral, subquery } from '@assay/sdk';
import type { ContractPlan } from './contract-plan.ts';

/**
 * A condition every row of the query result must meet before it is written. The SQL pieces are built by the
 * operator from config it validated (names quoted, types checked by DuckDB), over the query's row.
 */
export interface RowCheck {
  readonly kind: 'type' | 'not_null' | 'key_null' | 'key_duplicate';
  /** `_rule` of a quarantined row: `sql.contract.type`, `sql.merge.key_null` … */
  readonly rule: string;
  /** The config path a failure names. */
  readonly path: string;
  /** A SQL expression: the `_column` of a quarantined row. */
  readonly column: string;
  /** True for a row breaking the check; unused for `key_duplicate`, which counts the rows of each key. */
  readonly condition: string;
  /** A SQL expression: the `_reason` of a quarantined row, also the sample an error shows. */
  readonly reason: string;
  readonly onProblem: 'fail' | 'quarantine';
  /** A type check's cast, to ask DuckDB why a value does not cast. */
  readonly cast?: { readonly raw: string; readonly from: string; readonly to: string };
  /** A duplicate check's key expressions. */
  readonly keys?: readonly string[];
}

/** The statements a checked write runs: the rows to write, the rows to quarantine, and a count per broken check. */
export interface CheckedRows {
  readonly write: string;
  readonly quarantine: string;
  /** Rows `problem` (1-based index of the check), `rows`, `sample` (the smallest reason), by problem. */
  readonly summary: string;
}

/** The helper columns of the checked rows (the prefix core refuses in written columns, so no query has them). */
const PROBLEM = quoteIdentifier('__assay_problem');
/** How many rows that passed the row checks share the row's merge key: in a duplicate key's `_reason`. */
export const KEY_ROWS = quoteIdentifier('__assay_key_rows');

/**
 * The write without checks: the query's rows fitted to the planned columns with strict casts (the query itself if
 * the columns are its own). For queries with no checks, or whose rows all passed them.
 */
export function plainRows(sql: string, plan: ContractPlan, identity: boolean): string {
  return identity ? sql : `SELECT ${projection(plan, 'strict')} FROM ${subquery(sql, 'assay_raw')}`;
}

/**
 * Each row of the query marked with the first check it breaks (row checks in order, then duplicate keys among the
 * rows that passed them), in one statement DuckDB plans as a whole: written rows are those with no mark,
 * quarantined rows the others, as the query returned them.
 */
export function checkedRows(sql: string, plan: ContractPlan, checks: readonly RowCheck[]): CheckedRows {
  const rowLevel = checks.flatMap((check, index) =>
    check.kind === 'key_duplicate' ? [] : [`WHEN ${check.condition} THEN ${index + 1}`],
  );
  const duplicate = checks.findIndex((check) => check.kind === 'key_duplicate');
  const marked = rowLevel.length === 0 ? 'NULL::INTEGER' : `CASE ${rowLevel.join(' ')} END`;
  let cte = `WITH assay_source AS (SELECT assay_raw.*, ${marked} AS ${PROBLEM} FROM ${subquery(sql, 'assay_raw')})`;
  const helpers = [PROBLEM];
  if (duplicate >= 0) {
    const perKey = `count(*) FILTER (WHERE ${PROBLEM} IS NULL) OVER (PARTITION BY ${checks[duplicate]!.keys!.join(', ')})`;
    cte +=
      `, assay_checked AS (SELECT * REPLACE (coalesce(${PROBLEM}, CASE WHEN ${perKey} > 1 THEN ${duplicate + 1} END) ` +
      `AS ${PROBLEM}), ${perKey} AS ${KEY_ROWS} FROM assay_source)`;
    helpers.push(KEY_ROWS);
  } else {
    cte += ', assay_checked AS (SELECT * FROM assay_source)';
  }
  const each = (part: (check: RowCheck) => string) =>
    `CASE ${PROBLEM} ${checks.map((check, index) => `WHEN ${index + 1} THEN ${part(check)}`).join(' ')} END`;
  return {
    write: `${cte}\nSELECT ${projection(plan, 'expression')} FROM assay_checked WHERE ${PROBLEM} IS NULL`,
    quarantine:
      `${cte}\nSELECT * EXCLUDE (${helpers.join(', ')}), ${each((c) => quoteLiteral(c.rule))} AS _rule, ` +
      `${each((c) => c.reason)} AS _reason, ${each((c) => c.column)} AS _column ` +
      `FROM assay_checked WHERE ${PROBLEM} IS NOT NULL`,
    summary:
      `${cte}\nSELECT ${PROBLEM} AS problem, count(*)::BIGINT AS rows, min(${each((c) => c.reason)}) AS sample ` +
      `FROM assay_checked WHERE ${PROBLEM} IS NOT NULL GROUP BY 1 ORDER BY 1`,
  };
}

function projection(plan: ContractPlan, form: 'expression' | 'strict'): string {
  return plan.columns.map((column) => `${column[form]} AS ${quoteIdentifier(column.name)}`).join(', ');
}

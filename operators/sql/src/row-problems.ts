import { AssayError, InputError, type OperatorContext, subquery } from '@assay/sdk';
import type { CheckedRows, RowCheck } from './row-checks.ts';

/** How many rows broke each check. */
export interface RowProblems {
  /** Rows the write leaves out and the quarantine takes. */
  readonly quarantined: number;
  readonly byRule: Record<string, number>;
}

/**
 * Counts the rows breaking each check (one pass over the query, small result) and fails the run on the first
 * check whose setting is `fail`, naming it and a sample row: `SQL_CONTRACT_TYPE_MISMATCH`, `SQL_CONTRACT_NOT_NULL`,
 * `SQL_MERGE_KEY_NULL`, `SQL_MERGE_KEY_DUPLICATE`. A declared type DuckDB cannot cast the query's type to at all
 * (`DATE` to `INTEGER`) fails whatever the setting: quarantining every row would hide the mistake.
 */
export async function findRowProblems(
  ctx: OperatorContext,
  sql: string,
  checks: readonly RowCheck[],
  rows: CheckedRows,
): Promise<RowProblems> {
  const found = await ctx.engine.query(rows.summary, { limit: checks.length });
  const byRule: Record<string, number> = {};
  let quarantined = 0;
  for (const row of found) {
    const check = checks[Number(row.problem) - 1]!;
    const count = Number(row.rows);
    const sample = String(row.sample);
    byRule[check.rule] = (byRule[check.rule] ?? 0) + count;
    const duckdb = check.cast === undefined ? undefined : await castError(ctx, sql, check);
    const unimplemented = duckdb !== undefined && /Unimplemented type for cast/i.test(duckdb);
    if (check.onProblem === 'fail' || unimplemented) throw problemError(check, count, sample, duckdb, unimplemented);
    quarantined += count;
  }
  return { quarantined, byRule };
}

/** DuckDB's own words for the first value that does not cast: `Could not convert string 'x' to INT32`. */
async function castError(ctx: OperatorContext, sql: string, check: RowCheck): Promise<string | undefined> {
  const { raw, to } = check.cast!;
  try {
    await ctx.engine.query(
      `SELECT CAST(${raw} AS ${to}) AS v FROM ${subquery(sql, 'assay_raw')} WHERE ${check.condition}`,
      {
        limit: 1,
      },
    );
    return undefined;
  } catch (error) {
    if (error instanceof AssayError && error.code === 'SQL_ERROR') return error.message;
    throw error;
  }
}

function problemError(
  check: RowCheck,
  count: number,
  sample: string,
  duckdb: string | undefined,
  unimplemented: boolean,
): InputError {
  const rows = `${count} row(s) of the query result`;
  const details = { path: check.path, rule: check.rule, rows: count, sample };
  const because = duckdb === undefined ? '' : ` (DuckDB: ${duckdb})`;
  switch (check.kind) {
    case 'type': {
      const { from, to } = check.cast!;
      const message = unimplemented
        ? `${check.path} declares type ${to}, but the query returns ${from}, which DuckDB cannot cast to it${because}: ` +
          'declare a type it casts to, or convert the column in the query'
        : `${check.path} declares type ${to}: ${rows} hold values that do not cast from ${from}, e.g. ${sample}` +
          `${because}: fix them in the query, or set config.contract.onViolation to quarantine`;
      return new InputError(message, { code: 'SQL_CONTRACT_TYPE_MISMATCH', details: { ...details, from, to } });
    }
    case 'not_null':
      return new InputError(
        `${check.path} declares nullable: false, but ${rows} have NULL there: ${sample}. Fill or filter them in the ` +
          'query, or set config.contract.onViolation to quarantine',
        { code: 'SQL_CONTRACT_NOT_NULL', details },
      );
    case 'key_null':
      return new InputError(
        `${check.path}: ${rows} have a NULL key, e.g. ${sample}. Filter or fill them in the query, or set ` +
          'config.write.onKeyProblem to quarantine',
        { code: 'SQL_MERGE_KEY_NULL', details },
      );
    case 'key_duplicate':
      return new InputError(
        `${check.path}: ${rows} share their key with another row, e.g. ${sample}; a merge takes one row per key. ` +
          'Deduplicate in the query (QUALIFY row_number() OVER (PARTITION BY <key> ORDER BY <newest first>) = 1), or ' +
          'set config.write.onKeyProblem to quarantine',
        { code: 'SQL_MERGE_KEY_DUPLICATE', details },
      );
  }
}

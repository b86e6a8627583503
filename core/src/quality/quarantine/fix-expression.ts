import { InputError } from '@assay/sdk';
import { createCheckSqlParser } from '../../pipelines/document/validate-check-parser.ts';

/** Longest fix expression accepted. */
export const FIX_EXPRESSION_MAX_LENGTH = 4000;

/**
 * Checks bulk-fix expressions with DuckDB's own parser before they run, as pipeline validation checks a check's
 * `fix`: each must be one scalar expression over the row's columns — not a statement, no second statement, nothing
 * added to the query around it, no subquery, window function, parameter or aggregate. Refuses the first bad one with
 * 400 `QUARANTINE_FIX_INVALID` naming its column. Whether the columns it names exist is checked when it binds.
 */
export async function assertFixExpressions(set: Readonly<Record<string, string>>): Promise<void> {
  const parser = createCheckSqlParser();
  try {
    for (const [column, expression] of Object.entries(set)) {
      if (expression.trim() === '' || expression.length > FIX_EXPRESSION_MAX_LENGTH) {
        throw invalid(column, `must be a non-empty SQL expression of at most ${FIX_EXPRESSION_MAX_LENGTH} characters`);
      }
      const parsed = await parser.expression(expression);
      if ('refused' in parsed) throw invalid(column, parsed.refused);
      const [aggregate] = parsed.facts.aggregates;
      if (aggregate !== undefined) {
        throw invalid(column, `may not call ${aggregate}(): a fix works on one row at a time, with scalar functions`);
      }
    }
  } finally {
    await parser.close();
  }
}

function invalid(column: string, problem: string): InputError {
  return new InputError(`The fix for column "${column}" ${problem}`, {
    code: 'QUARANTINE_FIX_INVALID',
    details: { column },
  });
}

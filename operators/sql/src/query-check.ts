import { AssayError, InputError, type OperatorColumn, type OperatorContext } from '@assay/sdk';
import { sqlErrorLocation } from './sql-error-location.ts';

/**
 * Describes the user's query (`config.sql` or `config.initialSql`), which the engine first checks is one read-only
 * SELECT over the session's views. DuckDB's parse and bind errors become `SQL_INVALID` naming the field, with the
 * line and column of the spot (and DuckDB's `LINE n:` excerpt); a query reading the job's own output before it
 * exists is `SQL_OUTPUT_NOT_CREATED`. The engine's other refusals (`SQL_NOT_A_QUERY`, `SQL_RELATION_NOT_ALLOWED`,
 * `SQL_FUNCTION_NOT_ALLOWED`) pass as they are.
 */
export async function describeQuery(
  ctx: OperatorContext,
  field: 'sql' | 'initialSql',
  sql: string,
): Promise<OperatorColumn[]> {
  try {
    return await ctx.engine.describe(sql);
  } catch (error) {
    const output = ctx.output;
    const relation = error instanceof AssayError ? error.details?.relation : undefined;
    if (
      error instanceof AssayError &&
      error.code === 'SQL_RELATION_NOT_ALLOWED' &&
      output !== undefined &&
      output.version === undefined &&
      relation === output.dataset.toLowerCase()
    ) {
      throw new InputError(
        `config.${field} reads ${output.dataset}, the job's own output, which does not exist yet: give ` +
          'config.initialSql for the first run (the query without what it reads from the output)',
        { code: 'SQL_OUTPUT_NOT_CREATED', cause: error, details: { path: `config.${field}`, dataset: output.dataset } },
      );
    }
    throw invalidSql(field, error, sql);
  }
}

/** Runs a check of SQL built from a config field; DuckDB's parse and bind errors become `SQL_INVALID` for it. */
export async function checkedSql<T>(field: string, check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (error) {
    throw invalidSql(field, error);
  }
}

/** `SQL_INVALID` naming the field for DuckDB's errors (located in `sql` when given); other errors as they are. */
function invalidSql(field: string, error: unknown, sql?: string): unknown {
  if (!(error instanceof AssayError) || (error.code !== 'SQL_ERROR' && error.code !== 'SQL_INVALID')) return error;
  const problem = error.message.replace(/^SQL is invalid: /, '');
  // The engine's `position` counts in the trimmed statement it checked: line and column replace it.
  const { position: _position, ...known } = error.details ?? {};
  const location = sql === undefined ? undefined : sqlErrorLocation(sql, error);
  const where = location === undefined ? '' : ` (line ${location.line}, column ${location.column})`;
  return new InputError(
    `config.${field} is invalid: ${problem}${where}${location === undefined ? '' : `\n\n${location.excerpt}`}`,
    {
      code: 'SQL_INVALID',
      cause: error,
      details: {
        ...known,
        path: `config.${field}`,
        ...(location === undefined ? {} : { line: location.line, column: location.column }),
      },
    },
  );
}

import { InputError } from '@assay/sdk';
import type { DuckDBConnection, DuckDBResultReader } from '@duckdb/node-api';
import { engineError } from '../../engine/engine-errors.ts';

/**
 * Runs SQL an operation built from trusted fragments (predicates, expressions, a source query). A mistake in a
 * fragment (parse, bind or conversion error) becomes `SQL_ERROR` (InputError) prefixed with `context`, e.g.
 * `DELETE from file:///lake/t: Binder Error: Referenced column "nope" not found`; anything else is classified as
 * the engine classifies it.
 */
export async function runSql(connection: DuckDBConnection, sql: string, context: string): Promise<DuckDBResultReader> {
  try {
    return await connection.runAndReadAll(sql);
  } catch (error) {
    const classified = engineError(error, undefined);
    if (classified.code !== 'SQL_ERROR') throw classified;
    throw new InputError(
      `${context}: ${classified.message.replace(/[.!]+$/, '')}. Fix the SQL given to the operation`,
      {
        code: 'SQL_ERROR',
        cause: error,
      },
    );
  }
}

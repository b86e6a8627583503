import { isDeepStrictEqual } from 'node:util';
import { InputError } from '@assay/sdk';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { visit } from '../../engine/sql-guard.ts';

/** Longest fix expression accepted. */
export const FIX_EXPRESSION_MAX_LENGTH = 4000;

/** What wraps an expression while it is parsed; the alias shows nothing was added after the expression. */
const ALIAS = 'assay_fix_value';
/** Expression classes a fix may not contain: queries, window functions, prepared-statement parameters. */
const FORBIDDEN_CLASSES = new Set(['SUBQUERY', 'WINDOW', 'PARAMETER']);
/** Table references and query nodes: any of them inside the expression means it reads something else. */
const FORBIDDEN_TYPES = new Set([
  'SUBQUERY',
  'BASE_TABLE',
  'TABLE_FUNCTION',
  'JOIN',
  'SELECT_NODE',
  'SET_OPERATION_NODE',
  'RECURSIVE_CTE_NODE',
  'CTE_NODE',
]);

interface SerializedSql {
  error: boolean;
  error_message?: string;
  statements?: Array<{ node?: Record<string, unknown> }>;
}

/**
 * Checks bulk-fix expressions with DuckDB's own parser before they run: each must be one scalar expression over the
 * row's columns — not a statement, no second statement, no query around or inside it (subqueries, `UNION`,
 * `FROM`, `ORDER BY`), no table functions, aggregates, window functions or parameters. Refuses the first bad one
 * with 400 `QUARANTINE_FIX_INVALID` naming its column. Whether the columns it names exist is checked when it binds.
 */
export async function assertFixExpressions(set: Readonly<Record<string, string>>): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const template = await parse(connection, `SELECT (NULL\n) AS ${ALIAS}`, '');
    const forbidden = await forbiddenFunctionNames(connection);
    for (const [column, expression] of Object.entries(set)) {
      if (expression.trim() === '' || expression.length > FIX_EXPRESSION_MAX_LENGTH) {
        throw invalid(column, `must be a non-empty SQL expression of at most ${FIX_EXPRESSION_MAX_LENGTH} characters`);
      }
      // The newline keeps a trailing line comment from swallowing the closing parenthesis.
      const node = await parse(connection, `SELECT (${expression}\n) AS ${ALIAS}`, column);
      const list = node.select_list as Array<Record<string, unknown>> | undefined;
      if (list?.length !== 1 || list[0]?.alias !== ALIAS || !isDeepStrictEqual(outside(node), outside(template))) {
        throw invalid(column, 'must be a single expression, not a query (no FROM, UNION, ORDER BY, LIMIT, …)');
      }
      visit(list[0], (child) => {
        if (FORBIDDEN_CLASSES.has(String(child.class)) || FORBIDDEN_TYPES.has(String(child.type))) {
          throw invalid(column, `may not contain a ${String(child.class ?? child.type).toLowerCase()}`);
        }
        const name = typeof child.function_name === 'string' ? child.function_name.toLowerCase() : undefined;
        if (child.class === 'FUNCTION' && name !== undefined && forbidden.has(name)) {
          throw invalid(column, `may not call ${name}(): a fix works on one row at a time, with scalar functions`);
        }
      });
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function parse(connection: DuckDBConnection, sql: string, column: string): Promise<Record<string, unknown>> {
  const reader = await connection.runAndReadAll('SELECT json_serialize_sql($1::VARCHAR) AS ast', [sql]);
  const serialized = JSON.parse(String(reader.getRowObjectsJson()[0]?.ast)) as SerializedSql;
  const single = 'must be a single expression, without a semicolon or a second statement';
  if (serialized.error) {
    const reason = (serialized.error_message ?? 'it cannot be parsed').split('\n')[0] ?? '';
    // The parser serializes only SELECTs: a statement of another kind came after a semicolon.
    throw invalid(column, /only SELECT statements/i.test(reason) ? single : `is not a valid SQL expression: ${reason}`);
  }
  const statements = serialized.statements ?? [];
  if (statements.length !== 1 || statements[0]?.node === undefined) throw invalid(column, single);
  return statements[0].node;
}

/** The query around the select list, without source positions: it must be the template's. */
function outside(node: Record<string, unknown>): unknown {
  return withoutLocations({ ...node, select_list: null });
}

function withoutLocations(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutLocations);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== 'query_location')
      .map(([key, child]) => [key, withoutLocations(child)]),
  );
}

/** Table functions, table macros and aggregates; names also used by a scalar function stay allowed. */
async function forbiddenFunctionNames(connection: DuckDBConnection): Promise<Set<string>> {
  const reader = await connection.runAndReadAll(
    `SELECT function_name AS name FROM duckdb_functions() GROUP BY function_name
     HAVING bool_or(function_type IN ('table', 'table_macro', 'aggregate'))
        AND NOT bool_or(function_type IN ('scalar', 'macro'))`,
  );
  return new Set(reader.getRowObjectsJson().map((row) => String(row.name).toLowerCase()));
}

function invalid(column: string, problem: string): InputError {
  return new InputError(`The fix for column "${column}" ${problem}`, {
    code: 'QUARANTINE_FIX_INVALID',
    details: { column },
  });
}

import { isDeepStrictEqual } from 'node:util';
import { InputError, type Principal } from '@assay/sdk';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { literal } from '../engine/dataset-view.ts';
import { visit } from '../engine/sql-guard.ts';

/** Longest row-filter predicate accepted. */
export const ROW_FILTER_MAX_LENGTH = 4000;

const PLACEHOLDER = /\{\{\s*principal\.(id|email|name)\s*\}\}/g;
/** A placeholder must stand alone as a value: `E{{…}}` would make an escape-string literal of the substitution. */
const GLUED_BEFORE = /[\p{L}\p{N}_$'"&\\]$/u;
const GLUED_AFTER = /^[\p{L}\p{N}_$'"]/u;
/** What placeholders stand for while the predicate is checked. */
const MARKER = '\u0001assay-placeholder';

/** Expression classes a row filter may not contain: queries, window functions, prepared-statement parameters. */
const FORBIDDEN_CLASSES = new Set(['SUBQUERY', 'WINDOW', 'PARAMETER']);
/** Table-reference and query-node types: any of them inside the predicate means it reads something else. */
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
 * Checks an admin-supplied row-filter predicate with DuckDB's own parser before it is stored: the view puts it
 * after `WHERE` as trusted SQL, so it must be one self-contained boolean expression over the dataset's columns.
 * Refuses (InputError `ROW_FILTER_INVALID`) a predicate that does not parse, a second statement, anything that
 * turns the query into something else than `SELECT * FROM t WHERE (<predicate>)` (`1=1) UNION SELECT …`,
 * `… ORDER BY …`), parentheses that do not balance on their own (`a) OR (true`, which would escape the
 * parentheses other filters are AND-ed in), subqueries (`EXISTS (…)`, `x IN (SELECT …)`), table functions
 * (`read_parquet`, `read_csv`, …), aggregates, window functions, parameters, unknown placeholders and placeholders
 * that are not a value of their own (inside a string literal, a comment or glued to a prefix such as `E`).
 * Whether the referenced columns exist is only known when a dataset is queried.
 */
export async function assertValidRowFilter(predicate: string): Promise<void> {
  if (predicate.trim() === '' || predicate.length > ROW_FILTER_MAX_LENGTH) {
    throw invalid(`A row filter must be a non-empty predicate of at most ${ROW_FILTER_MAX_LENGTH} characters`);
  }
  let placeholders = 0;
  const checked = predicate.replace(PLACEHOLDER, (match, _field: string, offset: number) => {
    const before = predicate.slice(0, offset);
    const afterText = predicate.slice(offset + match.length);
    if (GLUED_BEFORE.test(before) || GLUED_AFTER.test(afterText)) {
      throw invalid(`Placeholder ${match} must stand alone as a value, e.g. "owner = ${match}"`);
    }
    placeholders += 1;
    return literal(MARKER);
  });
  if (checked.includes('{{')) {
    throw invalid('Unknown placeholder: only {{principal.id}}, {{principal.email}} and {{principal.name}} exist');
  }
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const bare = await parse(connection, `SELECT * FROM t WHERE ${checked}`);
    const wrapped = await parse(connection, `SELECT * FROM t WHERE (${checked})`);
    const template = await parse(connection, 'SELECT * FROM t WHERE (true)');
    const where = wrapped.where_clause;
    if (!isDeepStrictEqual(withoutWhere(wrapped), withoutWhere(template))) {
      throw invalid('A row filter must be a predicate only, not a query (no UNION, ORDER BY, LIMIT, GROUP BY, …)');
    }
    if (
      !isDeepStrictEqual(bare.where_clause, where) ||
      !isDeepStrictEqual(withoutWhere(bare), withoutWhere(template))
    ) {
      throw invalid('The parentheses of a row filter must balance within the predicate');
    }
    const forbiddenFunctions = await forbiddenFunctionNames(connection);
    let markers = 0;
    visit(where, (node) => {
      if (FORBIDDEN_CLASSES.has(String(node.class)) || FORBIDDEN_TYPES.has(String(node.type))) {
        throw invalid(`A row filter may not contain a ${String(node.class ?? node.type).toLowerCase()}`);
      }
      const name = typeof node.function_name === 'string' ? node.function_name.toLowerCase() : undefined;
      if (node.class === 'FUNCTION' && name !== undefined && forbiddenFunctions.has(name)) {
        throw invalid(`A row filter may not call ${name}(): only scalar functions are allowed`, { function: name });
      }
      if (node.class === 'CONSTANT' && (node.value as { value?: unknown } | undefined)?.value === MARKER) markers += 1;
    });
    if (markers !== placeholders) {
      throw invalid('Placeholders must stand alone as values, not inside string literals, identifiers or comments');
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/**
 * The predicate with its placeholders replaced by the principal's values as SQL string literals (quotes escaped),
 * or NULL when the principal has no such value (a service account has no e-mail), which matches no row in a
 * comparison. Only call it on predicates {@link assertValidRowFilter} accepted.
 */
export function substitutePlaceholders(predicate: string, principal: Principal): string {
  return predicate.replace(PLACEHOLDER, (_match, field: 'id' | 'email' | 'name') => {
    const value = principal[field];
    return value === undefined ? 'NULL' : literal(value);
  });
}

async function parse(connection: DuckDBConnection, sql: string): Promise<Record<string, unknown>> {
  const reader = await connection.runAndReadAll('SELECT json_serialize_sql($1::VARCHAR) AS ast', [sql]);
  const serialized = JSON.parse(String(reader.getRowObjectsJson()[0]?.ast)) as SerializedSql;
  if (serialized.error) {
    const reason = serialized.error_message ?? 'it cannot be parsed';
    throw invalid(`A row filter must be a single SQL predicate: ${reason.split('\n')[0]}`);
  }
  const statements = serialized.statements ?? [];
  if (statements.length !== 1 || statements[0]?.node === undefined) {
    throw invalid('A row filter must be a single SQL predicate, without a semicolon or a second statement');
  }
  return withoutLocations(statements[0].node) as Record<string, unknown>;
}

/** Table functions, table macros and aggregates: none belongs in a row filter. Names also used by a scalar stay. */
async function forbiddenFunctionNames(connection: DuckDBConnection): Promise<Set<string>> {
  const reader = await connection.runAndReadAll(
    `SELECT function_name AS name FROM duckdb_functions() GROUP BY function_name
     HAVING bool_or(function_type IN ('table', 'table_macro', 'aggregate'))
        AND NOT bool_or(function_type IN ('scalar', 'macro'))`,
  );
  return new Set(reader.getRowObjectsJson().map((row) => String(row.name).toLowerCase()));
}

function withoutWhere(node: Record<string, unknown>): Record<string, unknown> {
  return { ...node, where_clause: null };
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

function invalid(message: string, details: Record<string, unknown> = {}): InputError {
  return new InputError(message, { code: 'ROW_FILTER_INVALID', details });
}

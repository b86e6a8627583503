import { InputError, NotAllowedError } from '@assay/sdk';
import type { DuckDBConnection } from '@duckdb/node-api';

/** Table functions user SQL may call: they generate rows and touch no files. */
const ALLOWED_TABLE_FUNCTIONS = new Set(['range', 'generate_series', 'unnest']);

interface SerializedSql {
  error: boolean;
  error_message?: string;
  error_type?: string;
  position?: string;
  statements?: unknown[];
}

/**
 * Checks user SQL with DuckDB's own parser before it runs: exactly one SELECT (or WITH … SELECT), reading only the
 * session's dataset views and its own CTEs, calling no table function that reads files. The DuckDB sandbox already
 * denies files outside the session's dataset files; this check closes the remaining door — reading a granted
 * dataset's Parquet files directly would bypass the masks and row filters defined in its view.
 */
export async function assertReadOnlyQuery(
  connection: DuckDBConnection,
  sql: string,
  relations: ReadonlySet<string>,
): Promise<void> {
  const reader = await connection.runAndReadAll('SELECT json_serialize_sql($1::VARCHAR) AS ast', [sql]);
  const serialized = JSON.parse(String(reader.getRowObjectsJson()[0]?.ast)) as SerializedSql;
  if (serialized.error) {
    const message = serialized.error_message ?? 'cannot be parsed';
    if (/only SELECT statements/i.test(message)) {
      throw new InputError('Only a single SELECT (or WITH … SELECT) query is allowed', { code: 'SQL_NOT_A_QUERY' });
    }
    throw new InputError(`SQL is invalid: ${message}`, {
      code: 'SQL_INVALID',
      details: serialized.position === undefined ? {} : { position: Number(serialized.position) },
    });
  }
  if ((serialized.statements ?? []).length !== 1) {
    throw new InputError('Only a single SELECT (or WITH … SELECT) query is allowed', { code: 'SQL_NOT_A_QUERY' });
  }
  const cteNames = new Set<string>();
  visit(serialized.statements, (node) => {
    for (const entry of (node.cte_map as { map?: Array<{ key?: string }> } | undefined)?.map ?? []) {
      if (entry.key !== undefined) cteNames.add(entry.key.toLowerCase());
    }
  });
  visit(serialized.statements, (node) => {
    if (node.type === 'TABLE_FUNCTION') {
      const name = String((node.function as { function_name?: string } | undefined)?.function_name ?? '').toLowerCase();
      if (!ALLOWED_TABLE_FUNCTIONS.has(name)) {
        throw new NotAllowedError(`Table function ${name}() is not allowed: query datasets through their names`, {
          code: 'SQL_FUNCTION_NOT_ALLOWED',
          details: { function: name },
        });
      }
    }
    if (node.type === 'BASE_TABLE') {
      const schema = String(node.schema_name ?? '').toLowerCase();
      const table = String(node.table_name ?? '').toLowerCase();
      const qualified = schema === '' ? table : `${schema}.${table}`;
      const known = node.catalog_name === '' && (relations.has(qualified) || (schema === '' && cteNames.has(table)));
      if (!known) {
        throw new NotAllowedError(
          `Relation "${qualified}" is not available in this session (available: ${[...relations].join(', ') || 'none'})`,
          { code: 'SQL_RELATION_NOT_ALLOWED', details: { relation: qualified } },
        );
      }
    }
  });
}

/** Calls `onNode` for every object in a parsed-SQL JSON tree, depth first. */
export function visit(value: unknown, onNode: (node: Record<string, unknown>) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) visit(item, onNode);
  } else if (typeof value === 'object' && value !== null) {
    onNode(value as Record<string, unknown>);
    for (const child of Object.values(value)) visit(child, onNode);
  }
}

import { UserError, type ConnectorState } from '@assay/sdk';
import { quoteIdent, quoteTable } from './pg-client.ts';
import type { PostgresStream } from './pg-config.ts';

/** The SELECT a stream reads, before any incremental condition. */
export function baseQuery(streamName: string, config: PostgresStream): string {
  if (config.table !== undefined && config.query !== undefined) {
    throw new UserError('Give either table or query, not both', { code: 'SOURCE_CONFIG_INVALID' });
  }
  if (config.query !== undefined) {
    const query = config.query.trim().replace(/;\s*$/, '');
    if (!/^(select|with)\b/i.test(query)) {
      throw new UserError('query must be a single SELECT (or WITH … SELECT)', { code: 'SOURCE_CONFIG_INVALID' });
    }
    return query;
  }
  const table = config.table ?? streamName;
  try {
    return `SELECT * FROM ${quoteTable(table)}`;
  } catch {
    throw new UserError(`"${table}" is not a table name (schema.table)`, { code: 'SOURCE_CONFIG_INVALID' });
  }
}

/** The state of an incremental stream: the highest watermark value committed, as PostgreSQL text. */
export interface IncrementalState {
  readonly watermark: string | null;
  readonly column: string;
}

/**
 * An incremental read: rows from the last watermark (inclusive, minus the look-back) up to the highest value present
 * when the read's snapshot was taken (inclusive). Inclusive at the bottom, so rows that share the boundary value and
 * committed after the last load are read; bounded at the top, so rows that arrive during the read wait for the next
 * load instead of being skipped by a watermark moved past them. Re-read rows are deduplicated by key in Bronze.
 */
export function incrementalQuery(
  base: string,
  config: PostgresStream,
  state: ConnectorState | undefined,
  upper: string | null,
): { sql: string; params: unknown[] } {
  const column = quoteIdent(config.watermark!);
  const previous = (state as IncrementalState | undefined)?.watermark ?? null;
  const conditions: string[] = [];
  const params: unknown[] = [];
  if (upper === null) return { sql: `SELECT * FROM (${base}) AS src WHERE false`, params };
  params.push(upper);
  conditions.push(`${column} <= $${params.length}`);
  if (previous !== null) {
    params.push(previous);
    const lower = `$${params.length}`;
    conditions.push(
      config.lookbackSeconds > 0
        ? `${column} >= ${lower}::timestamptz - make_interval(secs => ${config.lookbackSeconds})`
        : `${column} >= ${lower}`,
    );
  }
  return { sql: `SELECT * FROM (${base}) AS src WHERE ${conditions.join(' AND ')}`, params };
}

/** The highest watermark value present now, as text (null for an empty source). */
export function upperBoundQuery(base: string, config: PostgresStream): string {
  return `SELECT max(${quoteIdent(config.watermark!)})::text AS upper FROM (${base}) AS src`;
}

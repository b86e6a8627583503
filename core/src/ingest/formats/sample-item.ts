import type { DuckDBConnection } from '@duckdb/node-api';
import type { DataItem, ItemReader } from './item-relation.ts';
import { REJECTS_TABLE_DDL } from './item-relation.ts';

/** At most this many sample rows: discovery shows what a stream looks like, it does not load it. */
export const SAMPLE_ROWS_MAX = 20;

/**
 * The first `rows` rows of an item as a load would read them (its described columns and types), JSON-safe. Rows
 * the reader rejects are left out, as a load would quarantine them.
 */
export async function sampleItem(
  reader: ItemReader,
  connection: DuckDBConnection,
  item: DataItem,
  rows: number,
): Promise<Record<string, unknown>[]> {
  const limit = Math.max(0, Math.min(SAMPLE_ROWS_MAX, Math.floor(rows)));
  const columns = await reader.describe(connection, item);
  if (limit === 0 || columns.length === 0) return [];
  await connection.run(REJECTS_TABLE_DDL);
  const relation = await reader.open(connection, item, columns);
  try {
    const result = await connection.runAndReadAll(`SELECT * FROM (${relation.sql}) AS sampled LIMIT ${limit}`);
    return result.getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    await relation.release();
  }
}

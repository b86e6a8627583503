import type { DiscoveredColumn, FileItem } from '@assay/sdk';
import type { DuckDBConnection } from '@duckdb/node-api';
import { castRelation } from './cast-relation.ts';
import { requireColumns, rowJson } from './item-columns.ts';
import type { ItemRelation, TargetColumn } from './item-relation.ts';
import { literal } from './sql-names.ts';

function scan(item: FileItem): string {
  return `read_parquet(${literal(item.path)}, file_row_number = true)`;
}

/** Columns and types from the Parquet schema. */
export async function describeParquet(connection: DuckDBConnection, item: FileItem): Promise<DiscoveredColumn[]> {
  const reader = await connection.runAndReadAll(`DESCRIBE SELECT * EXCLUDE (file_row_number) FROM ${scan(item)}`);
  return reader.getRowObjectsJson().map((row) => ({
    name: String(row.column_name),
    type: String(row.column_type),
    nullable: true,
  }));
}

/**
 * Columns whose types differ from the target's are cast with `TRY_CAST`; rows whose values do not cast are rejected
 * with the row as JSON text and its 1-based position in the file as line.
 */
export async function openParquet(
  connection: DuckDBConnection,
  item: FileItem,
  columns: readonly TargetColumn[],
): Promise<ItemRelation> {
  const described = await describeParquet(connection, item);
  requireColumns(item.source, described, columns);
  const types = new Map(described.map((c) => [c.name, c.type]));
  return castRelation(
    connection,
    item.source,
    {
      from: scan(item),
      value: (column) => `src."${column.replaceAll('"', '""')}"`,
      rawRow: rowJson(described),
      line: 'src.file_row_number + 1',
      typeOf: (column) => types.get(column),
    },
    columns,
    async () => undefined,
  );
}

import type { DiscoveredColumn, FileItem } from '@assay/sdk';
import type { DuckDBConnection } from '@duckdb/node-api';
import { castRelation } from './cast-relation.ts';
import type { ItemRelation, TargetColumn } from './item-relation.ts';
import { literal } from './sql-names.ts';

function scan(item: FileItem): string {
  return `read_parquet(${literal(item.path)}, file_row_number = true)`;
}

export async function describeParquet(connection: DuckDBConnection, item: FileItem): Promise<DiscoveredColumn[]> {
  const reader = await connection.runAndReadAll(`DESCRIBE SELECT * EXCLUDE (file_row_number) FROM ${scan(item)}`);
  return reader.getRowObjectsJson().map((row) => ({
    name: String(row.column_name),
    type: String(row.column_type),
    nullable: true,
  }));
}

/** Columns whose types differ from the table's are cast, and rows whose values do not cast are rejected. */
export async function openParquet(
  connection: DuckDBConnection,
  item: FileItem,
  columns: readonly TargetColumn[],
): Promise<ItemRelation> {
  const types = new Map((await describeParquet(connection, item)).map((c) => [c.name, c.type]));
  return castRelation(
    connection,
    item.source,
    {
      from: scan(item),
      value: (column) => `src."${column.replaceAll('"', '""')}"`,
      rawRow: 'to_json(src)::VARCHAR',
      line: 'src.file_row_number + 1',
      typeOf: (column) => types.get(column),
    },
    columns,
    async () => undefined,
  );
}

import type { DiscoveredColumn } from '@assay/sdk';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { RecordBatch } from 'apache-arrow';
import { describeBatch, openBatch } from './arrow-batch.ts';
import { describeCsv, openCsv } from './csv-reader.ts';
import type { DataItem, ItemReader, ItemRelation, TargetColumn } from './item-relation.ts';
import { describeJson, openJson } from './json-reader.ts';
import { describeParquet, openParquet } from './parquet-reader.ts';
import { readFailure } from './read-errors.ts';
import { describeXlsx, openXlsx } from './xlsx-reader.ts';

/** Core's readers: each item format to its DuckDB reading, reader errors as UserErrors naming the source. */
export function createItemReader(): ItemReader {
  return {
    async describe(connection, item) {
      try {
        return await describe(connection, item);
      } catch (error) {
        throw readFailure(item, error);
      }
    },
    async open(connection, item, columns) {
      try {
        return await open(connection, item, columns);
      } catch (error) {
        throw readFailure(item, error);
      }
    },
  };
}

async function describe(connection: DuckDBConnection, item: DataItem): Promise<DiscoveredColumn[]> {
  if (item.kind === 'batch') return describeBatch(item.batch as RecordBatch);
  if (item.columns !== undefined) return [...item.columns];
  switch (item.format) {
    case 'csv':
      return describeCsv(connection, item);
    case 'json':
    case 'ndjson':
      return describeJson(connection, item);
    case 'parquet':
      return describeParquet(connection, item);
    case 'xlsx':
      return describeXlsx(connection, item);
  }
}

async function open(
  connection: DuckDBConnection,
  item: DataItem,
  columns: readonly TargetColumn[],
): Promise<ItemRelation> {
  if (item.kind === 'batch') return openBatch(connection, item.batch as RecordBatch, item.source ?? 'batch', columns);
  switch (item.format) {
    case 'csv':
      return openCsv(connection, item, columns);
    case 'json':
    case 'ndjson':
      return openJson(connection, item, columns);
    case 'parquet':
      return openParquet(connection, item, columns);
    case 'xlsx':
      return openXlsx(connection, item, columns);
  }
}

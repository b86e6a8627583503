import { stat } from 'node:fs/promises';
import { UserError, type DiscoveredColumn, type FileItem } from '@assay/sdk';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { RecordBatch } from 'apache-arrow';
import { describeBatch, openBatch } from './arrow-batch.ts';
import { describeCsv, openCsv } from './csv-reader.ts';
import type { DataItem, ItemReader, ItemRelation, TargetColumn } from './item-relation.ts';
import { describeJson, openJson } from './json-reader.ts';
import { describeParquet, openParquet } from './parquet-reader.ts';
import { readFailure } from './read-errors.ts';
import { describeXlsx, openXlsx } from './xlsx-reader.ts';

/**
 * Core's readers: each item format to its DuckDB reading, reader errors as UserErrors naming the source.
 *
 * Empty files: a CSV, JSON or NDJSON file with no bytes (after decompression) is zero rows without columns, the
 * way a daily drop with nothing new should load; an empty Parquet or Excel file cannot be a valid one (both have
 * a footer or a zip directory), so it is refused with `INGEST_FILE_EMPTY` — most likely a cut-off transfer.
 */
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
  await refuseEmptyBinary(item);
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
  await refuseEmptyBinary(item);
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

async function refuseEmptyBinary(item: FileItem): Promise<void> {
  if (item.format !== 'parquet' && item.format !== 'xlsx') return;
  if ((await stat(item.path)).size > 0) return;
  throw new UserError(
    `${item.source} is empty (0 bytes): a ${item.format === 'parquet' ? 'Parquet' : 'Excel'} file always has ` +
      'content, so the transfer or export was probably cut off',
    { code: 'INGEST_FILE_EMPTY', details: { source: item.source } },
  );
}

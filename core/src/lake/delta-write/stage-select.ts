import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { literal } from '../../engine/dataset-view.ts';
import { quoteIdentifier } from '../delta/delta-schema.ts';
import { runSql } from './run-sql.ts';
import { stagedFilesIn, type StagedFile } from './staged-files.ts';

/** Rows written to a scratch directory, ready for `uploadStagedFiles`. */
export interface StagedRows {
  readonly staged: StagedFile[];
  readonly rows: number;
}

/**
 * Writes the rows of `select` as Parquet under `scratchDir` with DuckDB `COPY`, one directory level per partition
 * column (the partition columns themselves are not stored in the files, as Delta expects). No rows, no files.
 * `context` names the operation in error messages.
 */
export async function stageSelect(
  connection: DuckDBConnection,
  select: string,
  partitionColumns: readonly string[],
  scratchDir: string,
  context: string,
): Promise<StagedRows> {
  const output = join(scratchDir, randomUUID());
  const target = partitionColumns.length === 0 ? `${output}.parquet` : output;
  const partitioning =
    partitionColumns.length === 0 ? '' : `, PARTITION_BY (${partitionColumns.map(quoteIdentifier).join(', ')})`;
  const result = await runSql(
    connection,
    `COPY (${select}) TO ${literal(target)} (FORMAT parquet, COMPRESSION zstd${partitioning})`,
    context,
  );
  const rows = Number(result.getRows()[0]?.[0] ?? 0);
  if (rows === 0) return { staged: [], rows: 0 };
  return { staged: await stagedFilesIn(target, partitionColumns), rows };
}

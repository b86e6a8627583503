import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { literal } from '../engine/dataset-view.ts';
import type { LakeTable } from '../lake/lake-service.ts';
import { REJECTS_TABLE } from './formats/item-relation.ts';

/** The columns of a dataset's quarantine table, shared by ingest and (later) quality checks. */
export const QUARANTINE_COLUMNS = [
  { name: '_load_id', type: 'VARCHAR' },
  { name: '_quarantined_at', type: 'TIMESTAMP WITH TIME ZONE' },
  { name: 'check_id', type: 'VARCHAR' },
  { name: '_source', type: 'VARCHAR' },
  { name: 'line', type: 'BIGINT' },
  { name: 'column_name', type: 'VARCHAR' },
  { name: 'error_type', type: 'VARCHAR' },
  { name: 'reason', type: 'VARCHAR' },
  { name: 'raw_row', type: 'VARCHAR' },
  { name: 'run_id', type: 'VARCHAR' },
] as const;

/** The number of rows waiting in the rejects table. */
export async function pendingRejects(connection: DuckDBConnection): Promise<number> {
  const reader = await connection.runAndReadAll(`SELECT count(*) FROM ${REJECTS_TABLE}`);
  return Number(reader.getRows()[0]?.[0] ?? 0);
}

/**
 * Commits the rejected rows of a segment to the dataset's quarantine Delta table (before the data commit, under
 * the same txn sequence, so a retried commit never adds them twice) and empties the rejects table.
 */
export async function commitRejects(options: {
  connection: DuckDBConnection;
  table: LakeTable;
  stageDir: string;
  loadId: string;
  runId: string | undefined;
  user: string | undefined;
  txn: { appId: string; version: number };
}): Promise<number> {
  const { connection } = options;
  const count = await pendingRejects(connection);
  if (count === 0) return 0;
  const path = join(options.stageDir, `quarantine-${options.txn.version}.parquet`);
  await connection.run(
    `COPY (SELECT ${literal(options.loadId)} AS _load_id, now() AS _quarantined_at, 'ingest.parse' AS check_id, ` +
      `_source, line, column_name, error_type, reason, raw_row, ` +
      `${options.runId === undefined ? 'CAST(NULL AS VARCHAR)' : literal(options.runId)} AS run_id ` +
      `FROM ${REJECTS_TABLE} ORDER BY _source, line) TO ${literal(path)} (FORMAT parquet, COMPRESSION zstd)`,
  );
  await options.table.write({
    mode: 'append',
    staged: [{ localPath: path, partitionValues: {} }],
    columns: QUARANTINE_COLUMNS,
    txn: options.txn,
    provenance: {
      operation: 'WRITE',
      operationParameters: { mode: 'Append', reason: 'ingest rejects' },
      ...(options.runId === undefined ? {} : { runId: options.runId }),
      ...(options.user === undefined ? {} : { user: options.user }),
    },
  });
  await connection.run(`DELETE FROM ${REJECTS_TABLE}`);
  return count;
}

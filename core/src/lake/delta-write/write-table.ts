import type { DuckDBConnection } from '@duckdb/node-api';
import type { LakeStorage } from '../storage/lake-storage.ts';
import { latestSnapshot } from './commit-loop.ts';
import { commitStagedRows, type StagedCommitResult, type StagedRows } from './commit-staged.ts';
import type { CommitProvenance } from './log-actions.ts';

/** One write of new rows to a Delta table. */
export interface WriteTableRequest extends StagedRows {
  readonly mode: 'append' | 'overwrite';
  readonly provenance: CommitProvenance;
  /** On overwrite: replace the schema too (type changes, dropped columns). */
  readonly overwriteSchema?: boolean;
}

export type WriteTableResult = StagedCommitResult;

/** Appends staged Parquet files to a Delta table (creating it on first write) or replaces its contents. */
export async function writeTable(
  storage: LakeStorage,
  tablePath: string,
  request: WriteTableRequest,
  connection: DuckDBConnection,
): Promise<WriteTableResult> {
  const existing = await latestSnapshot(storage, tablePath, connection);
  return commitStagedRows(storage, tablePath, connection, existing, request, {
    schema: { mode: request.mode, overwriteSchema: request.overwriteSchema ?? false },
    replaced: (snapshot) => (request.mode === 'overwrite' ? (snapshot?.files ?? []) : []),
    provenance: request.provenance,
  });
}

import type { DuckDBConnection } from '@duckdb/node-api';
import type { RemoveAction } from '../delta/delta-actions.ts';
import type { DeltaSnapshot } from '../delta/snapshot.ts';
import type { LakeStorage } from '../storage/lake-storage.ts';
import { checkpointAfterCommit } from './checkpoint-writer.ts';
import { commitWithRetry, latestSnapshot, tableRootOf, type CommitOptions } from './commit-loop.ts';
import { ASSAY_PROTOCOL, type CommitProvenance } from './log-actions.ts';
import { deltaPartitionValues } from './partition-value-format.ts';
import { deltaSchemaOf } from './schema-from-duckdb.ts';
import { rowsInAdds, uploadStagedFiles, type StagedFile } from './staged-files.ts';
import { metadataForWrite } from './table-metadata.ts';

/** One write of new rows to a Delta table. */
export interface WriteTableRequest extends Pick<CommitOptions, 'txn' | 'read' | 'putIfAbsent' | 'afterCommit'> {
  readonly mode: 'append' | 'overwrite';
  readonly staged: readonly StagedFile[];
  /** The written relation's columns as DuckDB reports them (partition columns included). */
  readonly columns: ReadonlyArray<{ name: string; type: string }>;
  /** Required to create a partitioned table; checked against the table's afterwards. */
  readonly partitionColumns?: readonly string[];
  readonly provenance: CommitProvenance;
  readonly overwriteSchema?: boolean;
}

export interface WriteTableResult {
  readonly version: number;
  /** True when the txn had already been committed and nothing was written. */
  readonly skipped: boolean;
  readonly filesAdded: number;
  readonly filesRemoved: number;
  readonly rowsAdded: number;
}

/**
 * Appends staged Parquet files to a Delta table (creating it on first write) or replaces its contents. Data files are
 * uploaded once, before the commit loop; a write that never commits leaves only orphans for vacuum.
 */
export async function writeTable(
  storage: LakeStorage,
  tablePath: string,
  request: WriteTableRequest,
  connection: DuckDBConnection,
): Promise<WriteTableResult> {
  const tableRoot = tableRootOf(tablePath);
  const tableName = storage.describe(tableRoot);
  const incoming = deltaSchemaOf(request.columns);
  const existing = await latestSnapshot(storage, tablePath, connection);
  if (
    existing !== undefined &&
    request.txn !== undefined &&
    (existing.txns.get(request.txn.appId) ?? -1) >= request.txn.version
  ) {
    return { version: existing.version, skipped: true, filesAdded: 0, filesRemoved: 0, rowsAdded: 0 };
  }
  const partitionColumns = request.partitionColumns ?? existing?.partitionColumns ?? [];
  const staged = deltaPartitionValues(request.staged, request.columns);
  const adds = await uploadStagedFiles(storage, tableRoot, staged, partitionColumns, connection);
  const rowsAdded = rowsInAdds(adds);
  let removed = 0;

  const outcome = await commitWithRetry(
    storage,
    tablePath,
    connection,
    (snapshot) => {
      const metaData = metadataForWrite(
        snapshot,
        incoming,
        request.partitionColumns,
        {
          mode: request.mode,
          overwriteSchema: request.overwriteSchema ?? false,
        },
        tableName,
      );
      const removes = request.mode === 'overwrite' ? removesOf(snapshot?.files ?? []) : [];
      removed = removes.length;
      return {
        provenance: {
          ...request.provenance,
          operationMetrics: {
            numFiles: adds.length,
            numOutputRows: rowsAdded,
            numRemovedFiles: removes.length,
            ...request.provenance.operationMetrics,
          },
        },
        ...(snapshot === undefined ? { protocol: ASSAY_PROTOCOL } : {}),
        ...(metaData === undefined ? {} : { metaData }),
        removes,
        adds,
      };
    },
    {
      ...request,
      afterCommit: async (version) => {
        await checkpointAfterCommit(storage, tablePath, connection)(version);
        await request.afterCommit?.(version);
      },
    },
  );
  return outcome.skipped
    ? { version: outcome.version, skipped: true, filesAdded: 0, filesRemoved: 0, rowsAdded: 0 }
    : { version: outcome.version, skipped: false, filesAdded: adds.length, filesRemoved: removed, rowsAdded };
}

/** `remove` actions for live files. Readers match removes to adds by the decoded path, so re-encoding it is exact. */
export function removesOf(files: DeltaSnapshot['files']): RemoveAction[] {
  const now = Date.now();
  return files.map((file) => ({ path: encodePath(file.path), deletionTimestamp: now, dataChange: true }));
}

/** URI-encodes each segment of a relative path; absolute URIs (`s3://…`) are kept as they are. */
function encodePath(path: string): string {
  return /^[a-z][a-z0-9+.-]*:/i.test(path) ? path : path.split('/').map(encodeURIComponent).join('/');
}

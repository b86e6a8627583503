import type { DuckDBConnection } from '@duckdb/node-api';
import type { RemoveAction } from '../delta/delta-actions.ts';
import type { DeltaSnapshot } from '../delta/snapshot.ts';
import type { LakeStorage } from '../storage/lake-storage.ts';
import { commitWithRetry, type CommitOptions } from './commit-loop.ts';
import { ASSAY_PROTOCOL, type CommitProvenance } from './log-actions.ts';
import { deltaPartitionValues } from './partition-value-format.ts';
import { deltaSchemaOf } from './schema-from-duckdb.ts';
import { rowsInAdds, uploadStagedFiles, type StagedFile } from './staged-files.ts';
import { metadataForWrite, type SchemaChoice } from './table-metadata.ts';
import { tableRootOf } from './table-root.ts';

/** New rows staged as Parquet files, and how they are committed. */
export interface StagedRows extends Pick<CommitOptions, 'txn' | 'read' | 'putIfAbsent' | 'afterCommit'> {
  readonly staged: readonly StagedFile[];
  /** The written relation's columns as DuckDB reports them (partition columns included). */
  readonly columns: ReadonlyArray<{ name: string; type: string }>;
  /** Required to create a partitioned table; checked against the table's afterwards. */
  readonly partitionColumns?: readonly string[];
}

/** What a staged commit replaces and how it describes itself. */
export interface StagedCommitPlan {
  readonly schema: SchemaChoice;
  /** Live files the new ones replace, decided against each attempt's snapshot (so it rebases correctly). */
  replaced(snapshot: DeltaSnapshot | undefined, staged: readonly StagedFile[]): DeltaSnapshot['files'];
  readonly provenance: CommitProvenance;
}

export interface StagedCommitResult {
  readonly version: number;
  /** True when the txn had already been committed and nothing was written. */
  readonly skipped: boolean;
  readonly filesAdded: number;
  readonly filesRemoved: number;
  readonly rowsAdded: number;
}

/**
 * Uploads staged files once (partition values in Delta's spelling) and commits them, with the files they replace
 * removed, through the optimistic commit loop. A write that never commits leaves only orphans for vacuum.
 */
export async function commitStagedRows(
  storage: LakeStorage,
  tablePath: string,
  connection: DuckDBConnection,
  existing: DeltaSnapshot | undefined,
  rows: StagedRows,
  plan: StagedCommitPlan,
): Promise<StagedCommitResult> {
  const tableRoot = tableRootOf(tablePath);
  const tableName = storage.describe(tableRoot);
  if (
    existing !== undefined &&
    rows.txn !== undefined &&
    (existing.txns.get(rows.txn.appId) ?? -1) >= rows.txn.version
  ) {
    return { version: existing.version, skipped: true, filesAdded: 0, filesRemoved: 0, rowsAdded: 0 };
  }
  const incoming = deltaSchemaOf(rows.columns);
  const partitionColumns = rows.partitionColumns ?? existing?.partitionColumns ?? [];
  const staged = deltaPartitionValues(rows.staged, rows.columns);
  const adds = await uploadStagedFiles(storage, tableRoot, staged, partitionColumns, connection);
  const rowsAdded = rowsInAdds(adds);
  let removed = 0;
  const outcome = await commitWithRetry(
    storage,
    tablePath,
    connection,
    (snapshot) => {
      const metaData = metadataForWrite(snapshot, incoming, rows.partitionColumns, plan.schema, tableName);
      const removes = removesOf(plan.replaced(snapshot, staged));
      removed = removes.length;
      return {
        provenance: {
          ...plan.provenance,
          operationMetrics: {
            numFiles: adds.length,
            numOutputRows: rowsAdded,
            numRemovedFiles: removes.length,
            ...plan.provenance.operationMetrics,
          },
        },
        ...(snapshot === undefined ? { protocol: ASSAY_PROTOCOL } : {}),
        ...(metaData === undefined ? {} : { metaData }),
        removes,
        adds,
      };
    },
    rows,
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

import { UserError } from '@assay/sdk';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { DeltaStructField } from '../delta/delta-schema.ts';
import { parsePartitionValue, type PartitionValue } from '../delta/partition-values.ts';
import type { DeltaSnapshot } from '../delta/snapshot.ts';
import type { LakeStorage } from '../storage/lake-storage.ts';
import { commitWithRetry, latestSnapshot, tableRootOf, type CommitOptions } from './commit-loop.ts';
import { partitionFieldsOf } from './file-rows-sql.ts';
import { ASSAY_PROTOCOL } from './log-actions.ts';
import type { RewriteResult } from './rewrite-files.ts';
import { unchanged } from './rewrite-files.ts';
import { deltaPartitionValues } from './partition-value-format.ts';
import { deltaSchemaOf } from './schema-from-duckdb.ts';
import { rowsInAdds, uploadStagedFiles, type StagedFile } from './staged-files.ts';
import { metadataForWrite } from './table-metadata.ts';
import { removesOf } from './write-table.ts';

/** Staged rows that replace the partitions they fall in. */
export interface OverwritePartitionsRequest extends Pick<CommitOptions, 'txn' | 'putIfAbsent' | 'afterCommit'> {
  readonly staged: readonly StagedFile[];
  /** The written relation's columns as DuckDB reports them (partition columns included). */
  readonly columns: ReadonlyArray<{ name: string; type: string }>;
  /** Required to create the table; checked against the table's otherwise. */
  readonly partitionColumns?: readonly string[];
  readonly runId?: string;
  readonly user?: string;
}

/**
 * Dynamic partition overwrite: appends the staged files and removes every live file in the partitions they fall in,
 * leaving other partitions alone (creating the table, partitioned, on first write). The removals are planned
 * against the snapshot each commit attempt sees, so files a concurrent writer put in those partitions first are
 * replaced too: the overwrite serializes after it. Refused with `DELTA_PARTITIONING_INVALID` on an unpartitioned
 * table. Staged input without files commits nothing. Commits `WRITE` (mode `Overwrite`, dynamic).
 *
 * @example
 * ```ts
 * await overwritePartitions(storage, 'silver/sales', { staged, columns }, connection);
 * ```
 */
export async function overwritePartitions(
  storage: LakeStorage,
  tablePath: string,
  request: OverwritePartitionsRequest,
  connection: DuckDBConnection,
): Promise<RewriteResult> {
  const tableName = storage.describe(tableRootOf(tablePath));
  const existing = await latestSnapshot(storage, tablePath, connection);
  if (existing !== undefined && request.txn !== undefined) {
    if ((existing.txns.get(request.txn.appId) ?? -1) >= request.txn.version) return unchanged(existing.version, true);
  }
  const partitionColumns = existing?.partitionColumns ?? request.partitionColumns ?? [];
  if (partitionColumns.length === 0) {
    throw new UserError(
      `${tableName} is not partitioned, so it has no partitions to overwrite: overwrite the whole table or append instead`,
      { code: 'DELTA_PARTITIONING_INVALID' },
    );
  }
  if (request.staged.length === 0) return unchanged(existing?.version ?? -1, false);
  const incoming = deltaSchemaOf(request.columns);
  const staged = deltaPartitionValues(request.staged, request.columns);
  const adds = await uploadStagedFiles(storage, tableRootOf(tablePath), staged, partitionColumns, connection);
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
        { mode: 'append', overwriteSchema: false },
        tableName,
      );
      const replaced = snapshot === undefined ? [] : filesInPartitionsOf(snapshot, request.staged);
      const removes = removesOf(replaced);
      removed = removes.length;
      return {
        provenance: {
          operation: 'WRITE',
          operationParameters: { mode: 'Overwrite', partitionOverwriteMode: 'dynamic', partitionBy: partitionColumns },
          operationMetrics: { numFiles: adds.length, numOutputRows: rowsAdded, numRemovedFiles: removes.length },
          ...(request.runId === undefined ? {} : { runId: request.runId }),
          ...(request.user === undefined ? {} : { user: request.user }),
        },
        ...(snapshot === undefined ? { protocol: ASSAY_PROTOCOL } : {}),
        ...(metaData === undefined ? {} : { metaData }),
        removes,
        adds,
      };
    },
    request,
  );
  if (outcome.skipped) return unchanged(outcome.version, true);
  return {
    version: outcome.version,
    committed: true,
    skipped: false,
    filesAdded: adds.length,
    filesRemoved: removed,
    rowsAffected: rowsAdded,
  };
}

/** The live files in the partitions of the staged files, comparing typed values (so `01` and `1` are one int). */
function filesInPartitionsOf(snapshot: DeltaSnapshot, staged: readonly StagedFile[]): DeltaSnapshot['files'] {
  const fields = partitionFieldsOf(snapshot);
  const wanted = new Set(
    staged.map((file) =>
      partitionKey(
        fields,
        fields.map((field) => parsePartitionValue(rawOf(file.partitionValues, field), field.type, field.name)),
      ),
    ),
  );
  return snapshot.files.filter((file) =>
    wanted.has(
      partitionKey(
        fields,
        fields.map((field) => rawOf(file.partitionValues, field) ?? null),
      ),
    ),
  );
}

function rawOf<T>(values: Readonly<Record<string, T>>, field: DeltaStructField): T | undefined {
  const key = Object.keys(values).find((column) => column.toLowerCase() === field.name.toLowerCase());
  return key === undefined ? undefined : values[key];
}

function partitionKey(fields: readonly DeltaStructField[], values: readonly PartitionValue[]): string {
  return JSON.stringify(
    fields.map((_, index) => {
      const value = values[index] ?? null;
      if (value === null) return null;
      if (value instanceof Uint8Array) return `bin:${Buffer.from(value).toString('hex')}`;
      return `${typeof value}:${String(value)}`;
    }),
  );
}

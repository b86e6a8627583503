import { UserError } from '@assay/sdk';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { DeltaStructField } from '../delta/delta-schema.ts';
import { parsePartitionValue, type PartitionValue } from '../delta/partition-values.ts';
import type { DeltaSnapshot } from '../delta/snapshot.ts';
import type { LakeStorage } from '../storage/lake-storage.ts';
import { latestSnapshot } from './commit-loop.ts';
import { commitStagedRows, type StagedRows } from './commit-staged.ts';
import type { StagedFile } from './staged-files.ts';
import { tableRootOf } from './table-root.ts';
import { partitionFieldsOf } from './file-rows-sql.ts';
import type { RewriteResult } from './rewrite-files.ts';
import { unchanged } from './rewrite-files.ts';

/** Staged rows that replace the partitions they fall in. */
export interface OverwritePartitionsRequest extends Omit<StagedRows, 'read'> {
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
  const result = await commitStagedRows(storage, tablePath, connection, existing, request, {
    schema: { mode: 'append', overwriteSchema: false },
    // Staged partition values arrive in Delta's spelling, so they compare with the log's.
    replaced: (snapshot, staged) => (snapshot === undefined ? [] : filesInPartitionsOf(snapshot, staged)),
    provenance: {
      operation: 'WRITE',
      operationParameters: { mode: 'Overwrite', partitionOverwriteMode: 'dynamic', partitionBy: partitionColumns },
      ...(request.runId === undefined ? {} : { runId: request.runId }),
      ...(request.user === undefined ? {} : { user: request.user }),
    },
  });
  if (result.skipped) return unchanged(result.version, true);
  return {
    version: result.version,
    committed: true,
    skipped: false,
    filesAdded: result.filesAdded,
    filesRemoved: result.filesRemoved,
    rowsAffected: result.rowsAdded,
    metrics: { numOutputRows: result.rowsAdded },
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

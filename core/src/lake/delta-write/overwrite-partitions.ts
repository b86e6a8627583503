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
  /**
   * Replace the days `start <= column < end` of a DATE partition column instead: every live file in them is
   * removed, also when no rows are staged (the range becomes empty), and staged rows outside it are refused.
   */
  readonly dateRange?: DateRange;
}

/** Days of a DATE partition column, `YYYY-MM-DD`, `start` inclusive and `end` exclusive. */
export interface DateRange {
  readonly column: string;
  readonly start: string;
  readonly end: string;
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
  const range = request.dateRange;
  if (range !== undefined) assertRangeWrite(tableName, partitionColumns, request, range);
  if (request.staged.length === 0 && range === undefined) return unchanged(existing?.version ?? -1, false);
  const result = await commitStagedRows(storage, tablePath, connection, existing, request, {
    schema: { mode: 'append', overwriteSchema: false },
    // Staged partition values arrive in Delta's spelling, so they compare with the log's.
    replaced: (snapshot, staged) =>
      snapshot === undefined
        ? []
        : range === undefined
          ? filesInPartitionsOf(snapshot, staged)
          : filesIn(snapshot, range),
    provenance: {
      operation: 'WRITE',
      operationParameters: {
        mode: 'Overwrite',
        ...(range === undefined
          ? { partitionOverwriteMode: 'dynamic' }
          : { predicate: `${range.column} >= '${range.start}' AND ${range.column} < '${range.end}'` }),
        partitionBy: partitionColumns,
      },
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

/**
 * A date-range replace needs the column among the partition columns and as a DATE, and every staged file inside
 * the range: `DELTA_PARTITIONING_INVALID` and `DELTA_ROWS_OUTSIDE_RANGE` otherwise.
 */
function assertRangeWrite(
  tableName: string,
  partitionColumns: readonly string[],
  request: OverwritePartitionsRequest,
  range: DateRange,
): void {
  const column = request.columns.find((entry) => entry.name.toLowerCase() === range.column.toLowerCase());
  if (!partitionColumns.some((name) => name.toLowerCase() === range.column.toLowerCase()) || column === undefined) {
    throw new UserError(
      `${tableName} is partitioned by [${partitionColumns.join(', ')}], so the days of "${range.column}" cannot ` +
        'be replaced on their own: partition the table by that column',
      { code: 'DELTA_PARTITIONING_INVALID', details: { partitionColumns: [...partitionColumns] } },
    );
  }
  if (column.type.toUpperCase() !== 'DATE') {
    throw new UserError(`${tableName}: "${range.column}" is ${column.type}, and a date range needs a DATE column`, {
      code: 'DELTA_PARTITIONING_INVALID',
      details: { column: range.column, type: column.type },
    });
  }
  for (const file of request.staged) {
    const value = rawOf(file.partitionValues, { name: range.column }) ?? null;
    if (value === null || !(value >= range.start && value < range.end)) {
      throw new UserError(
        `Rows with ${range.column} = ${value ?? 'NULL'} fall outside the days ${range.start} to ${range.end} ` +
          '(exclusive) being replaced: nothing was written',
        { code: 'DELTA_ROWS_OUTSIDE_RANGE', details: { ...range, value } },
      );
    }
  }
}

/** The live files whose DATE partition value lies in the range (ISO dates compare as text). */
function filesIn(snapshot: DeltaSnapshot, range: DateRange): DeltaSnapshot['files'] {
  const field = { name: range.column };
  return snapshot.files.filter((file) => {
    const value = rawOf(file.partitionValues, field) ?? null;
    return typeof value === 'string' && value >= range.start && value < range.end;
  });
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

function rawOf<T>(values: Readonly<Record<string, T>>, field: Pick<DeltaStructField, 'name'>): T | undefined {
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

import type { OperatorPartition, OutputWriteRequest, OutputWriteResult } from '@assay/sdk';
import { quote } from '../../engine/dataset-view.ts';
import type { DeltaSnapshot } from '../../lake/delta/snapshot.ts';
import type { LakeTable } from '../../lake/lake-service.ts';
import type { StagedFile } from '../../lake/delta-write/staged-files.ts';

/** The column marking staged merge rows that delete their key (`deleteWhen` evaluated in the sandbox). */
export const DELETE_FLAG = '__assay_job_delete';

/** Staged rows and how they are committed. */
export interface OutputCommit {
  readonly table: LakeTable;
  /** The table's latest snapshot when the write began; undefined when it does not exist yet. */
  readonly existing: DeltaSnapshot | undefined;
  readonly write: OutputWriteRequest;
  readonly staged: readonly StagedFile[];
  /** The committed columns (partition columns included, the delete flag not). */
  readonly columns: ReadonlyArray<{ name: string; type: string }>;
  readonly txn: { readonly appId: string; readonly version: number };
  readonly runId: string;
  readonly user: string | undefined;
  /** Recorded in `commitInfo.operationParameters`: which pipeline and job wrote it. */
  readonly origin: { readonly pipeline: string; readonly job: string };
  /** In a partition run: the write replaces exactly these days, whatever its mode. */
  readonly partition?: OperatorPartition | undefined;
}

/**
 * Commits staged rows through the lake with the job run's txn, so that a retried attempt commits nothing twice:
 * append and overwrite as `WRITE`, dynamic partition overwrite, or merge by key from the staged files (which the
 * lake's own connection reads; `deleteWhen` was already evaluated into {@link DELETE_FLAG} inside the sandbox). Every
 * path records the txn, also when there are no rows, so the next run can tell that this one landed. A partition run
 * replaces its partition's days instead, whatever the mode.
 */
export async function commitOutput(commit: OutputCommit): Promise<OutputWriteResult> {
  const { table, write, txn, staged, columns } = commit;
  const people = { runId: commit.runId, ...(commit.user === undefined ? {} : { user: commit.user }) };
  const partitionColumns = commit.existing === undefined ? (write.partitionBy ?? []) : undefined;
  const append = async (mode: 'append' | 'overwrite', files: readonly StagedFile[]) => {
    const result = await table.write({
      mode,
      staged: [...files],
      columns,
      txn,
      ...(partitionColumns === undefined || partitionColumns.length === 0 ? {} : { partitionColumns }),
      ...(mode === 'overwrite' && write.replaceSchema === true ? { overwriteSchema: true } : {}),
      provenance: {
        operation: 'WRITE',
        operationParameters: { mode: mode === 'append' ? 'Append' : 'Overwrite', ...commit.origin },
        ...people,
      },
    });
    return {
      version: result.version,
      rowsWritten: result.rowsAdded,
      rowsUpdated: 0,
      rowsDeleted: 0,
      skipped: result.skipped,
    };
  };

  // Dynamic partition overwrite, or in a partition run the partition's days whatever the mode.
  const overwritePartitions = async (dateRange?: { column: string; start: string; end: string }) => {
    const result = await table.overwritePartitions({
      staged: [...staged],
      columns,
      txn,
      ...(partitionColumns === undefined || partitionColumns.length === 0 ? {} : { partitionColumns }),
      ...(dateRange === undefined ? {} : { dateRange }),
      ...people,
    });
    return {
      version: result.version,
      rowsWritten: result.rowsAffected,
      rowsUpdated: 0,
      rowsDeleted: 0,
      skipped: result.skipped,
    };
  };

  if (commit.partition !== undefined) {
    const { column, start, end } = commit.partition;
    return overwritePartitions({ column, start, end });
  }
  switch (write.mode) {
    case 'append':
    case 'overwrite':
      return append(write.mode, staged);
    case 'overwrite_partitions':
      // No rows replace no partition; an empty append still records the txn (and creates the table).
      return staged.length === 0 ? append('append', []) : overwritePartitions();
    case 'merge': {
      if (commit.existing === undefined) {
        // A merge needs a table to merge into: create it empty (partitioned as asked), then merge as usual, so a
        // first run refuses duplicate keys and applies deletes exactly as later runs do.
        await table.write({
          mode: 'append',
          staged: [],
          columns,
          ...(partitionColumns === undefined || partitionColumns.length === 0 ? {} : { partitionColumns }),
          provenance: { operation: 'CREATE TABLE', operationParameters: { ...commit.origin }, ...people },
        });
      }
      const result = await table.merge({
        source: { staged: [...staged] },
        keys: [...(write.keys ?? [])],
        whenMatched: 'update',
        whenNotMatchedInsert: true,
        // Without staged rows the lake merges an empty relation of the table's columns, which has no flag.
        ...(write.deleteWhen === undefined || staged.length === 0 ? {} : { deleteWhen: quote(DELETE_FLAG) }),
        txn,
        ...people,
      });
      const inserted = result.metrics.numInsertedRows ?? 0;
      const updated = result.metrics.numUpdatedRows ?? 0;
      return {
        version: result.version,
        rowsWritten: inserted + updated,
        rowsUpdated: updated,
        rowsDeleted: result.metrics.numDeletedRows ?? 0,
        skipped: result.skipped,
      };
    }
  }
}

import type { OperatorPartition, OutputWriteRequest } from '@assay/sdk';
import { literal, quote } from '../engine/dataset-view.ts';
import { CHECK_VIEWS } from './checked-rows.ts';

/** How the write changes the table. */
export interface CandidateWrite {
  readonly mode: OutputWriteRequest['mode'];
  readonly keys?: readonly string[] | undefined;
  /** The table's partition columns (an `overwrite_partitions` replaces the partitions the rows have). */
  readonly partitionColumns: readonly string[];
  /** A partition run replaces these days, whatever the mode. */
  readonly partition?: Pick<OperatorPartition, 'column' | 'start' | 'end'> | undefined;
  /** Whether the table exists ({@link CHECK_VIEWS.current} is its state when the job started). */
  readonly hasCurrent: boolean;
  /** The merge's delete marker column in {@link CHECK_VIEWS.written}, if any. */
  readonly deleteFlag?: string | undefined;
  /** The columns the staged output is partitioned by (its folders). */
  readonly stagedPartitions: readonly string[];
}

/**
 * The version the write is about to publish, as SQL over the session's check views: the written rows, plus the
 * rows of the current table the write keeps (all of them for an append; those outside the replaced partitions; those
 * whose key the merge does not touch). Checks of the version judge this, before anything is committed.
 */
export function candidateSql(write: CandidateWrite): string {
  const { written, current } = CHECK_VIEWS;
  const flag = write.deleteFlag === undefined ? undefined : quote(write.deleteFlag);
  const rows =
    flag === undefined ? `SELECT * FROM ${written}` : `SELECT * EXCLUDE (${flag}) FROM ${written} WHERE NOT ${flag}`;
  if (!write.hasCurrent) return rows;
  const keptBy = (condition: string) => `SELECT * FROM ${current} AS c WHERE ${condition}`;
  let kept: string | undefined;
  if (write.partition !== undefined) {
    const column = `c.${quote(write.partition.column)}`;
    kept = keptBy(
      `NOT (${column} >= ${literal(write.partition.start)} AND ${column} < ${literal(write.partition.end)}) OR ${column} IS NULL`,
    );
  } else if (write.mode === 'append') {
    kept = `SELECT * FROM ${current}`;
  } else if (write.mode === 'overwrite_partitions' && write.partitionColumns.length > 0) {
    const same = write.partitionColumns.map((p) => `w.${quote(p)} IS NOT DISTINCT FROM c.${quote(p)}`).join(' AND ');
    kept = keptBy(`NOT EXISTS (SELECT 1 FROM ${written} AS w WHERE ${same})`);
  } else if (write.mode === 'merge') {
    const same = (write.keys ?? []).map((k) => `w.${quote(k)} = c.${quote(k)}`).join(' AND ');
    kept = keptBy(`NOT EXISTS (SELECT 1 FROM ${written} AS w WHERE ${same})`);
  }
  return kept === undefined ? rows : `${kept}\nUNION ALL BY NAME\n${rows}`;
}

import { InputError, type OutputWriteRequest } from '@assay/sdk';
import type { DeltaSnapshot } from '../../lake/delta/snapshot.ts';

const MODES = new Set(['append', 'overwrite', 'overwrite_partitions', 'merge']);

/**
 * Refuses a write request that cannot mean what it says before anything runs: `OUTPUT_WRITE_INVALID` for an
 * unknown mode, merge without keys, options of another mode (silently ignoring them would surprise), and
 * `OUTPUT_PARTITIONING_MISMATCH` for partitioning other than the existing table's.
 */
export function assertWriteRequest(
  request: OutputWriteRequest,
  table: DeltaSnapshot | undefined,
  dataset: string,
): void {
  const invalid = (problem: string) =>
    new InputError(`Write to ${dataset}: ${problem}`, { code: 'OUTPUT_WRITE_INVALID', details: { dataset } });
  if (typeof request.sql !== 'string' || request.sql.trim() === '') throw invalid('sql must be a SELECT statement');
  if (!MODES.has(request.mode)) {
    throw invalid(`mode "${String(request.mode)}" is not one of ${[...MODES].join(', ')}`);
  }
  if (request.mode === 'merge' && (request.keys ?? []).length === 0) {
    throw invalid('a merge needs keys: the columns identifying a row');
  }
  if (request.mode !== 'merge' && request.keys !== undefined) throw invalid('keys apply to merge only');
  if (request.mode !== 'merge' && request.deleteWhen !== undefined) throw invalid('deleteWhen applies to merge only');
  if (request.mode !== 'overwrite' && request.replaceSchema === true) {
    throw invalid('replaceSchema applies to overwrite only');
  }
  const partitionBy = request.partitionBy;
  if (table === undefined) {
    if (request.mode === 'overwrite_partitions' && (partitionBy ?? []).length === 0) {
      throw invalid('the table does not exist yet: give partitionBy to create it partitioned');
    }
    return;
  }
  if (partitionBy !== undefined && partitionBy.join('\u0000') !== table.partitionColumns.join('\u0000')) {
    throw new InputError(
      `${dataset} is partitioned by [${table.partitionColumns.join(', ')}], not [${partitionBy.join(', ')}]: ` +
        'partitioning is fixed when a table is created',
      { code: 'OUTPUT_PARTITIONING_MISMATCH', details: { dataset, partitionColumns: [...table.partitionColumns] } },
    );
  }
  if (request.mode === 'overwrite_partitions' && table.partitionColumns.length === 0) {
    throw invalid('the table is not partitioned, so it has no partitions to overwrite: overwrite or append instead');
  }
}

import { InputError, type OperatorContext, type OutputWriteRequest } from '@assay/sdk';
import type { PlannedColumn } from './contract-plan.ts';
import type { SqlSettings } from './sql-config.ts';

/** The output write a config asks for, without its SQL. */
export type WriteShape = Omit<OutputWriteRequest, 'sql'>;

const MERGE_ONLY = ['key', 'deleteWhen', 'onKeyProblem'] as const;

/**
 * Maps `config.write` to the output's write: `full_refresh` is an overwrite taking the rows' schema, the other modes
 * keep their names. Merge needs a key; merge-only fields are refused for other modes (`JOB_CONFIG_INVALID`), since
 * ignoring them would surprise.
 */
export function writeShape(ctx: OperatorContext, config: SqlSettings): WriteShape {
  const { mode, key, deleteWhen, partitionBy } = config.write;
  const misplaced = mode === 'merge' ? [] : MERGE_ONLY.filter((field) => config.write[field] !== undefined);
  if (misplaced.length > 0) {
    throw configError(ctx, `config.write.${misplaced[0]!}`, `applies to mode merge only, not ${mode}`);
  }
  const partitioning = partitionBy === undefined ? {} : { partitionBy };
  switch (mode) {
    case 'full_refresh':
      return { mode: 'overwrite', replaceSchema: true, ...partitioning };
    case 'append':
    case 'overwrite_partitions':
      return { mode, ...partitioning };
    case 'merge':
      if (key === undefined) throw configError(ctx, 'config.write.key', 'is required for mode merge');
      return { mode: 'merge', keys: key, ...(deleteWhen === undefined ? {} : { deleteWhen }), ...partitioning };
  }
}

/** `SQL_PARTITION_COLUMN_MISSING` for a partition column the written rows lack. */
export function assertPartitionColumns(
  partitionBy: readonly string[] | undefined,
  columns: readonly PlannedColumn[],
  field: string,
): void {
  (partitionBy ?? []).forEach((name, index) => {
    if (!columns.some((column) => column.name === name)) {
      throw new InputError(
        `config.write.partitionBy[${index}] "${name}" is not a column of the rows written ` +
          `(${columns.map((c) => c.name).join(', ')}): add it to config.${field} or fix partitionBy`,
        { code: 'SQL_PARTITION_COLUMN_MISSING', details: { path: `config.write.partitionBy[${index}]`, column: name } },
      );
    }
  });
}

function configError(ctx: OperatorContext, path: string, problem: string): InputError {
  return new InputError(`Job "${ctx.run.jobId}": ${path} ${problem}`, {
    code: 'JOB_CONFIG_INVALID',
    details: { job: ctx.run.jobId, path },
  });
}

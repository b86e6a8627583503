import { InputError, type OperatorPartition } from '@assay/sdk';
import { narrowingColumn, narrowInput } from '../backfill/partition-inputs.ts';
import type { JobRunRequest } from './job-executor.ts';
import type { PinnedInput } from './job-inputs.ts';

/** The partition of a partition run, refused for a job whose operator or declaration does not allow one. */
export function partitionOf(
  request: JobRunRequest,
  config: Record<string, unknown>,
  where: string,
): OperatorPartition | undefined {
  if (request.partition === undefined) return undefined;
  const { job } = request;
  const why =
    job.partitions === undefined
      ? 'declares no partitions'
      : job.operator.definition.partitions === undefined
        ? `uses operator "${job.operator.definition.type}", which cannot compute one partition at a time`
        : job.operator.definition.partitions.unsupported?.(config as never);
  if (why !== undefined) {
    throw new InputError(`${where} cannot run for partition ${request.partition.key}: it ${why}`, {
      code: 'JOB_PARTITIONS_UNSUPPORTED',
      details: { job: job.id, partition: request.partition.key },
    });
  }
  return { column: job.partitions!.column, ...request.partition };
}

/** The inputs as a partition run reads them: narrowed to its days where the job's `partitions` say so. */
export function narrowInputs(
  inputs: readonly PinnedInput[],
  partition: OperatorPartition,
  partitions: NonNullable<JobRunRequest['job']['partitions']>,
): PinnedInput[] {
  return inputs.map((input) => {
    const narrowed = narrowInput(input.snapshot, narrowingColumn(input.dataset, input.snapshot, partitions), partition);
    return narrowed.rowFilter === undefined
      ? input
      : { ...input, snapshot: narrowed.snapshot, rows: undefined, rowFilter: narrowed.rowFilter };
  });
}

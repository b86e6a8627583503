import { InputError } from '@assay/sdk';
import { snapshotOrUndefined } from '../../lake/existing-snapshot.ts';
import type { LakeService } from '../../lake/lake-service.ts';
import type { BackfillPlan } from './backfill-plan.ts';

/**
 * Refuses a backfill whose partition job writes a table that exists but is not partitioned by the job's partition
 * column (it was created before the job declared `partitions`): its partitions could not be replaced, so every
 * partition would fail. `BACKFILL_OUTPUT_NOT_PARTITIONED`, naming the jobs and datasets.
 */
export async function assertOutputsPartitioned(
  lake: LakeService,
  workspace: string,
  plan: BackfillPlan,
): Promise<void> {
  const checked = new Set<string>();
  const wrong: Array<{ job: string; dataset: string; column: string; partitionColumns: string[] }> = [];
  for (const task of plan.tasks) {
    const { spec } = task;
    if (task.partition === undefined || spec.output === undefined || checked.has(spec.id)) continue;
    checked.add(spec.id);
    const snapshot = await snapshotOrUndefined(lake.table(workspace, spec.output));
    const column = spec.partitions!.column.toLowerCase();
    if (snapshot === undefined || snapshot.partitionColumns.some((name) => name.toLowerCase() === column)) continue;
    wrong.push({
      job: spec.id,
      dataset: spec.output,
      column: spec.partitions!.column,
      partitionColumns: [...snapshot.partitionColumns],
    });
  }
  if (wrong.length === 0) return;
  const listed = wrong
    .map(
      (entry) =>
        `${entry.dataset} (job "${entry.job}") is partitioned by [${entry.partitionColumns.join(', ')}], not ${entry.column}`,
    )
    .join('; ');
  throw new InputError(
    `${listed}: its partitions cannot be replaced one by one. The table was created before the job declared ` +
      'partitions: recreate it partitioned by that column, or backfill without the job',
    { code: 'BACKFILL_OUTPUT_NOT_PARTITIONED', details: { outputs: wrong } },
  );
}

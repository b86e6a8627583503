import { snapshotOrUndefined } from '../../lake/existing-snapshot.ts';
import type { LakeService } from '../../lake/lake-service.ts';
import type { PlannedJob } from '../runs/run-plan.ts';
import { assertOutputsPartitioned } from './backfill-outputs.ts';
import type { BackfillPlan, BackfillRange } from './backfill-plan.ts';
import { filesSize, narrowingColumn, narrowInput } from './partition-inputs.ts';

/** One job of a backfill, as the preview shows it. */
export interface BackfillPreviewJob {
  readonly job: string;
  readonly operator: string;
  readonly output: string | null;
  /** `partitions`: one job run per partition; `full`: not partition-aware, so it recomputes whole. */
  readonly mode: 'partitions' | 'full';
  readonly grain: 'day' | 'month' | null;
  /** Partition keys, in order; empty for a full job. */
  readonly partitions: string[];
  /** The input rows its job runs read, from Delta statistics; null when a file carries none. */
  readonly estimatedRows: number | null;
  readonly estimatedBytes: number;
  /** Inputs that do not exist yet (an upstream job of the backfill creates them): not in the estimate. */
  readonly inputsMissing: string[];
}

/** What a backfill would do, before it starts. */
export interface BackfillPreview {
  /** The pipeline version the backfill would run. */
  readonly version: number;
  readonly from: string;
  readonly to: string;
  /** Partition job runs. */
  readonly partitions: number;
  /** All job runs: partitions and full jobs. */
  readonly tasks: number;
  readonly jobs: BackfillPreviewJob[];
  /** The datasets the backfill rewrites (partitions of them, or whole). */
  readonly datasets: string[];
  /** More partitions than this need `confirm`. */
  readonly confirmAbove: number;
  readonly needsConfirmation: boolean;
}

/**
 * Previews a planned backfill: per job its partitions and the input rows and bytes its job runs would read, from
 * the inputs' Delta statistics as they stand. A narrowed input counts, for each partition, the files that can hold
 * its days (by partition value or min/max), so a file spanning several days counts once per partition reading it;
 * an input read whole counts once per job run. Refused as `assertOutputsPartitioned` refuses the backfill itself.
 */
export async function previewBackfill(options: {
  readonly lake: LakeService;
  readonly workspace: string;
  readonly version: number;
  readonly range: BackfillRange;
  readonly plan: BackfillPlan;
  readonly confirmAbove: number;
}): Promise<BackfillPreview> {
  const { lake, workspace, range, plan } = options;
  await assertOutputsPartitioned(lake, workspace, plan);
  const byJob = new Map<string, PlannedJob[]>();
  for (const task of plan.tasks) byJob.set(task.id, [...(byJob.get(task.id) ?? []), task]);
  const jobs: BackfillPreviewJob[] = [];
  for (const tasks of byJob.values()) {
    const { spec } = tasks[0]!;
    const partitioned = tasks.filter((task) => task.partition !== undefined);
    const estimate = { rows: 0 as number | undefined, bytes: 0, missing: [] as string[] };
    for (const dataset of spec.inputs ?? []) {
      const snapshot = await snapshotOrUndefined(lake.table(workspace, dataset));
      if (snapshot === undefined) {
        estimate.missing.push(dataset);
        continue;
      }
      const column =
        spec.partitions === undefined || partitioned.length === 0
          ? undefined
          : narrowingColumn(dataset, snapshot, spec.partitions);
      const read =
        column === undefined
          ? scaled(filesSize(snapshot.files), tasks.length)
          : filesSize(partitioned.flatMap((task) => narrowInput(snapshot, column, task.partition!).snapshot.files));
      estimate.rows = estimate.rows === undefined || read.rows === undefined ? undefined : estimate.rows + read.rows;
      estimate.bytes += read.bytes;
    }
    jobs.push({
      job: spec.id,
      operator: spec.operator,
      output: spec.output ?? null,
      mode: partitioned.length > 0 ? 'partitions' : 'full',
      grain: partitioned.length > 0 ? (spec.partitions?.grain ?? 'day') : null,
      partitions: partitioned.map((task) => task.partition!.key),
      estimatedRows: estimate.rows ?? null,
      estimatedBytes: estimate.bytes,
      inputsMissing: estimate.missing,
    });
  }
  return {
    version: options.version,
    from: range.from,
    to: range.to,
    partitions: plan.partitions,
    tasks: plan.tasks.length,
    jobs,
    datasets: jobs.flatMap((job) => (job.output === null ? [] : [job.output])),
    confirmAbove: options.confirmAbove,
    needsConfirmation: plan.partitions > options.confirmAbove,
  };
}

function scaled(size: { rows: number | undefined; bytes: number }, times: number) {
  return { rows: size.rows === undefined ? undefined : size.rows * times, bytes: size.bytes * times };
}

import { InputError } from '@assay/sdk';
import type { PipelineSpec } from '../document/pipeline-document.ts';
import { planRun, splitIntoPartitions, type PlannedJob } from '../runs/run-plan.ts';
import type { RunSelection } from '../runs/run-records.ts';
import { partitionsCovering } from './partition-range.ts';

/** The most partition job runs one backfill may have: beyond it, split the range. */
export const MAX_BACKFILL_PARTITIONS = 10_000;

/** What a backfill covers: the days, and the jobs (all partition-aware jobs and their downstream by default). */
export interface BackfillRange {
  /** `YYYY-MM-DD`, inclusive. */
  readonly from: string;
  /** `YYYY-MM-DD`, inclusive. */
  readonly to: string;
  readonly select?: RunSelection | undefined;
}

/** The job runs of a backfill. */
export interface BackfillPlan {
  /** In topological order: a task per partition of each partition-aware job, one per other job. */
  readonly tasks: PlannedJob[];
  /** How many of the tasks are partitions. */
  readonly partitions: number;
}

/**
 * Plans a backfill over a pipeline's jobs: each job that declares `partitions` runs once per partition of its
 * grain in the range, each job downstream of one recomputes (only the partitions of the days it shares with its
 * upstream, or whole when it is not partition-aware). Without a selection the backfill covers the partition-aware
 * jobs and everything downstream of them, so upstream ingest jobs do not run. `BACKFILL_NOT_PARTITIONED` when none
 * of the covered jobs is partition-aware, `BACKFILL_TOO_LARGE` beyond {@link MAX_BACKFILL_PARTITIONS}, and
 * `BACKFILL_RANGE_INVALID` for a range that is not one.
 */
export function planBackfill(spec: Pick<PipelineSpec, 'jobs'>, range: BackfillRange): BackfillPlan {
  const jobs = range.select === undefined ? affectedByPartitions(spec) : planRun(spec, { select: range.select });
  if (!jobs.some((job) => job.spec.partitions !== undefined)) {
    const covered = jobs.map((job) => job.id).join(', ') || 'none';
    throw new InputError(
      `None of the jobs a backfill would run (${covered}) declares partitions, so there is nothing to run by ` +
        'partition: add partitions to a job (spec.jobs[].partitions) or select one that has them',
      { code: 'BACKFILL_NOT_PARTITIONED', details: { jobs: jobs.map((job) => job.id) } },
    );
  }
  const tasks = splitIntoPartitions(jobs, (job) =>
    job.spec.partitions === undefined
      ? undefined
      : partitionsCovering(job.spec.partitions.grain ?? 'day', range.from, range.to),
  );
  const partitions = tasks.filter((task) => task.partition !== undefined).length;
  if (partitions > MAX_BACKFILL_PARTITIONS) {
    throw new InputError(
      `A backfill from ${range.from} to ${range.to} would have ${partitions} partition job runs, more than ` +
        `${MAX_BACKFILL_PARTITIONS}: backfill a shorter range at a time`,
      { code: 'BACKFILL_TOO_LARGE', details: { partitions, limit: MAX_BACKFILL_PARTITIONS } },
    );
  }
  return { tasks, partitions };
}

/** The partition-aware jobs and every job downstream of one, as a run plan. */
function affectedByPartitions(spec: Pick<PipelineSpec, 'jobs'>): PlannedJob[] {
  const affected = new Set<string>();
  for (const job of planRun(spec)) {
    if (job.spec.partitions !== undefined || job.upstream.some((upstream) => affected.has(upstream))) {
      affected.add(job.id);
    }
  }
  return planRun(spec, { jobs: [...affected] });
}

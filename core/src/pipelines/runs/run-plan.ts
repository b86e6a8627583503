import { documentsInvalid } from '../document/document-problem.ts';
import type { JobSpec, PipelineSpec } from '../document/pipeline-document.ts';
import { buildPipelineGraph, selectJobs } from '../document/pipeline-graph.ts';
import { overlaps, type PartitionBounds } from '../backfill/partition-range.ts';
import { taskKey, type RunSelection } from './run-records.ts';

/** A job run a run executes (a whole job, or one partition of it in a backfill), with the ones it waits for. */
export interface PlannedJob {
  readonly id: string;
  /** Unique in the run: the job id, or `job[partition]` ({@link taskKey}). */
  readonly key: string;
  /** The partition it computes in a backfill; undefined for a whole job. */
  readonly partition?: PartitionBounds | undefined;
  /** Its job's place in the run's topological order. */
  readonly position: number;
  /** Upstream task keys within the run: a job outside the run is read as its output stands. */
  readonly upstream: readonly string[];
  readonly spec: JobSpec;
}

/**
 * The jobs of a run in topological order: all of them, a {@link RunSelection}, or the given `jobs` (a resume).
 * A saved version was validated, so a broken graph here means a document saved around validation: it is refused
 * with the same problems validation reports.
 */
export function planRun(
  spec: Pick<PipelineSpec, 'jobs'>,
  choice: { readonly select?: RunSelection | undefined; readonly jobs?: readonly string[] | undefined } = {},
): PlannedJob[] {
  // Existing datasets do not change the edges; whether inputs exist is the executor's concern at run time.
  const graph = buildPipelineGraph(spec, { datasetExists: () => true });
  if (graph.problems.length > 0) throw documentsInvalid(graph.problems);
  const chosen =
    choice.select !== undefined
      ? selectJobs(graph, choice.select.job, choice.select.direction)
      : choice.jobs !== undefined
        ? graph.order.filter((id) => choice.jobs!.includes(id))
        : graph.order;
  const selected = new Set(chosen);
  const nodes = new Map(graph.jobs.map((job) => [job.id, job]));
  const specs = new Map(spec.jobs.map((job) => [job.id, job]));
  return chosen.map((id, position) => ({
    id,
    key: id,
    position,
    upstream: nodes.get(id)!.upstream.filter((upstream) => selected.has(upstream)),
    spec: specs.get(id)!,
  }));
}

/**
 * Splits planned jobs into partition tasks: a job `partitionsOf` gives partitions for becomes one task per
 * partition, others stay whole. A partition waits for the partitions of each upstream job that share a day with it
 * (a monthly job for the days of its month) and for whole upstream jobs; a whole job waits for every task of its
 * upstream jobs. Tasks keep their job's position, partitions in order of their days.
 */
export function splitIntoPartitions(
  planned: readonly PlannedJob[],
  partitionsOf: (job: PlannedJob) => readonly PartitionBounds[] | undefined,
): PlannedJob[] {
  const tasks = new Map<string, PlannedJob[]>();
  for (const job of planned) {
    const partitions = partitionsOf(job);
    tasks.set(
      job.id,
      partitions === undefined
        ? [{ ...job, upstream: [] }]
        : partitions.map((partition) => ({ ...job, key: taskKey(job.id, partition.key), partition, upstream: [] })),
    );
  }
  return planned.flatMap((job) =>
    tasks.get(job.id)!.map((task) => ({
      ...task,
      upstream: job.upstream.flatMap((upstream) =>
        tasks
          .get(upstream)!
          .filter(
            (up) =>
              task.partition === undefined || up.partition === undefined || overlaps(up.partition, task.partition),
          )
          .map((up) => up.key),
      ),
    })),
  );
}

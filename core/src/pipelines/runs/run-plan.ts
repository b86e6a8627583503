import { documentsInvalid } from '../document/document-problem.ts';
import type { JobSpec, PipelineSpec } from '../document/pipeline-document.ts';
import { buildPipelineGraph, selectJobs } from '../document/pipeline-graph.ts';
import type { RunSelection } from './run-records.ts';

/** A job a run executes, with the jobs of the same run it waits for. */
export interface PlannedJob {
  readonly id: string;
  /** Its place in the run's topological order. */
  readonly position: number;
  /** Upstream job ids within the run: a job outside the run is read as its output stands. */
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
    position,
    upstream: nodes.get(id)!.upstream.filter((upstream) => selected.has(upstream)),
    spec: specs.get(id)!,
  }));
}

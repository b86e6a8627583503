import { InputError } from '@assay/sdk';
import type { DocumentProblem } from './document-problem.ts';
import { findCycles } from './graph-cycles.ts';
import type { PipelineSpec } from './pipeline-document.ts';

/** A job in the dependency graph. `upstream`/`downstream` are job ids in declaration order. */
export interface GraphJob {
  readonly id: string;
  /** Its position in `spec.jobs`. */
  readonly index: number;
  readonly upstream: string[];
  readonly downstream: string[];
}

/** The DAG of a pipeline's jobs, a run order, and what is wrong with it. */
export interface PipelineGraph {
  /** One per distinct job id, in declaration order. */
  readonly jobs: GraphJob[];
  /** Topological order, ties broken by declaration order; empty when the jobs form a cycle. */
  readonly order: string[];
  readonly problems: DocumentProblem[];
}

interface Node {
  readonly id: string;
  readonly index: number;
  readonly upstream: Set<number>;
  readonly downstream: Set<number>;
}

/**
 * Builds the job DAG from dataset references: a job depends on the job writing each of its `inputs`, and on
 * each job named in `dependsOn`. Problems (paths into the document): `PIPELINE_JOB_DUPLICATE`,
 * `PIPELINE_OUTPUT_DUPLICATE`, `PIPELINE_INPUT_MISSING` (an input no job writes and `datasetExists` denies),
 * `PIPELINE_DEPENDENCY_UNKNOWN`, `PIPELINE_SELF_DEPENDENCY` and `PIPELINE_CYCLE` (each cycle once, as
 * `a → b → c → a` from its earliest declared job).
 */
export function buildPipelineGraph(
  spec: Pick<PipelineSpec, 'jobs'>,
  options: { readonly datasetExists: (dataset: string) => boolean },
): PipelineGraph {
  const problems: DocumentProblem[] = [];
  const nodes: Node[] = [];
  const byId = new Map<string, number>();
  const writers = new Map<string, number>();
  for (const [index, job] of spec.jobs.entries()) {
    const first = byId.get(job.id);
    if (first !== undefined) {
      problems.push({
        code: 'PIPELINE_JOB_DUPLICATE',
        path: `spec.jobs[${index}].id`,
        message: `job id "${job.id}" is used by jobs[${nodes[first]!.index}] and jobs[${index}]: give each job its own id`,
      });
      continue;
    }
    byId.set(job.id, nodes.length);
    if (job.output !== undefined) {
      const writer = writers.get(job.output);
      if (writer === undefined) writers.set(job.output, nodes.length);
      else {
        problems.push({
          code: 'PIPELINE_OUTPUT_DUPLICATE',
          path: `spec.jobs[${index}].output`,
          message: `jobs "${nodes[writer]!.id}" and "${job.id}" both write ${job.output}: a dataset has one writer in a pipeline`,
        });
      }
    }
    nodes.push({ id: job.id, index, upstream: new Set(), downstream: new Set() });
  }

  // The field that created each edge, so a cycle can point at the reference that closes it.
  const edgeFields = new Map<string, string>();
  const connect = (from: number, to: number, path: string) => {
    nodes[from]!.downstream.add(to);
    nodes[to]!.upstream.add(from);
    if (!edgeFields.has(`${from}>${to}`)) edgeFields.set(`${from}>${to}`, path);
  };
  for (const [position, node] of nodes.entries()) {
    const job = spec.jobs[node.index]!;
    for (const [k, dataset] of (job.inputs ?? []).entries()) {
      const path = `spec.jobs[${node.index}].inputs[${k}]`;
      const writer = writers.get(dataset);
      if (writer === position) {
        problems.push({
          code: 'PIPELINE_SELF_DEPENDENCY',
          path,
          message: `job "${node.id}" reads ${dataset}, which it writes itself: a job cannot be its own input`,
        });
      } else if (writer !== undefined) connect(writer, position, path);
      else if (!options.datasetExists(dataset)) {
        problems.push({
          code: 'PIPELINE_INPUT_MISSING',
          path,
          message: `job "${node.id}" reads ${dataset}, which no job of this pipeline writes and which does not exist in the workspace`,
        });
      }
    }
    for (const [k, name] of (job.dependsOn ?? []).entries()) {
      const path = `spec.jobs[${node.index}].dependsOn[${k}]`;
      const target = byId.get(name);
      if (target === position) {
        problems.push({ code: 'PIPELINE_SELF_DEPENDENCY', path, message: `job "${node.id}" depends on itself` });
      } else if (target !== undefined) connect(target, position, path);
      else {
        problems.push({
          code: 'PIPELINE_DEPENDENCY_UNKNOWN',
          path,
          message: `job "${node.id}" depends on "${name}", which is not a job of this pipeline (jobs: ${nodes.map((n) => n.id).join(', ')})`,
        });
      }
    }
  }

  const next = nodes.map((node) => [...node.downstream].sort((a, b) => a - b));
  const cycles = findCycles(next);
  for (const cycle of cycles) {
    const ids = [...cycle, cycle[0]!].map((position) => nodes[position]!.id);
    problems.push({
      code: 'PIPELINE_CYCLE',
      path: edgeFields.get(`${cycle.at(-1)!}>${cycle[0]!}`) ?? `spec.jobs[${nodes[cycle[0]!]!.index}]`,
      message: `jobs form a cycle: ${ids.join(' → ')}; a job cannot depend on its own output through other jobs, remove one of these references`,
    });
  }

  const ids = (positions: Set<number>) => [...positions].sort((a, b) => a - b).map((p) => nodes[p]!.id);
  return {
    jobs: nodes.map((node) => ({
      id: node.id,
      index: node.index,
      upstream: ids(node.upstream),
      downstream: ids(node.downstream),
    })),
    order: cycles.length > 0 ? [] : topologicalOrder(nodes),
    problems,
  };
}

/** Kahn's algorithm, always taking the earliest declared ready job, so the order only changes with the graph. */
function topologicalOrder(nodes: readonly Node[]): string[] {
  const waiting = nodes.map((node) => node.upstream.size);
  const ready = new Set(nodes.flatMap((_, position) => (waiting[position] === 0 ? [position] : [])));
  const order: string[] = [];
  while (ready.size > 0) {
    const position = Math.min(...ready);
    ready.delete(position);
    order.push(nodes[position]!.id);
    for (const target of nodes[position]!.downstream) {
      waiting[target] = waiting[target]! - 1;
      if (waiting[target] === 0) ready.add(target);
    }
  }
  return order;
}

/**
 * The jobs a partial run executes, in run order: `only` the job, or the job and everything `downstream` or
 * `upstream` of it. Throws `InputError` `PIPELINE_JOB_NOT_FOUND` for an id the graph lacks.
 */
export function selectJobs(
  graph: Pick<PipelineGraph, 'jobs' | 'order'>,
  jobId: string,
  direction: 'only' | 'downstream' | 'upstream',
): string[] {
  const byId = new Map(graph.jobs.map((job) => [job.id, job]));
  if (!byId.has(jobId)) {
    throw new InputError(`job "${jobId}" is not in this pipeline (jobs: ${graph.jobs.map((j) => j.id).join(', ')})`, {
      code: 'PIPELINE_JOB_NOT_FOUND',
      details: { job: jobId },
    });
  }
  const selected = new Set([jobId]);
  const queue = [jobId];
  while (direction !== 'only' && queue.length > 0) {
    for (const next of byId.get(queue.shift()!)![direction]) {
      if (!selected.has(next)) {
        selected.add(next);
        queue.push(next);
      }
    }
  }
  // A graph with a cycle has no order; callers refuse it first, declaration order keeps this total.
  const order = graph.order.length > 0 ? graph.order : graph.jobs.map((job) => job.id);
  return order.filter((id) => selected.has(id));
}

/**
 * A pipeline document as the builder edits it (the `assay.dev/v1` Pipeline kind; core's `PipelineDocumentSchema`
 * is the judge). Unknown fields are kept as they are, so an engineer's YAML survives a round trip through the
 * builder.
 */
export interface JobSpec {
  id: string;
  operator: string;
  version?: number;
  description?: string;
  connection?: string;
  config?: Record<string, unknown>;
  inputs?: string[];
  output?: string;
  dependsOn?: string[];
  checks?: Array<Record<string, unknown>>;
  [field: string]: unknown;
}

export interface PipelineDocument {
  apiVersion: 'assay.dev/v1';
  kind: 'Pipeline';
  metadata: { name: string; description?: string; [field: string]: unknown };
  spec: { jobs: JobSpec[]; [field: string]: unknown };
}

export const LAYERS = ['bronze', 'silver', 'gold'] as const;
export type Layer = (typeof LAYERS)[number];

/** What the builder needs to know of an operator to add a job of it. */
export interface OperatorInfo {
  type: string;
  version: number;
  category: string;
  inputs?: { min: number; max?: number };
  output?: 'table' | 'none';
}

export function emptyPipeline(name = ''): PipelineDocument {
  return { apiVersion: 'assay.dev/v1', kind: 'Pipeline', metadata: { name }, spec: { jobs: [] } };
}

/** The layer a dataset reference (`silver.orders`) lives in, when it is one of the three. */
export function layerOf(dataset: string | undefined): Layer | undefined {
  const layer = dataset?.split('.')[0];
  return LAYERS.find((candidate) => candidate === layer);
}

/** A job id not yet taken in the pipeline: `sql`, `sql_2`, … (ids are lower-case letters, digits and _). */
export function freeJobId(document: PipelineDocument, base: string): string {
  const stem =
    base
      .toLowerCase()
      .replace(/[^a-z0-9_]+/g, '_')
      .replace(/^[^a-z]+/, '') || 'job';
  const taken = new Set(document.spec.jobs.map((job) => job.id));
  if (!taken.has(stem)) return stem;
  for (let n = 2; ; n++) if (!taken.has(`${stem}_${n}`)) return `${stem}_${n}`;
}

/** The layer a new job of an operator writes to: its category when that is a layer, else silver. */
export function defaultLayer(operator: OperatorInfo): Layer {
  return layerOf(`${operator.category}.x`) ?? 'silver';
}

/**
 * Adds a job of `operator` with a fresh id and output (`<layer>.<id>`), reading `from`'s output when the operator
 * takes inputs; returns it.
 */
export function addJob(document: PipelineDocument, operator: OperatorInfo, from?: JobSpec, id?: string): JobSpec {
  const jobId = id ?? freeJobId(document, operator.type);
  const job: JobSpec = { id: jobId, operator: operator.type, version: operator.version, config: {} };
  const takesInputs = (operator.inputs?.max ?? Infinity) > 0;
  if (takesInputs && from?.output !== undefined) job.inputs = [from.output];
  if (operator.output !== 'none') job.output = `${defaultLayer(operator)}.${jobId}`;
  document.spec.jobs.push(job);
  return job;
}

/** The job writing a dataset, if the pipeline has one. */
export const producerOf = (document: PipelineDocument, dataset: string): JobSpec | undefined =>
  document.spec.jobs.find((job) => job.output === dataset);

/** Jobs `job` reads from, directly or through others: connecting to one of them would make a cycle. */
function upstreamOf(document: PipelineDocument, job: JobSpec, seen = new Set<string>()): Set<string> {
  for (const input of job.inputs ?? []) {
    const producer = producerOf(document, input);
    if (producer !== undefined && !seen.has(producer.id)) {
      seen.add(producer.id);
      upstreamOf(document, producer, seen);
    }
  }
  for (const id of job.dependsOn ?? []) {
    const dependency = document.spec.jobs.find((other) => other.id === id);
    if (dependency !== undefined && !seen.has(id)) {
      seen.add(id);
      upstreamOf(document, dependency, seen);
    }
  }
  return seen;
}

/**
 * Makes `to` read `from`'s output (a dragged edge). Refused, with the reason, when `from` writes nothing, when it
 * is the same job, when the edge exists or when it would make a cycle.
 */
export function connect(document: PipelineDocument, fromId: string, toId: string): string | undefined {
  const from = document.spec.jobs.find((job) => job.id === fromId);
  const to = document.spec.jobs.find((job) => job.id === toId);
  if (from === undefined || to === undefined) return 'Unknown job';
  if (from === to) return 'A job cannot read its own output';
  if (from.output === undefined) return `Job ${from.id} writes no dataset to read`;
  if (to.inputs?.includes(from.output)) return `${to.id} already reads ${from.output}`;
  if (upstreamOf(document, from).has(to.id)) return `${to.id} feeds ${from.id}: reading it would make a cycle`;
  to.inputs = [...(to.inputs ?? []), from.output];
  return undefined;
}

/** Removes a job; the jobs reading its output keep the reference (the server then says it is missing). */
export function removeJob(document: PipelineDocument, id: string): void {
  document.spec.jobs = document.spec.jobs.filter((job) => job.id !== id);
  for (const job of document.spec.jobs) {
    if (job.dependsOn?.includes(id)) job.dependsOn = job.dependsOn.filter((other) => other !== id);
  }
}

/** `spec.jobs[3].config.sql` → 3: which job a problem belongs to. */
export function jobIndexOf(path: string): number | undefined {
  const match = /^spec\.jobs\[(\d+)\]/.exec(path);
  return match === null ? undefined : Number(match[1]);
}

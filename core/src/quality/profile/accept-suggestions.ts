import { ConflictError, InputError, NotFoundError } from '@assay/sdk';
import type { PipelineService } from '../../pipelines/apply/pipeline-service.ts';
import { checkIdOf } from '../../pipelines/document/check-id.ts';
import type { DocumentProblem } from '../../pipelines/document/document-problem.ts';
import type { JobCheck, PipelineDocument } from '../../pipelines/document/pipeline-document.ts';

/** Checks to add to the job of a pipeline that writes a dataset. */
export interface AcceptRequest {
  readonly workspace: string;
  /** `layer.name`: the dataset the checks were suggested for. */
  readonly dataset: string;
  readonly pipeline: string;
  /** The job to add them to; by default the pipeline's job whose output is `dataset`. */
  readonly job?: string | undefined;
  readonly checks: readonly JobCheck[];
  readonly message?: string | undefined;
  readonly author: string | undefined;
}

/** The version the checks were saved in. */
export interface Accepted {
  readonly pipeline: string;
  readonly job: string;
  readonly version: number;
  /** The ids the added checks go by. */
  readonly checks: string[];
  readonly diff: string[];
}

/**
 * Adds `checks` to a job of the pipeline's current document and saves a new version through the pipeline service, so
 * the same validation as any save applies. A check the job has already (by id) is 409 `SUGGESTION_CHECK_EXISTS`; the
 * job missing, or writing another dataset, is 404 `SUGGESTION_JOB_NOT_FOUND`; an invalid check is 400 with its path
 * in the document and, in `details.path`, in the request (`/body/checks/0/max`).
 */
export async function acceptSuggestions(pipelines: PipelineService, request: AcceptRequest): Promise<Accepted> {
  const { workspace, dataset, pipeline } = request;
  const { current } = await pipelines.store.get(workspace, pipeline);
  const jobs = current.document.spec.jobs;
  const index = jobIndex(jobs, request);
  const job = jobs[index]!;

  const ids = request.checks.map((check) => checkIdOf(check));
  ids.forEach((id, position) => {
    if (ids.indexOf(id) !== position) {
      throw new InputError(`/body/checks/${position}: check "${id}" is in the request twice; send it once`, {
        code: 'SUGGESTION_CHECK_DUPLICATE',
        details: { path: `/body/checks/${position}`, check: id },
      });
    }
  });
  const existing = (job.checks ?? []).map((check) => checkIdOf(check));
  const taken = ids.filter((id) => existing.includes(id));
  if (taken.length > 0) {
    throw new ConflictError(
      `Job "${job.id}" of pipeline "${pipeline}" already has check(s) ${taken.map((id) => `"${id}"`).join(', ')}: ` +
        'leave them out, or give the new check another id',
      { code: 'SUGGESTION_CHECK_EXISTS', details: { pipeline, job: job.id, checks: taken } },
    );
  }

  const document: PipelineDocument = structuredClone(current.document);
  document.spec.jobs[index] = { ...job, checks: [...(job.checks ?? []), ...request.checks] };
  const message = request.message ?? `Accept ${ids.length} suggested check(s) for ${dataset}: ${ids.join(', ')}`;
  try {
    const saved = await pipelines.update(workspace, pipeline, { document }, { author: request.author, message });
    return { pipeline, job: job.id, version: saved.version.version, checks: ids, diff: saved.diff };
  } catch (error) {
    throw withRequestPaths(error, index, existing.length);
  }
}

function jobIndex(jobs: PipelineDocument['spec']['jobs'], request: AcceptRequest): number {
  const { pipeline, dataset } = request;
  const index = jobs.findIndex((job) => (request.job === undefined ? job.output === dataset : job.id === request.job));
  if (index < 0) {
    const which = request.job === undefined ? `whose output is ${dataset}` : `"${request.job}"`;
    throw new NotFoundError(`Pipeline "${pipeline}" has no job ${which}: name the job to add the checks to with job`, {
      code: 'SUGGESTION_JOB_NOT_FOUND',
      details: { pipeline, dataset, ...(request.job === undefined ? {} : { job: request.job }) },
    });
  }
  const output = jobs[index]!.output;
  if (output !== dataset) {
    throw new NotFoundError(
      `Job "${request.job}" of pipeline "${pipeline}" writes ${output ?? 'no dataset'}, not ${dataset}: ` +
        'checks suggested for a dataset go on the job that writes it',
      { code: 'SUGGESTION_JOB_NOT_FOUND', details: { pipeline, dataset, job: request.job, output: output ?? null } },
    );
  }
  return index;
}

const CHECK_PATH = /^spec\.jobs\[(\d+)\]\.checks\[(\d+)\](.*)$/;

/**
 * A rejected save with each problem of an added check also placed in the request (`requestPath`), and the first
 * one as `details.path`, as every 400 of the API has it.
 */
function withRequestPaths(error: unknown, jobIndex: number, existing: number): unknown {
  if (!(error instanceof InputError) || !Array.isArray(error.details?.problems)) return error;
  const problems = (error.details.problems as DocumentProblem[]).map((problem) => {
    const match = CHECK_PATH.exec(problem.path);
    if (match === null || Number(match[1]) !== jobIndex || Number(match[2]) < existing) return problem;
    const rest = match[3]!.replace(/\[(\d+)\]/g, '/$1').replace(/\./g, '/');
    return { ...problem, requestPath: `/body/checks/${Number(match[2]) - existing}${rest}` };
  });
  const first = problems.find((problem) => 'requestPath' in problem) as { requestPath?: string } | undefined;
  return new InputError(error.message, {
    code: error.code,
    details: { ...error.details, problems, ...(first?.requestPath === undefined ? {} : { path: first.requestPath }) },
    cause: error,
  });
}

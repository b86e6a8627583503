import { NotFoundError } from '@assay/sdk';
import type { PipelineStore } from '../../pipelines/store/pipeline-store.ts';

/** The pipeline job whose output is `dataset`, in the workspace's current pipeline versions. */
export async function writingJob(
  store: Pick<PipelineStore, 'list'>,
  workspace: string,
  dataset: string,
): Promise<{ pipeline: string; jobId: string }> {
  for (const { pipeline, current } of await store.list(workspace)) {
    const job = current.document.spec.jobs.find((candidate) => candidate.output === dataset);
    if (job !== undefined) return { pipeline: pipeline.name, jobId: job.id };
  }
  throw new NotFoundError(`No pipeline job of workspace ${workspace} writes ${dataset}`, {
    code: 'WRITING_JOB_NOT_FOUND',
    details: { dataset },
  });
}

import { OperationalError, type Logger, type RunFinished } from '@assay/sdk';
import type { Knex } from 'knex';
import type { RunService } from '../runs/run-service.ts';
import { startTriggeredRun } from './start-triggered-run.ts';
import { triggeredPipelines } from './triggered-pipelines.ts';

/**
 * Handles one `run.finished` event: a succeeded run starts every pipeline of its workspace with a
 * `pipeline_succeeded` trigger on it, keyed by the upstream run, so a redelivered event starts nothing twice.
 * A downstream pipeline busy with a run makes the delivery fail operationally, so the event bus delivers it again
 * later (with backoff) instead of losing the trigger.
 */
export async function onUpstreamFinished(
  options: { db: Knex; runs: Pick<RunService, 'startRun'>; logger: Logger },
  run: RunFinished,
): Promise<void> {
  if (run.status !== 'succeeded') return;
  const downstream = await triggeredPipelines(options.db, {
    workspace: run.workspace,
    specContains: { triggers: [{ type: 'pipeline_succeeded', pipeline: run.pipeline }] },
  });
  const busy: string[] = [];
  for (const pipeline of downstream.filter((p) => p.pausedAt === null && p.id !== run.pipelineId)) {
    const outcome = await startTriggeredRun(
      options.runs,
      pipeline,
      {
        type: 'pipeline',
        key: `pipeline:${run.runId}`,
        details: { upstreamPipeline: run.pipeline, upstreamRun: run.runId, upstreamVersion: run.version },
      },
      options.logger,
    );
    if ('skipped' in outcome) busy.push(pipeline.name);
  }
  if (busy.length > 0) {
    throw new OperationalError(
      `Pipeline(s) ${busy.join(', ')} triggered by ${run.pipeline} run ${run.runId} have an active run; retrying later`,
      { code: 'TRIGGER_PIPELINE_BUSY', details: { pipelines: busy, upstreamRun: run.runId } },
    );
  }
}

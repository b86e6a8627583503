import { AssayError, type Logger } from '@assay/sdk';
import type { RunTrigger } from '../runs/run-records.ts';
import type { RunService } from '../runs/run-service.ts';
import type { TriggeredPipeline } from './triggered-pipelines.ts';

/** What a trigger asked for: a run (`started`, or the one its key had already started) or none, because one is active. */
export type TriggerOutcome = { readonly started: string } | { readonly skipped: 'active'; readonly activeRun: string };

/**
 * Starts the run a trigger fired, keyed by the event (`key`), so the same event delivered twice, or fired by two
 * processes, starts one run. While the pipeline has an active run the trigger is skipped (runs of a pipeline never
 * overlap unless it allows it); the caller decides whether that event comes back.
 */
export async function startTriggeredRun(
  runs: Pick<RunService, 'startRun'>,
  pipeline: TriggeredPipeline,
  trigger: { type: RunTrigger; key: string; details: Record<string, unknown> },
  logger: Logger,
): Promise<TriggerOutcome> {
  try {
    const run = await runs.startRun({
      workspace: pipeline.workspace,
      pipeline: pipeline.name,
      trigger: trigger.type,
      triggerKey: trigger.key,
      triggerDetails: trigger.details,
    });
    logger.info(
      { pipeline: pipeline.name, workspace: pipeline.workspace, run: run.id, trigger: trigger.type },
      'triggered',
    );
    return { started: run.id };
  } catch (error) {
    if (error instanceof AssayError && error.code === 'RUN_ALREADY_ACTIVE') {
      const activeRun = String(error.details?.activeRun ?? '');
      logger.info(
        { pipeline: pipeline.name, workspace: pipeline.workspace, trigger: trigger.type, activeRun },
        'trigger skipped: the pipeline has an active run',
      );
      return { skipped: 'active', activeRun };
    }
    throw error;
  }
}

import { NotFoundError, runFinished, type EventBus, type Logger } from '@assay/sdk';
import type { Knex } from 'knex';
import type { IngestService } from '../../ingest/ingest-service.ts';
import type { CoreQueue } from '../../queue/queue-service.ts';
import type { RunService } from '../runs/run-service.ts';
import { DEFAULT_POLL_SECONDS, sweepFileTriggers } from './file-triggers.ts';
import { reconcileSchedules } from './pipeline-schedules.ts';
import { startTriggeredRun } from './start-triggered-run.ts';
import { TRIGGER_SWEEP_CRON, triggerSweepQueue, pipelineScheduleQueue } from './trigger-queues.ts';
import { triggeredPipelines, type TriggeredPipeline } from './triggered-pipelines.ts';
import { onUpstreamFinished } from './upstream-triggers.ts';

/** A pipeline's automatic triggers as the API shows them. */
export interface TriggerStatus {
  readonly pipeline: string;
  readonly paused: boolean;
  readonly pausedAt: string | null;
  readonly pausedBy: string | null;
  /** The schedule and its next occurrences (none while paused). */
  readonly schedule: { cron: string; timezone: string; next: string[] } | null;
  readonly triggers: ReadonlyArray<{
    type: string;
    pipeline?: string;
    connection?: string;
    stream?: string;
    pollSeconds?: number;
    lastCheckedAt?: string;
    lastNewFiles?: number;
    lastError?: string;
  }>;
}

/** Schedules, upstream-success and new-file triggers of pipelines, and pausing them. */
export interface PipelineTriggers {
  /** Registers the trigger workers and the `run.finished` subscription, and reconciles the schedules. */
  start(): Promise<void>;
  /** Stops the pipeline's automatic runs (manual and API runs still start); idempotent. */
  pause(workspace: string, name: string, actor: string | undefined): Promise<TriggerStatus>;
  resume(workspace: string, name: string): Promise<TriggerStatus>;
  status(workspace: string, name: string): Promise<TriggerStatus>;
}

export function createPipelineTriggers(options: {
  db: Knex;
  queue: CoreQueue;
  events: EventBus;
  runs: Pick<RunService, 'startRun'>;
  ingest: Pick<IngestService, 'probe'>;
  logger: Logger;
}): PipelineTriggers {
  const { db, queue, runs, logger } = options;
  const log = logger.child({ component: 'pipeline-triggers' });

  const pipelineNamed = async (workspace: string, name: string): Promise<TriggeredPipeline> => {
    const [pipeline] = await triggeredPipelines(db, { workspace, name });
    if (pipeline === undefined) {
      throw new NotFoundError(`Pipeline "${name}" does not exist in workspace "${workspace}"`, {
        code: 'PIPELINE_NOT_FOUND',
      });
    }
    return pipeline;
  };

  const status = async (workspace: string, name: string): Promise<TriggerStatus> => {
    const pipeline = await pipelineNamed(workspace, name);
    const checks = await db('core_pipeline_trigger_checks')
      .where({ pipeline_id: pipeline.id })
      .select<Array<{ trigger: string; checked_at: Date; new_items: number; error: string | null }>>('*');
    const schedule = pipeline.spec.schedule;
    const timezone = schedule?.timezone ?? 'UTC';
    return {
      pipeline: pipeline.name,
      paused: pipeline.pausedAt !== null,
      pausedAt: pipeline.pausedAt?.toISOString() ?? null,
      pausedBy: pipeline.pausedBy,
      schedule:
        schedule === undefined
          ? null
          : {
              cron: schedule.cron,
              timezone,
              next:
                pipeline.pausedAt === null
                  ? queue.nextOccurrences(schedule.cron, { timeZone: timezone, count: 5 }).map((d) => d.toISOString())
                  : [],
            },
      triggers: (pipeline.spec.triggers ?? []).map((trigger, index) => {
        if (trigger.type === 'pipeline_succeeded') return { type: trigger.type, pipeline: trigger.pipeline };
        const check = checks.find((c) => c.trigger === `new_files:${index}`);
        return {
          type: trigger.type,
          connection: trigger.connection,
          ...(trigger.stream === undefined ? {} : { stream: trigger.stream }),
          pollSeconds: trigger.pollSeconds ?? DEFAULT_POLL_SECONDS,
          ...(check === undefined
            ? {}
            : {
                lastCheckedAt: check.checked_at.toISOString(),
                lastNewFiles: check.new_items,
                ...(check.error === null ? {} : { lastError: check.error }),
              }),
        };
      }),
    };
  };

  const setPaused = async (workspace: string, name: string, paused: { at: Date; by: string | null } | null) => {
    const pipeline = await pipelineNamed(workspace, name);
    // Pausing a paused pipeline keeps who paused it and when.
    if ((pipeline.pausedAt !== null) === (paused !== null)) return status(workspace, name);
    await db('core_pipelines')
      .where({ id: pipeline.id })
      .update({ paused_at: paused?.at ?? null, paused_by: paused?.by ?? null });
    await reconcileSchedules(db, queue, log, { pipelineId: pipeline.id });
    return status(workspace, name);
  };

  return {
    async start() {
      await queue.workEach(pipelineScheduleQueue, async (job) => {
        const [pipeline] = await triggeredPipelines(db, { id: job.data.pipelineId });
        // A schedule outlived its pipeline or its schedule: drop it rather than run what is no longer asked for.
        if (pipeline?.spec.schedule === undefined || pipeline.pausedAt !== null) {
          await reconcileSchedules(db, queue, log, { pipelineId: job.data.pipelineId });
          return;
        }
        const { cron, timezone } = pipeline.spec.schedule;
        await startTriggeredRun(
          runs,
          pipeline,
          { type: 'schedule', key: `schedule:${job.id}`, details: { cron, timezone: timezone ?? 'UTC' } },
          log,
        );
      });
      await queue.workEach(triggerSweepQueue, async () => {
        await reconcileSchedules(db, queue, log);
        await sweepFileTriggers({ db, ingest: options.ingest, runs, logger: log });
      });
      await options.events.subscribe(runFinished, 'pipeline-triggers', (run) =>
        onUpstreamFinished({ db, runs, logger: log }, run),
      );
      await queue.schedule(triggerSweepQueue, 'sweep', TRIGGER_SWEEP_CRON, {});
      await reconcileSchedules(db, queue, log);
    },
    pause: (workspace, name, actor) => setPaused(workspace, name, { at: new Date(), by: actor ?? null }),
    resume: (workspace, name) => setPaused(workspace, name, null),
    status,
  };
}

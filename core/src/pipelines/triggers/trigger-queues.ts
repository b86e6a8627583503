import { defineQueue, Type } from '@assay/sdk';

/** One job per occurrence of a pipeline's cron schedule (pg-boss schedule, key = pipeline id). */
export const pipelineScheduleQueue = defineQueue({
  name: 'core.pipeline-schedule',
  schema: Type.Object({ pipelineId: Type.String({ format: 'uuid' }) }),
  // A failed start (the database away) is retried; the run's trigger key keeps a retry from starting a second run.
  policy: { retryLimit: 3, retryDelaySeconds: 5, retryBackoff: true, expireInSeconds: 300 },
});

/**
 * The sweep, every {@link TRIGGER_SWEEP_CRON}: reconciles the schedules with the pipelines' current versions and
 * probes the `new_files` triggers that are due.
 */
export const triggerSweepQueue = defineQueue({
  name: 'core.pipeline-trigger-sweep',
  schema: Type.Object({}),
  // A sweep that fails is not retried: the next one comes within seconds.
  policy: { retryLimit: 0, expireInSeconds: 600 },
});

/** Every 10 seconds (pg-boss cron with seconds); each trigger is probed at most every `pollSeconds`. */
export const TRIGGER_SWEEP_CRON = '*/10 * * * * *';

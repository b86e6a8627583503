import { defineQueue, Type } from '@assay/sdk';

/**
 * One job run to work (`core.pipeline-job`). The job run's row is the truth; a delivery only says "look at it", so
 * duplicates and late deliveries are harmless. pg-boss retries cover a worker whose bookkeeping itself failed (the
 * database was away); job failures are retried by the run, as new deliveries.
 */
export const pipelineJobQueue = defineQueue({
  name: 'core.pipeline-job',
  schema: Type.Object({ jobRunId: Type.String({ format: 'uuid' }) }),
  policy: {
    retryLimit: 5,
    retryDelaySeconds: 2,
    retryBackoff: true,
    // The longest pg-boss allows; job timeouts (JOB_TIMEOUT) stop jobs before it.
    expireInSeconds: 24 * 3600,
    // A killed worker's job is failed and delivered again within this (plus pg-boss's monitor interval); the
    // run's sweeper notices the stale job run sooner still.
    heartbeatSeconds: 15,
    retentionSeconds: 24 * 3600,
  },
});

import type { WorkOptions } from '@assay/sdk';

/** The sdk's documented defaults of {@link WorkOptions}. */
export const DEFAULT_WORK_OPTIONS = Object.freeze({ batchSize: 5, concurrency: 1 });

/** Default seconds between backstop polls while LISTEN/NOTIFY wakes workers. */
export const DEFAULT_BACKSTOP_POLL_SECONDS = 5;

// Used only when LISTEN/NOTIFY is unavailable (e.g. behind PgBouncer in transaction mode); pg-boss requires it to be
// no longer than the backstop interval.
const FALLBACK_POLL_SECONDS = 2;

/**
 * pg-boss worker options for an sdk worker. Handlers settle each job (`perJobResults`) so a `UserError` can fail its
 * jobs without retries, and see job metadata so a batch can be put back in fetch order. A NOTIFY wakes an idle
 * worker at once and a full batch makes it fetch again without waiting, so a backlog drains at full speed; otherwise
 * it polls every `backstopPollSeconds`, which only retries and delayed jobs (they raise no NOTIFY) depend on.
 */
export function toPgBossWorkOptions(work: WorkOptions, backstopPollSeconds: number) {
  return {
    batchSize: work.batchSize ?? DEFAULT_WORK_OPTIONS.batchSize,
    localConcurrency: work.concurrency ?? DEFAULT_WORK_OPTIONS.concurrency,
    perJobResults: true,
    includeMetadata: true,
    burstWhenBatchFull: true,
    pollingIntervalSeconds: Math.min(FALLBACK_POLL_SECONDS, backstopPollSeconds),
    notifyPollingIntervalSeconds: backstopPollSeconds,
  } as const;
}

import type { QueuePolicy } from '@assay/sdk';
import type { PgBoss, Queue } from 'pg-boss';

/** The sdk's documented defaults of a {@link QueuePolicy}. */
export const DEFAULT_QUEUE_POLICY: Readonly<Required<QueuePolicy>> = Object.freeze({
  retryLimit: 2,
  retryDelaySeconds: 5,
  retryBackoff: true,
  expireInSeconds: 900,
  retentionSeconds: 7 * 24 * 60 * 60,
});

/** The pg-boss options Assay creates every queue with. */
export type PgBossQueueOptions = Required<
  Pick<Queue, 'retryLimit' | 'retryDelay' | 'retryBackoff' | 'expireInSeconds' | 'deleteAfterSeconds' | 'notify'>
>;

/**
 * Maps an sdk policy onto pg-boss queue options. The sdk's `retentionSeconds` (how long finished jobs are kept) is
 * pg-boss's `deleteAfterSeconds`; pg-boss's own `retentionSeconds` bounds jobs that never ran and keeps its default.
 * `notify` makes every insert wake listening workers at once instead of on their next poll.
 */
export function toPgBossQueueOptions(policy: Readonly<QueuePolicy>): PgBossQueueOptions {
  return {
    retryLimit: policy.retryLimit ?? DEFAULT_QUEUE_POLICY.retryLimit,
    retryDelay: policy.retryDelaySeconds ?? DEFAULT_QUEUE_POLICY.retryDelaySeconds,
    retryBackoff: policy.retryBackoff ?? DEFAULT_QUEUE_POLICY.retryBackoff,
    expireInSeconds: policy.expireInSeconds ?? DEFAULT_QUEUE_POLICY.expireInSeconds,
    deleteAfterSeconds: policy.retentionSeconds ?? DEFAULT_QUEUE_POLICY.retentionSeconds,
    notify: true,
  };
}

/**
 * Creates a queue, or brings an existing one in line with the policy: pg-boss's `createQueue` leaves an existing
 * queue untouched, so a plugin upgrade that changes its retry policy would otherwise never take effect.
 */
export async function ensureQueue(boss: PgBoss, name: string, policy: Readonly<QueuePolicy>): Promise<void> {
  const wanted = toPgBossQueueOptions(policy);
  await boss.createQueue(name, wanted);
  const existing = await boss.getQueue(name);
  const keys = Object.keys(wanted) as Array<keyof PgBossQueueOptions>;
  if (existing !== null && keys.some((key) => existing[key] !== wanted[key])) {
    await boss.updateQueue(name, wanted);
  }
}

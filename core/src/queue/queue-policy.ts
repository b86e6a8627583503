import type { QueuePolicy } from '@assay/sdk';
import type { PgBoss, Queue } from 'pg-boss';

/** The sdk's documented defaults of a {@link QueuePolicy}; `heartbeatSeconds` is off unless a queue sets it. */
export const DEFAULT_QUEUE_POLICY: Readonly<Required<Omit<QueuePolicy, 'heartbeatSeconds'>>> = Object.freeze({
  retryLimit: 2,
  retryDelaySeconds: 5,
  retryBackoff: true,
  expireInSeconds: 900,
  retentionSeconds: 7 * 24 * 60 * 60,
});

/** The pg-boss options Assay creates every queue with. */
export type PgBossQueueOptions = Required<
  Pick<Queue, 'retryLimit' | 'retryDelay' | 'retryBackoff' | 'expireInSeconds' | 'deleteAfterSeconds' | 'notify'>
> &
  Pick<Queue, 'heartbeatSeconds'>;

/**
 * Maps an sdk policy onto pg-boss queue options. The sdk's `retentionSeconds` (how long finished jobs are kept) is
 * pg-boss's `deleteAfterSeconds`; pg-boss's own `retentionSeconds` bounds jobs that never ran and keeps its default.
 * `notify` makes every insert wake listening workers at once instead of on their next poll. `heartbeatSeconds` is
 * passed only when set: pg-boss workers then refresh running jobs' heartbeats by themselves.
 */
export function toPgBossQueueOptions(policy: Readonly<QueuePolicy>): PgBossQueueOptions {
  return {
    retryLimit: policy.retryLimit ?? DEFAULT_QUEUE_POLICY.retryLimit,
    retryDelay: policy.retryDelaySeconds ?? DEFAULT_QUEUE_POLICY.retryDelaySeconds,
    retryBackoff: policy.retryBackoff ?? DEFAULT_QUEUE_POLICY.retryBackoff,
    expireInSeconds: policy.expireInSeconds ?? DEFAULT_QUEUE_POLICY.expireInSeconds,
    deleteAfterSeconds: policy.retentionSeconds ?? DEFAULT_QUEUE_POLICY.retentionSeconds,
    notify: true,
    ...(policy.heartbeatSeconds === undefined ? {} : { heartbeatSeconds: policy.heartbeatSeconds }),
  };
}

const COMPARED = [
  'retryLimit',
  'retryDelay',
  'retryBackoff',
  'expireInSeconds',
  'deleteAfterSeconds',
  'notify',
] as const;

/**
 * Creates a queue, or brings an existing one in line with the policy: pg-boss's `createQueue` leaves an existing
 * queue untouched, so a plugin upgrade that changes its retry policy would otherwise never take effect. A heartbeat
 * the policy no longer sets is turned off (`null`).
 */
export async function ensureQueue(boss: PgBoss, name: string, policy: Readonly<QueuePolicy>): Promise<void> {
  const wanted = toPgBossQueueOptions(policy);
  await boss.createQueue(name, wanted);
  const existing = await boss.getQueue(name);
  if (existing === null) return;
  const heartbeat = wanted.heartbeatSeconds ?? null;
  if (COMPARED.some((key) => existing[key] !== wanted[key]) || (existing.heartbeatSeconds ?? null) !== heartbeat) {
    await boss.updateQueue(name, { ...wanted, heartbeatSeconds: heartbeat });
  }
}

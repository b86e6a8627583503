import type { Logger } from '@assay/sdk';
import type { Knex } from 'knex';
import type { CoreQueue } from '../../queue/queue-service.ts';
import { pipelineScheduleQueue } from './trigger-queues.ts';
import { triggeredPipelines } from './triggered-pipelines.ts';

/**
 * Brings the queue's schedules in line with the pipelines: one pg-boss schedule per pipeline whose current version
 * has `spec.schedule` and that is not paused, keyed by the pipeline id; every other key is removed. Only what
 * differs is written, so any process may reconcile at any time: every trigger sweep does (a saved, rolled
 * back or deleted schedule takes effect within seconds), and pausing and resuming do at once for their pipeline
 * (`only`).
 */
export async function reconcileSchedules(
  db: Knex,
  queue: CoreQueue,
  logger: Logger,
  only?: { pipelineId: string },
): Promise<{ scheduled: number; removed: number }> {
  const pipelines = await triggeredPipelines(db, only === undefined ? {} : { id: only.pipelineId });
  const wanted = new Map(
    pipelines
      .filter((p) => p.spec.schedule !== undefined && p.pausedAt === null)
      .map((p) => [p.id, { cron: p.spec.schedule!.cron, timeZone: p.spec.schedule!.timezone ?? 'UTC' }] as const),
  );
  const existing = new Map(
    (await queue.schedules(pipelineScheduleQueue))
      .filter(({ key }) => only === undefined || key === only.pipelineId)
      .map(({ key, ...schedule }) => [key, schedule] as const),
  );
  let scheduled = 0;
  for (const [pipelineId, schedule] of wanted) {
    const current = existing.get(pipelineId);
    if (current?.cron === schedule.cron && current.timeZone === schedule.timeZone) continue;
    await queue.schedule(pipelineScheduleQueue, pipelineId, schedule.cron, { pipelineId }, schedule);
    scheduled++;
  }
  const stale = [...existing.keys()].filter((key) => !wanted.has(key));
  for (const key of stale) await queue.unschedule(pipelineScheduleQueue, key);
  if (scheduled > 0 || stale.length > 0)
    logger.info({ scheduled, removed: stale.length }, 'pipeline schedules changed');
  return { scheduled, removed: stale.length };
}

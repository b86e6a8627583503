import type { RunRow } from './run-records.ts';
import { pipelineJobQueue } from './pipeline-job-queue.ts';
import type { RunRuntime } from './run-runtime.ts';
import { dispatchLocked } from './run-dispatch.ts';

/** What one sweep did, for tests and logs. */
export interface SweepResult {
  readonly dispatched: number;
  readonly redelivered: number;
  readonly published: number;
}

/** How long a queued job may wait before its delivery is assumed lost and sent again (a duplicate is harmless). */
const QUEUED_GRACE_SECONDS = 30;
const BATCH = 100;

/**
 * Repairs what a process that died mid-way leaves behind; every step is conditional, so sweepers of several
 * processes may overlap:
 * - active runs with jobs waiting or nothing in flight are dispatched (a dispatch lost between a job's end and the
 *   next step, a run starved by the workspace limit, a run whose last step was never recorded);
 * - job runs queued for long, running with a stale heartbeat (their worker died) or overdue retries are delivered
 *   again (singleton sends: a delivery still waiting is not doubled). A heartbeat counts as stale only once the
 *   server has been up for `staleSeconds`: while it restarted no heartbeat could land, and the attempts behind them
 *   are alive, waiting to record their outcomes;
 * - finished runs whose `run.finished` was never published are published.
 */
export async function sweepRuns(runtime: RunRuntime, options: { staleSeconds: number }): Promise<SweepResult> {
  const { db } = runtime;
  let dispatched = 0;
  const stalled = (await db('core_pipeline_runs as r')
    .whereIn('r.status', ['queued', 'running', 'cancelling'])
    .whereRaw(
      `(exists (select 1 from core_job_runs j where j.run_id = r.id and j.status = 'pending')
        or not exists (select 1 from core_job_runs j where j.run_id = r.id
                       and j.status in ('queued', 'running', 'retrying')))`,
    )
    .orderBy('r.created_at')
    .limit(BATCH)
    .select('r.id')) as Array<{ id: string }>;
  for (const { id } of stalled) {
    const step = await db.transaction(async (trx) => {
      // A run another process is moving on right now needs no sweep.
      const run = await trx<RunRow>('core_pipeline_runs').where({ id }).forUpdate().skipLocked().first();
      if (run === undefined) return undefined;
      const finishes = await runtime.metrics.watch(trx, run);
      const { finished } = await dispatchLocked(trx, run, runtime.dispatch);
      await finishes.seal(trx);
      return { finished, finishes };
    });
    step?.finishes.record(step.finished);
    dispatched++;
    if (step?.finished !== undefined) await runtime.publishFinished(step.finished);
  }

  const lost = (await db('core_job_runs')
    .whereRaw(
      `(status = 'queued' and dispatched_at < now() - make_interval(secs => ?))
        or (status = 'running' and heartbeat_at < now() - make_interval(secs => ?)
            and pg_postmaster_start_time() < now() - make_interval(secs => ?)
            and coalesce(dispatched_at, 'epoch') < now() - make_interval(secs => ?))
        or (status = 'retrying' and dispatched_at < now() - make_interval(secs => ?))`,
      [QUEUED_GRACE_SECONDS, options.staleSeconds, options.staleSeconds, options.staleSeconds, QUEUED_GRACE_SECONDS],
    )
    .limit(BATCH)
    .select('id', 'status')) as Array<{ id: string; status: string }>;
  for (const job of lost) {
    await runtime.queue.send(pipelineJobQueue, { jobRunId: job.id }, { singletonKey: job.id });
    await db('core_job_runs').where({ id: job.id, status: job.status }).update({ dispatched_at: db.fn.now() });
  }
  if (lost.length > 0) runtime.logger.info({ jobRuns: lost.length }, 'job runs delivered again by the sweeper');

  const unpublished = (await db<RunRow>('core_pipeline_runs')
    .whereNull('event_published_at')
    .whereNotNull('finished_at')
    .andWhereRaw("finished_at < now() - interval '5 seconds'")
    .orderBy('finished_at')
    .limit(BATCH)) as RunRow[];
  for (const run of unpublished) await runtime.publishFinished(run);
  return { dispatched, redelivered: lost.length, published: unpublished.length };
}

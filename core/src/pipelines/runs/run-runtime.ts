import { runFinished, type EventBus, type JobFinished, jobFinished, type Logger } from '@assay/sdk';
import type { Knex } from 'knex';
import { retryWhileUnreachable } from '../../database/database-retry.ts';
import type { CoreQueue } from '../../queue/queue-service.ts';
import { type DispatchContext, dispatchLocked, type DispatchResult, lockRun, UpstreamCache } from './run-dispatch.ts';
import type { VersionCache } from './pipeline-versions.ts';
import type { RunNotifications } from './run-notifications.ts';
import { NO_RUN_METRICS, type RunMetrics } from './run-metrics.ts';
import { ACTIVE_RUN_STATUSES, type RunRow } from './run-records.ts';

/** What the run service and the run worker share in one process. */
export interface RunRuntime {
  readonly db: Knex;
  readonly queue: CoreQueue;
  readonly versions: VersionCache;
  readonly dispatch: DispatchContext;
  readonly notifications: RunNotifications;
  readonly logger: Logger;
  /** Counts the job runs and runs each step finished, after it committed. */
  readonly metrics: RunMetrics;
  /**
   * Locks the run, runs `work` and, unless it returns {@link SKIP_DISPATCH}, moves the run on, in one
   * transaction; publishes `run.finished` after it when that finished the run. Undefined when nothing was
   * dispatched (the run is gone, or `work` skipped it). While the database is unreachable (a restart, a failover)
   * the transaction is tried again, for up to {@link MOVE_ON_RETRY_MS}, so `work` must be safe to run again: the
   * first try's commit may have landed unseen.
   */
  moveOn(
    runId: string,
    work: (trx: Knex.Transaction, run: RunRow) => Promise<typeof SKIP_DISPATCH | undefined>,
  ): Promise<DispatchResult | undefined>;
  /** Publishes `run.finished` (once it is out, the run is marked so the sweeper does not publish it again). */
  publishFinished(run: RunRow): Promise<void>;
  /** Best effort: a failure is logged. */
  publishJobFinished(payload: JobFinished): void;
  /** Dispatches the other active runs of a workspace that have jobs waiting, after a slot came free. */
  dispatchWorkspace(workspace: string, exceptRunId: string): Promise<void>;
}

/** Returned by a {@link RunRuntime.moveOn} callback that changed nothing worth a dispatch. */
export const SKIP_DISPATCH: unique symbol = Symbol('skip dispatch');

/**
 * How long a step of a run waits out an unreachable database. A job's outcome is recorded by such a step: giving up
 * early would leave a finished attempt `running` until the sweeper takes it over and runs it again, or fails it
 * with `JOB_WORKER_LOST` when no attempts are left.
 */
export const MOVE_ON_RETRY_MS = 30_000;

/** Builds the shared runtime. */
export function createRunRuntime(options: {
  db: Knex;
  queue: CoreQueue;
  versions: VersionCache;
  notifications: RunNotifications;
  events: Pick<EventBus, 'publish'> | undefined;
  logger: Logger;
  maxParallelJobsPerWorkspace: number;
  metrics?: RunMetrics | undefined;
}): RunRuntime {
  const { db, events, logger } = options;
  const metrics = options.metrics ?? NO_RUN_METRICS;
  const dispatch: DispatchContext = {
    queue: options.queue,
    versions: options.versions,
    upstream: new UpstreamCache(),
    maxParallelJobsPerWorkspace: options.maxParallelJobsPerWorkspace,
  };

  const publishFinished = async (run: RunRow): Promise<void> => {
    if (events !== undefined) {
      const startedAt = run.started_at ?? undefined;
      await events.publish(runFinished, {
        runId: run.id,
        workspace: run.workspace,
        pipeline: run.pipeline_name,
        pipelineId: run.pipeline_id,
        version: run.pipeline_version,
        sequence: Number(run.sequence),
        status: run.status as 'succeeded' | 'failed' | 'cancelled',
        trigger: run.trigger,
        ...(run.actor === null ? {} : { actor: run.actor }),
        ...(startedAt === undefined ? {} : { startedAt: startedAt.toISOString() }),
        finishedAt: (run.finished_at ?? new Date()).toISOString(),
        ...(startedAt === undefined || run.finished_at === null
          ? {}
          : { durationMs: run.finished_at.getTime() - startedAt.getTime() }),
        ...(run.error_code === null
          ? {}
          : {
              error: {
                code: run.error_code,
                message: run.error_message ?? '',
                ...(run.error_job === null ? {} : { job: run.error_job }),
              },
            }),
      });
    }
    await db('core_pipeline_runs').where({ id: run.id }).whereNull('event_published_at').update({
      event_published_at: db.fn.now(),
    });
  };

  const runtime: RunRuntime = {
    db,
    queue: options.queue,
    versions: options.versions,
    dispatch,
    notifications: options.notifications,
    logger,
    metrics,
    async moveOn(runId, work) {
      // Every step is conditional on the state it changes, so trying one again after its commit landed unseen
      // changes nothing.
      const step = await retryWhileUnreachable(
        () =>
          db.transaction(async (trx) => {
            const run = await lockRun(trx, runId);
            if (run === undefined) return undefined;
            const finishes = await metrics.watch(trx, run);
            let dispatched: DispatchResult | undefined;
            if ((await work(trx, run)) !== SKIP_DISPATCH) {
              // Read again: `work` may have changed the run's status (a cancel).
              const current = (await trx<RunRow>('core_pipeline_runs').where({ id: runId }).first())!;
              dispatched = await dispatchLocked(trx, current, dispatch);
            }
            await finishes.seal(trx);
            return { dispatched, finishes };
          }),
        {
          timeoutMs: MOVE_ON_RETRY_MS,
          onRetry: (error, tries) => {
            if (tries === 1)
              logger.warn({ err: error, runId }, 'the database is unreachable; trying the run step again');
          },
        },
      );
      step?.finishes.record(step.dispatched?.finished);
      const result = step?.dispatched;
      if (result?.finished !== undefined) {
        await publishFinished(result.finished).catch((error: unknown) =>
          logger.warn({ err: error, runId }, 'run.finished could not be published yet; the sweeper will retry'),
        );
      }
      return result;
    },
    publishFinished,
    publishJobFinished(payload) {
      events?.publish(jobFinished, payload).catch((error: unknown) => {
        logger.warn({ err: error, runId: payload.runId, job: payload.jobId }, 'job.finished could not be published');
      });
    },
    async dispatchWorkspace(workspace, exceptRunId) {
      const waiting = (await db('core_pipeline_runs as r')
        .where('r.workspace', workspace)
        .whereIn('r.status', ACTIVE_RUN_STATUSES)
        .whereNot('r.id', exceptRunId)
        .whereExists(db('core_job_runs as j').whereRaw('j.run_id = r.id').andWhere('j.status', 'pending'))
        .orderBy('r.created_at')
        .limit(20)
        .select('r.id')) as Array<{ id: string }>;
      for (const { id } of waiting) await runtime.moveOn(id, async () => undefined);
    },
  };
  return runtime;
}

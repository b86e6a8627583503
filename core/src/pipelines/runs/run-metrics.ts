import type { Logger } from '@assay/sdk';
import type { Knex } from 'knex';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { ACTIVE_RUN_STATUSES, FINISHED_JOB_STATUSES, type JobRunRow, type RunRow } from './run-records.ts';

/** The columns of a job run its metrics need. */
type FinishedJob = Pick<JobRunRow, 'operator' | 'status' | 'attempt' | 'started_at' | 'finished_at' | 'rows_written'>;

/**
 * What one transaction of a run finished, so it is counted once, after commit, by the process that recorded it.
 * Every change of a job run to a final status stamps `finished_at` with the transaction's `now()`, so the job runs
 * of the run with that `finished_at` are exactly the ones this transaction finished.
 */
export interface FinishWatch {
  /** Reads the job runs this transaction finished; inside the transaction, before it commits. */
  seal(trx: Knex.Transaction): Promise<void>;
  /** After commit: counts the job runs {@link seal} found and `finished`, the run when this transaction ended it. */
  record(finished: RunRow | undefined): void;
}

/** Prometheus counters and timings of pipeline runs and job runs. */
export interface RunMetrics {
  /** Begins a {@link FinishWatch} inside `trx`, right after `run`'s row was locked. */
  watch(trx: Knex.Transaction, run: RunRow): Promise<FinishWatch>;
}

const NOTHING: FinishWatch = { seal: async () => undefined, record: () => undefined };

/** Counts nothing and reads nothing: for run services built without a registry (tests). */
export const NO_RUN_METRICS: RunMetrics = { watch: async () => NOTHING };

/** Seconds to hours: a run is anything from a no-op to a nightly backfill. */
const RUN_BUCKETS = [0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14_400, 28_800, 86_400];
const JOB_BUCKETS = [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14_400, 86_400];

/**
 * Registers on `registry` (docs/pipeline-runs.md, "Metrics"): `assay_pipeline_runs_total`,
 * `assay_pipeline_run_duration_seconds`, `assay_pipeline_jobs_total`, `assay_pipeline_job_duration_seconds`,
 * `assay_pipeline_job_retries_total`, `assay_pipeline_job_rows_written_total`, and the gauges
 * `assay_pipeline_runs_active` and `assay_pipeline_jobs_running`, read from the database on every scrape.
 * Labels name workspaces, pipelines, operators, triggers and statuses only: never runs.
 */
export function createRunMetrics(registry: Registry, db: Knex, logger: Logger): RunMetrics {
  const runs = new Counter({
    name: 'assay_pipeline_runs_total',
    help: 'Pipeline runs finished, by trigger and final status (counted by the process that finished them)',
    labelNames: ['workspace', 'pipeline', 'trigger', 'status'] as const,
    registers: [registry],
  });
  const runDuration = new Histogram({
    name: 'assay_pipeline_run_duration_seconds',
    help: 'Time from a run’s start (its creation, if no job started) to its end, by final status',
    labelNames: ['workspace', 'pipeline', 'status'] as const,
    buckets: RUN_BUCKETS,
    registers: [registry],
  });
  const jobs = new Counter({
    name: 'assay_pipeline_jobs_total',
    help: 'Job runs finished: succeeded, failed, cancelled, skipped or upstream_failed',
    labelNames: ['workspace', 'pipeline', 'operator', 'status'] as const,
    registers: [registry],
  });
  const jobDuration = new Histogram({
    name: 'assay_pipeline_job_duration_seconds',
    help: 'Time from a job run’s first attempt to its end, retries included; job runs that never started are not timed',
    labelNames: ['workspace', 'pipeline', 'operator', 'status'] as const,
    buckets: JOB_BUCKETS,
    registers: [registry],
  });
  const retries = new Counter({
    name: 'assay_pipeline_job_retries_total',
    help: 'Attempts beyond the first of finished job runs (failures retried, workers lost), counted at the finish',
    labelNames: ['workspace', 'pipeline', 'operator'] as const,
    registers: [registry],
  });
  const rowsWritten = new Counter({
    name: 'assay_pipeline_job_rows_written_total',
    help: 'Rows finished job runs wrote to their outputs',
    labelNames: ['workspace', 'pipeline', 'operator'] as const,
    registers: [registry],
  });
  databaseGauge(registry, logger, {
    name: 'assay_pipeline_runs_active',
    help: 'Runs queued, running or cancelling, in the whole database',
    read: () =>
      db('core_pipeline_runs')
        .whereIn('status', ACTIVE_RUN_STATUSES)
        .groupBy('workspace')
        .select('workspace', db.raw('count(*)::int as count')),
  });
  databaseGauge(registry, logger, {
    name: 'assay_pipeline_jobs_running',
    help: 'Job runs a worker is running now, in the whole database',
    read: () =>
      db('core_job_runs')
        .where('status', 'running')
        .groupBy('workspace')
        .select('workspace', db.raw('count(*)::int as count')),
  });

  const seconds = (from: Date | null, to: Date | null) =>
    from === null || to === null ? undefined : Math.max(0, (to.getTime() - from.getTime()) / 1000);

  const record = (run: RunRow, finishedJobs: readonly FinishedJob[], finished: RunRow | undefined) => {
    const { workspace, pipeline_name: pipeline } = run;
    for (const job of finishedJobs) {
      const labels = { workspace, pipeline, operator: job.operator };
      jobs.inc({ ...labels, status: job.status });
      const took = seconds(job.started_at, job.finished_at);
      if (took !== undefined) jobDuration.observe({ ...labels, status: job.status }, took);
      if (job.attempt > 1) retries.inc(labels, job.attempt - 1);
      const rows = Number(job.rows_written);
      if (rows > 0) rowsWritten.inc(labels, rows);
    }
    if (finished !== undefined) {
      runs.inc({ workspace, pipeline, trigger: finished.trigger, status: finished.status });
      const took = seconds(finished.started_at ?? finished.created_at, finished.finished_at);
      if (took !== undefined) runDuration.observe({ workspace, pipeline, status: finished.status }, took);
    }
  };

  return {
    async watch(_trx, run) {
      let finishedJobs: FinishedJob[] = [];
      return {
        async seal(sealTrx) {
          // Every transition to a final state stamps finished_at with now(), the transaction's start time: the
          // job runs this transaction finished are exactly those, with no read of the run's open jobs before.
          finishedJobs = (await sealTrx('core_job_runs')
            .where({ run_id: run.id })
            .whereRaw('finished_at = now()')
            .whereIn('status', FINISHED_JOB_STATUSES)
            .select('operator', 'status', 'attempt', 'started_at', 'finished_at', 'rows_written')) as FinishedJob[];
        },
        record(finished) {
          try {
            record(run, finishedJobs, finished);
          } catch (error) {
            // Counting must never undo or fail a step that committed.
            logger.warn({ err: error, runId: run.id }, 'pipeline run metrics could not be recorded');
          }
        },
      };
    },
  };
}

/**
 * A gauge by workspace, read from the database on every scrape (`read`: a count per workspace). A workspace seen
 * before and now without rows reads 0 rather than disappearing.
 */
function databaseGauge(
  registry: Registry,
  logger: Logger,
  options: { name: string; help: string; read: () => PromiseLike<Array<{ workspace: string; count: number }>> },
): void {
  const seen = new Set<string>();
  new Gauge({
    name: options.name,
    help: options.help,
    labelNames: ['workspace'] as const,
    registers: [registry],
    async collect() {
      let rows: Array<{ workspace: string; count: number }>;
      try {
        rows = await options.read();
      } catch (error) {
        // As for assay_queue_depth: a failed scrape would hide every other metric when the database struggles.
        this.reset();
        seen.clear();
        logger.warn({ err: error }, `${options.name} could not be read for /metrics; the gauge is left empty`);
        return;
      }
      for (const workspace of seen) this.set({ workspace }, 0);
      for (const { workspace, count } of rows) {
        seen.add(workspace);
        this.set({ workspace }, count);
      }
    },
  });
}

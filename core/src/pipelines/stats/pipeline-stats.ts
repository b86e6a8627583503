import type { Knex } from 'knex';
import type { RunStatus } from '../runs/run-records.ts';
import type { PipelineStore } from '../store/pipeline-store.ts';
import { inDocumentOrder, jobFigures, type JobStats, type WindowParams } from './job-stats.ts';

/** Milliseconds at the given percentiles (PostgreSQL `percentile_cont`: interpolated), rounded to whole ms. */
export interface RunDurations {
  readonly p50: number;
  readonly p90: number;
  readonly p95: number;
  readonly max: number;
}

/** A pipeline's run statistics over the last `days` days (runs created since `since`). */
export interface PipelineStatsRecord {
  readonly pipeline: string;
  readonly days: number;
  readonly since: string;
  readonly runs: {
    readonly total: number;
    readonly byStatus: Record<RunStatus, number>;
    /** Runs that succeeded, failed or were cancelled. */
    readonly finished: number;
    /** succeeded / finished; null without finished runs. */
    readonly successRate: number | null;
    /** Over finished runs, from the run's start (its creation if no job started) to its end. */
    readonly durationMs: RunDurations | null;
    /** Mean time between the ends of consecutive failed runs; null with fewer than two. */
    readonly meanTimeBetweenFailuresMs: number | null;
  };
  /** The newest run, whenever it was (not limited to the window). */
  readonly lastRun: { readonly id: string; readonly status: RunStatus; readonly finishedAt: string | null } | null;
  /** The newest run that succeeded, whenever it was. */
  readonly lastSuccess: { readonly id: string; readonly finishedAt: string } | null;
  /** The current version's jobs in document order, then jobs that ran in the window but are no longer in it. */
  readonly jobs: JobStats[];
}

/** Run statistics of pipelines, computed in PostgreSQL over `core_pipeline_runs` and `core_job_runs`. */
export interface PipelineStats {
  /** 404 `PIPELINE_NOT_FOUND` for a pipeline the workspace does not have. */
  of(workspace: string, name: string, days: number): Promise<PipelineStatsRecord>;
}

/** Whole milliseconds. */
const ms = (value: number | null | undefined) => Math.round(value ?? 0);

/** Runs in the window with their duration in milliseconds (null while active). */
const WINDOW_RUNS = `
  select status, finished_at,
         (extract(epoch from finished_at - coalesce(started_at, created_at)) * 1000)::float8 as duration
    from core_pipeline_runs
   where pipeline_id = :pipelineId and created_at >= :since`;

/** Builds the statistics service. */
export function createPipelineStats(options: { db: Knex; pipelines: Pick<PipelineStore, 'get'> }): PipelineStats {
  const { db } = options;
  return {
    async of(workspace, name, days) {
      const { pipeline, current } = await options.pipelines.get(workspace, name);
      // One snapshot: the run figures, the job figures and the last runs agree with each other.
      return db.transaction(
        async (trx) => {
          const [{ since }] = (await trx.raw(`select now() - make_interval(days => ?) as since`, [days])).rows as [
            { since: Date },
          ];
          const params = { pipelineId: pipeline.id, since };
          const runs = await runFigures(trx, params);
          const jobs = await jobFigures(trx, params);
          const last = (await trx('core_pipeline_runs')
            .where({ pipeline_id: pipeline.id })
            .orderBy('sequence', 'desc')
            .first('id', 'status', 'finished_at')) as
            { id: string; status: RunStatus; finished_at: Date | null } | undefined;
          const success = (await trx('core_pipeline_runs')
            .where({ pipeline_id: pipeline.id, status: 'succeeded' })
            .orderBy('sequence', 'desc')
            .first('id', 'finished_at')) as { id: string; finished_at: Date } | undefined;
          return {
            pipeline: pipeline.name,
            days,
            since: since.toISOString(),
            runs,
            lastRun:
              last === undefined
                ? null
                : { id: last.id, status: last.status, finishedAt: last.finished_at?.toISOString() ?? null },
            lastSuccess:
              success === undefined ? null : { id: success.id, finishedAt: success.finished_at.toISOString() },
            jobs: inDocumentOrder(jobs, current.document.spec.jobs),
          };
        },
        { isolationLevel: 'repeatable read', readOnly: true },
      );
    },
  };
}

type RunFiguresRow = Record<RunStatus | 'total', number> & {
  percentiles: number[] | null;
  max: number | null;
  mtbf: number | null;
};

async function runFigures(trx: Knex.Transaction, params: WindowParams): Promise<PipelineStatsRecord['runs']> {
  const { rows } = (await trx.raw(
    `with w as (${WINDOW_RUNS})
     select count(*)::int as total,
            count(*) filter (where status = 'queued')::int as queued,
            count(*) filter (where status = 'running')::int as running,
            count(*) filter (where status = 'cancelling')::int as cancelling,
            count(*) filter (where status = 'succeeded')::int as succeeded,
            count(*) filter (where status = 'failed')::int as failed,
            count(*) filter (where status = 'cancelled')::int as cancelled,
            percentile_cont(array[0.5, 0.9, 0.95]) within group (order by duration)
              filter (where status in ('succeeded', 'failed', 'cancelled')) as percentiles,
            max(duration) filter (where status in ('succeeded', 'failed', 'cancelled')) as max,
            (select avg(gap) from (
               select (extract(epoch from finished_at - lag(finished_at) over (order by finished_at)) * 1000)::float8 as gap
                 from w where status = 'failed') gaps) as mtbf
       from w`,
    params,
  )) as { rows: [RunFiguresRow] };
  const [row] = rows;
  const finished = row.succeeded + row.failed + row.cancelled;
  const [p50, p90, p95] = row.percentiles ?? [];
  return {
    total: row.total,
    byStatus: {
      queued: row.queued,
      running: row.running,
      cancelling: row.cancelling,
      succeeded: row.succeeded,
      failed: row.failed,
      cancelled: row.cancelled,
    },
    finished,
    successRate: finished === 0 ? null : row.succeeded / finished,
    durationMs: finished === 0 ? null : { p50: ms(p50), p90: ms(p90), p95: ms(p95), max: ms(row.max) },
    meanTimeBetweenFailuresMs: row.mtbf === null ? null : ms(row.mtbf),
  };
}

import type { Knex } from 'knex';
import type { JobSpec } from '../document/pipeline-document.ts';

/** The window of runs statistics cover: the runs of one pipeline created since `since`. */
// A type, not an interface: knex's types take named bindings only as an object type with an index signature.
export type WindowParams = { readonly pipelineId: string; readonly since: Date };

/** How one job of the pipeline did over the window. */
export interface JobStats {
  readonly jobId: string;
  /** The operator of its newest job run, else the current version's. */
  readonly operator: string;
  /** Job runs that finished, whatever the status. */
  readonly runs: number;
  readonly succeeded: number;
  readonly failures: number;
  /** Job runs that never ran because an upstream job did not succeed; not failures of this job. */
  readonly upstreamFailed: number;
  readonly cancelled: number;
  readonly skipped: number;
  /** succeeded / (succeeded + failures); null when it neither succeeded nor failed. */
  readonly successRate: number | null;
  /** From the first attempt's start to the end, over job runs that succeeded or failed. */
  readonly durationMs: { readonly p50: number; readonly p95: number } | null;
  /** Over the job runs that succeeded. */
  readonly meanRowsWritten: number | null;
  readonly lastErrorCode: string | null;
}

/** Whole milliseconds. */
const ms = (value: number | undefined) => Math.round(value ?? 0);

/** Per job, over the job runs of the window's runs; only jobs that have job runs there. */
export async function jobFigures(trx: Knex.Transaction, params: WindowParams): Promise<JobStats[]> {
  const { rows } = (await trx.raw(
    `select j.job_id,
            (array_agg(j.operator order by r.sequence desc))[1] as operator,
            count(*) filter (where j.status in ('succeeded', 'failed', 'upstream_failed', 'cancelled', 'skipped'))::int
              as runs,
            count(*) filter (where j.status = 'succeeded')::int as succeeded,
            count(*) filter (where j.status = 'failed')::int as failures,
            count(*) filter (where j.status = 'upstream_failed')::int as upstream_failed,
            count(*) filter (where j.status = 'cancelled')::int as cancelled,
            count(*) filter (where j.status = 'skipped')::int as skipped,
            percentile_cont(array[0.5, 0.95]) within group (
              order by (extract(epoch from j.finished_at - j.started_at) * 1000)::float8
            ) filter (where j.status in ('succeeded', 'failed') and j.started_at is not null) as percentiles,
            (avg(j.rows_written) filter (where j.status = 'succeeded'))::float8 as mean_rows_written,
            (array_agg(j.error_code order by j.finished_at desc nulls last) filter (where j.status = 'failed'))[1]
              as last_error_code
       from core_job_runs j
       join core_pipeline_runs r on r.id = j.run_id
      where r.pipeline_id = :pipelineId and r.created_at >= :since
      group by j.job_id`,
    params,
  )) as {
    rows: Array<{
      job_id: string;
      operator: string;
      runs: number;
      succeeded: number;
      failures: number;
      upstream_failed: number;
      cancelled: number;
      skipped: number;
      percentiles: number[] | null;
      mean_rows_written: number | null;
      last_error_code: string | null;
    }>;
  };
  return rows.map((row) => ({
    jobId: row.job_id,
    operator: row.operator,
    runs: row.runs,
    succeeded: row.succeeded,
    failures: row.failures,
    upstreamFailed: row.upstream_failed,
    cancelled: row.cancelled,
    skipped: row.skipped,
    successRate: row.succeeded + row.failures === 0 ? null : row.succeeded / (row.succeeded + row.failures),
    durationMs: row.percentiles === null ? null : { p50: ms(row.percentiles[0]), p95: ms(row.percentiles[1]) },
    meanRowsWritten: row.mean_rows_written,
    lastErrorCode: row.last_error_code,
  }));
}

function idleJob(jobId: string, operator: string): JobStats {
  return {
    jobId,
    operator,
    runs: 0,
    succeeded: 0,
    failures: 0,
    upstreamFailed: 0,
    cancelled: 0,
    skipped: 0,
    successRate: null,
    durationMs: null,
    meanRowsWritten: null,
    lastErrorCode: null,
  };
}

/**
 * The figures of `jobs`, with a job of the current version that has none as zeros: the current version's jobs in
 * document order, then jobs that ran in the window but are no longer in it, by id.
 */
export function inDocumentOrder(
  jobs: readonly JobStats[],
  current: readonly Pick<JobSpec, 'id' | 'operator'>[],
): JobStats[] {
  const known = new Set(jobs.map((job) => job.jobId));
  const order = new Map(current.map((job, index) => [job.id, index]));
  const idle = current.filter((job) => !known.has(job.id)).map((job) => idleJob(job.id, job.operator));
  const place = (job: JobStats) => order.get(job.jobId) ?? Number.MAX_SAFE_INTEGER;
  return [...jobs, ...idle].sort((a, b) => place(a) - place(b) || a.jobId.localeCompare(b.jobId));
}

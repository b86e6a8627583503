import { InputError, NotFoundError } from '@assay/sdk';
import type { Knex } from 'knex';
import { isUuid } from '../../database/uuid.ts';
import { decodeLogCursor, decodeRunCursor, encodeLogCursor, encodeRunCursor } from './run-cursor.ts';
import {
  jobRunOf,
  runOf,
  type JobLogLine,
  type JobRunRecord,
  type JobRunRow,
  type JobRunStatus,
  type RunRecord,
  type RunRow,
  type RunStatus,
  type RunWithJobs,
} from './run-records.ts';

/** Filters and page of {@link RunStore.list}. */
export interface RunListQuery {
  readonly pipeline?: string | undefined;
  readonly status?: RunStatus | undefined;
  readonly limit: number;
  readonly cursor?: string | undefined;
}

/** Reads of runs, job runs and their logs. */
export interface RunStore {
  /** 404 `RUN_NOT_FOUND` unless the run exists in the workspace. */
  row(workspace: string, id: string): Promise<RunRow>;
  get(workspace: string, id: string): Promise<RunWithJobs>;
  jobs(runId: string): Promise<JobRunRecord[]>;
  /** Newest first. */
  list(workspace: string, query: RunListQuery): Promise<{ items: RunRecord[]; nextCursor: string | null }>;
  /**
   * 404 `JOB_RUN_NOT_FOUND` unless the run has that job (and partition: a job a backfill splits needs one, 400
   * `PARTITION_REQUIRED` without).
   */
  jobRun(workspace: string, runId: string, jobId: string, partition?: string): Promise<JobRunRecord>;
  /** Oldest first, after the cursor; `attempt` narrows to one attempt. */
  logs(
    workspace: string,
    runId: string,
    jobId: string,
    page: LogPage,
  ): Promise<{ items: JobLogLine[]; nextCursor: string | null }>;
  /** The id after which the run's last `lines` log lines start (0 when it has no more than that). */
  logIdBefore(runId: string, lines: number): Promise<number>;
  /** Log lines of every job of the run with an id above `afterId`, oldest first, with their job and partition. */
  logsAfter(
    runId: string,
    afterId: number,
    limit: number,
  ): Promise<Array<JobLogLine & { jobId: string; partition: string | null }>>;
}

/** A page of one job run's log. */
export interface LogPage {
  readonly limit: number;
  readonly cursor?: string | undefined;
  readonly attempt?: number | undefined;
  /** The partition, for a job a backfill splits. */
  readonly partition?: string | undefined;
}

interface LogRow {
  id: string;
  job_run_id: string;
  attempt: number;
  at: Date;
  level: string;
  message: string;
  fields: Record<string, unknown> | null;
}

/** The run store over `db`. */
export function createRunStore(db: Knex): RunStore {
  const row = async (workspace: string, id: string): Promise<RunRow> => {
    const found = isUuid(id) ? await db<RunRow>('core_pipeline_runs').where({ workspace, id }).first() : undefined;
    if (found === undefined) {
      throw new NotFoundError(`Run "${id}" does not exist in workspace "${workspace}"`, {
        code: 'RUN_NOT_FOUND',
        details: { run: id },
      });
    }
    return found;
  };
  const jobRows = (runId: string) =>
    db<JobRunRow>('core_job_runs').where({ run_id: runId }).orderBy(['position', 'partition_key']);
  const jobRun = async (workspace: string, runId: string, jobId: string, partition?: string): Promise<JobRunRow> => {
    await row(workspace, runId);
    const query = db<JobRunRow>('core_job_runs').where({ run_id: runId, job_id: jobId });
    if (partition !== undefined) query.andWhere({ partition_key: partition });
    const found = await query.first();
    if (found === undefined) {
      const which = partition === undefined ? `job "${jobId}"` : `job "${jobId}" for partition ${partition}`;
      throw new NotFoundError(`Run "${runId}" has no ${which}`, {
        code: 'JOB_RUN_NOT_FOUND',
        details: { run: runId, job: jobId, ...(partition === undefined ? {} : { partition }) },
      });
    }
    if (partition === undefined && found.partition_key !== null) {
      throw new InputError(`Job "${jobId}" of run ${runId} runs by partition: name the partition`, {
        code: 'PARTITION_REQUIRED',
        details: { run: runId, job: jobId },
      });
    }
    return found;
  };

  return {
    row,
    async get(workspace, id) {
      const run = await row(workspace, id);
      const jobs = (await jobRows(run.id)).map(jobRunOf);
      return { ...runOf(run, countByStatus(jobs.map((job) => job.status))), jobs };
    },
    jobs: async (runId) => (await jobRows(runId)).map(jobRunOf),
    async list(workspace, query) {
      const after = query.cursor === undefined ? undefined : decodeRunCursor(query.cursor);
      const builder = db<RunRow>('core_pipeline_runs')
        .where({ workspace })
        .orderBy([
          { column: 'created_at', order: 'desc' },
          { column: 'id', order: 'desc' },
        ])
        .limit(query.limit + 1);
      if (query.pipeline !== undefined) builder.andWhere({ pipeline_name: query.pipeline });
      if (query.status !== undefined) builder.andWhere({ status: query.status });
      if (after !== undefined) {
        builder.andWhereRaw('(created_at, id) < (?::timestamptz, ?::uuid)', [after.createdAt, after.id]);
      }
      const rows = await builder;
      const page = rows.slice(0, query.limit);
      const counts = await jobCounts(
        db,
        page.map((run) => run.id),
      );
      const items = page.map((run) => runOf(run, counts.get(run.id) ?? {}));
      const last = items.at(-1);
      return {
        items,
        nextCursor:
          rows.length > query.limit && last !== undefined
            ? encodeRunCursor({ createdAt: last.createdAt, id: last.id })
            : null,
      };
    },
    jobRun: async (workspace, runId, jobId, partition) => jobRunOf(await jobRun(workspace, runId, jobId, partition)),
    async logs(workspace, runId, jobId, page) {
      const job = await jobRun(workspace, runId, jobId, page.partition);
      const after = page.cursor === undefined ? 0 : decodeLogCursor(page.cursor);
      const builder = db<LogRow>('core_job_run_logs')
        .where({ job_run_id: job.id })
        .andWhere('id', '>', after)
        .orderBy('id')
        .limit(page.limit + 1);
      if (page.attempt !== undefined) builder.andWhere({ attempt: page.attempt });
      const rows = await builder;
      const items = rows.slice(0, page.limit).map(logLineOf);
      const last = items.at(-1);
      return { items, nextCursor: rows.length > page.limit && last !== undefined ? encodeLogCursor(last.id) : null };
    },
    async logIdBefore(runId, lines) {
      const row = (await db('core_job_run_logs as l')
        .join('core_job_runs as j', 'j.id', 'l.job_run_id')
        .where('j.run_id', runId)
        .orderBy('l.id', 'desc')
        .offset(lines)
        .first('l.id')) as { id: string } | undefined;
      return row === undefined ? 0 : Number(row.id);
    },
    async logsAfter(runId, afterId, limit) {
      const rows = (await db('core_job_run_logs as l')
        .join('core_job_runs as j', 'j.id', 'l.job_run_id')
        .where('j.run_id', runId)
        .andWhere('l.id', '>', afterId)
        .orderBy('l.id')
        .limit(limit)
        .select('l.*', 'j.job_id', 'j.partition_key')) as Array<
        LogRow & { job_id: string; partition_key: string | null }
      >;
      return rows.map((log) => ({ ...logLineOf(log), jobId: log.job_id, partition: log.partition_key }));
    },
  };
}

/** Job runs by status for each of the runs. */
async function jobCounts(
  db: Knex,
  runIds: readonly string[],
): Promise<Map<string, Partial<Record<JobRunStatus, number>>>> {
  const counts = new Map<string, Partial<Record<JobRunStatus, number>>>();
  if (runIds.length === 0) return counts;
  const rows = (await db('core_job_runs')
    .whereIn('run_id', runIds)
    .groupBy('run_id', 'status')
    .select('run_id', 'status', db.raw('count(*)::int as count'))) as Array<{
    run_id: string;
    status: JobRunStatus;
    count: number;
  }>;
  for (const { run_id: runId, status, count } of rows) counts.set(runId, { ...counts.get(runId), [status]: count });
  return counts;
}

function countByStatus(statuses: readonly JobRunStatus[]): Partial<Record<JobRunStatus, number>> {
  const counts: Partial<Record<JobRunStatus, number>> = {};
  for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

function logLineOf(row: LogRow): JobLogLine {
  return {
    id: Number(row.id),
    attempt: row.attempt,
    at: row.at.toISOString(),
    level: row.level,
    message: row.message,
    fields: row.fields,
  };
}

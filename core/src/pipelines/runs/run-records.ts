/** Where a run is: `cancelling` while running jobs stop after a cancel. */
export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelling' | 'cancelled';
/** The statuses a run ends in. */
export const FINISHED_RUN_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled'];
/** The statuses of a run that is still going. */
export const ACTIVE_RUN_STATUSES: readonly RunStatus[] = ['queued', 'running', 'cancelling'];

/** What started a run. */
export type RunTrigger = 'manual' | 'api' | 'schedule' | 'pipeline' | 'files' | 'backfill' | 'reprocess';
export const RUN_TRIGGERS: readonly RunTrigger[] = [
  'manual',
  'api',
  'schedule',
  'pipeline',
  'files',
  'backfill',
  'reprocess',
];

/**
 * Where a job run is. `pending`: waiting for its upstream jobs; `queued`: sent to a worker; `retrying`: failed
 * with attempts left, sent again after a delay; `upstream_failed`: never ran because a job it needs failed.
 */
export type JobRunStatus =
  'pending' | 'queued' | 'running' | 'retrying' | 'succeeded' | 'failed' | 'skipped' | 'upstream_failed' | 'cancelled';
/** Job runs a worker holds or is about to: what the concurrency limits count. */
export const IN_FLIGHT_JOB_STATUSES: readonly JobRunStatus[] = ['queued', 'running', 'retrying'];
/** Job runs that will not change any more. */
export const FINISHED_JOB_STATUSES: readonly JobRunStatus[] = [
  'succeeded',
  'failed',
  'skipped',
  'upstream_failed',
  'cancelled',
];
/** Job runs a resume repeats. */
export const RESUMABLE_JOB_STATUSES: readonly JobRunStatus[] = ['failed', 'upstream_failed', 'cancelled', 'pending'];

/** A subset of a pipeline's jobs: one job alone, or with everything downstream or upstream of it. */
export interface RunSelection {
  readonly job: string;
  readonly direction: 'only' | 'downstream' | 'upstream';
}

/**
 * What a run covers when not the whole pipeline, as stored in `selection`: a {@link RunSelection}, or the task keys a
 * resume repeats.
 */
export type StoredSelection = RunSelection | { readonly resumeOf: string; readonly jobs: string[] };

/** What a backfill run covers: its days and how many partition job runs it has. */
export interface RunBackfill {
  /** `YYYY-MM-DD`, inclusive. */
  readonly from: string;
  /** `YYYY-MM-DD`, inclusive. */
  readonly to: string;
  /** Partition job runs of the run. */
  readonly partitions: number;
}

/**
 * A job run's key within its run: the job id, or `job[partition]` for one partition of a backfill. `upstream`
 * lists these.
 */
export function taskKey(jobId: string, partitionKey: string | null | undefined): string {
  return partitionKey === null || partitionKey === undefined ? jobId : `${jobId}[${partitionKey}]`;
}

/** A stable code and a message; `job` names the job whose failure failed the run. */
export interface RunErrorInfo {
  readonly code: string;
  readonly message: string;
  readonly job?: string;
}

/** One pipeline run. */
export interface RunRecord {
  readonly id: string;
  readonly workspace: string;
  readonly pipeline: string;
  readonly pipelineId: string;
  /** The pipeline version the run executes. */
  readonly version: number;
  /** The run's number within its pipeline: 1, 2, … (the Delta txn version its jobs commit with). */
  readonly sequence: number;
  readonly status: RunStatus;
  readonly trigger: RunTrigger;
  readonly triggerDetails: Record<string, unknown> | null;
  /** The idempotency key the trigger started the run with. */
  readonly triggerKey: string | null;
  readonly actor: string | null;
  readonly selection: StoredSelection | null;
  /** The run this one resumes. */
  readonly resumedFrom: string | null;
  /** What a backfill covers; null for other runs. */
  readonly backfill: RunBackfill | null;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly durationMs: number | null;
  readonly error: RunErrorInfo | null;
  /** Job runs by status. */
  readonly jobCounts: Partial<Record<JobRunStatus, number>>;
}

/** One job of a run. */
export interface JobRunRecord {
  readonly id: string;
  readonly runId: string;
  readonly jobId: string;
  /** The partition this job run computes in a backfill (`2026-03-01`, `2026-03`); null for a whole job. */
  readonly partition: string | null;
  readonly operator: string;
  readonly operatorVersion: number | null;
  readonly status: JobRunStatus;
  /** Attempts started so far; 0 before the first. */
  readonly attempt: number;
  /** The job runs of the run this one waits for, by task key (`job`, or `job[partition]` in a backfill). */
  readonly upstream: string[];
  readonly queuedAt: string | null;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly durationMs: number | null;
  /** When a `retrying` job starts again. */
  readonly nextAttemptAt: string | null;
  readonly rowsRead: number;
  readonly rowsWritten: number;
  readonly rowsUpdated: number;
  readonly rowsDeleted: number;
  readonly rowsQuarantined: number;
  /** The output's Delta version after the job. */
  readonly deltaVersion: number | null;
  /** True when an earlier attempt had already committed the job's write (nothing written twice). */
  readonly commitSkipped: boolean | null;
  readonly inputVersions: Record<string, number> | null;
  readonly metrics: Record<string, number> | null;
  readonly progress: { readonly done: number; readonly total: number | null } | null;
  readonly error: { readonly code: string; readonly message: string; readonly errorClass: string | null } | null;
  /** The last log lines of the last attempt. */
  readonly logExcerpt: string | null;
}

/** A run with its job runs in topological order. */
export interface RunWithJobs extends RunRecord {
  readonly jobs: JobRunRecord[];
}

/** One stored log line of a job run. */
export interface JobLogLine {
  /** Increasing; pass the last one as `after` to page on. */
  readonly id: number;
  readonly attempt: number;
  readonly at: string;
  readonly level: string;
  readonly message: string;
  readonly fields: Record<string, unknown> | null;
}

/** A `core_pipeline_runs` row. */
export interface RunRow {
  id: string;
  workspace: string;
  pipeline_id: string;
  pipeline_name: string;
  pipeline_version: number;
  sequence: string;
  status: RunStatus;
  trigger: RunTrigger;
  trigger_details: Record<string, unknown> | null;
  /** Added by migration 012 (triggers): what fired a triggered run, unique per pipeline. */
  trigger_key: string | null;
  actor: string | null;
  selection: StoredSelection | null;
  resumed_from: string | null;
  /** Added by migration 013 (backfills). */
  backfill: RunBackfill | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  event_published_at: Date | null;
  error_code: string | null;
  error_message: string | null;
  error_job: string | null;
}

/** A `core_job_runs` row. */
export interface JobRunRow {
  id: string;
  run_id: string;
  workspace: string;
  pipeline_id: string;
  job_id: string;
  /** Added by migration 013 (backfills). */
  partition_key: string | null;
  position: number;
  upstream: string[];
  operator: string;
  operator_version: number | null;
  status: JobRunStatus;
  attempt: number;
  claim: string | null;
  heartbeat_at: Date | null;
  queued_at: Date | null;
  dispatched_at: Date | null;
  started_at: Date | null;
  finished_at: Date | null;
  next_attempt_at: Date | null;
  rows_read: string;
  rows_written: string;
  rows_updated: string;
  rows_deleted: string;
  rows_quarantined: string;
  delta_version: string | null;
  commit_skipped: boolean | null;
  input_versions: Record<string, number> | null;
  metrics: Record<string, number> | null;
  progress_done: number | null;
  progress_total: number | null;
  error_code: string | null;
  error_message: string | null;
  error_class: string | null;
  log_excerpt: string | null;
  updated_at: Date;
}

/** The API form of a run row; `jobCounts` from its job runs. */
export function runOf(row: RunRow, jobCounts: Partial<Record<JobRunStatus, number>> = {}): RunRecord {
  return {
    id: row.id,
    workspace: row.workspace,
    pipeline: row.pipeline_name,
    pipelineId: row.pipeline_id,
    version: row.pipeline_version,
    sequence: Number(row.sequence),
    status: row.status,
    trigger: row.trigger,
    triggerDetails: row.trigger_details,
    triggerKey: row.trigger_key,
    actor: row.actor,
    selection: row.selection,
    resumedFrom: row.resumed_from,
    backfill: row.backfill,
    createdAt: row.created_at.toISOString(),
    startedAt: row.started_at?.toISOString() ?? null,
    finishedAt: row.finished_at?.toISOString() ?? null,
    durationMs: elapsed(row.started_at ?? row.created_at, row.finished_at),
    error:
      row.error_code === null
        ? null
        : {
            code: row.error_code,
            message: row.error_message ?? '',
            ...(row.error_job === null ? {} : { job: row.error_job }),
          },
    jobCounts,
  };
}

/** The API form of a job run row. */
export function jobRunOf(row: JobRunRow): JobRunRecord {
  return {
    id: row.id,
    runId: row.run_id,
    jobId: row.job_id,
    partition: row.partition_key,
    operator: row.operator,
    operatorVersion: row.operator_version,
    status: row.status,
    attempt: row.attempt,
    upstream: row.upstream,
    queuedAt: row.queued_at?.toISOString() ?? null,
    startedAt: row.started_at?.toISOString() ?? null,
    finishedAt: row.finished_at?.toISOString() ?? null,
    durationMs: row.started_at === null ? null : elapsed(row.started_at, row.finished_at),
    nextAttemptAt: row.status === 'retrying' ? (row.next_attempt_at?.toISOString() ?? null) : null,
    rowsRead: Number(row.rows_read),
    rowsWritten: Number(row.rows_written),
    rowsUpdated: Number(row.rows_updated),
    rowsDeleted: Number(row.rows_deleted),
    rowsQuarantined: Number(row.rows_quarantined),
    deltaVersion: row.delta_version === null ? null : Number(row.delta_version),
    commitSkipped: row.commit_skipped,
    inputVersions: row.input_versions,
    metrics: row.metrics,
    progress: row.progress_done === null ? null : { done: row.progress_done, total: row.progress_total },
    error:
      row.error_code === null
        ? null
        : { code: row.error_code, message: row.error_message ?? '', errorClass: row.error_class },
    logExcerpt: row.log_excerpt,
  };
}

function elapsed(from: Date, to: Date | null): number | null {
  return to === null ? null : to.getTime() - from.getTime();
}

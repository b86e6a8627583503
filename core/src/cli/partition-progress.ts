import { FINISHED_JOB_STATUSES, type JobRunRecord, type JobRunStatus } from '../pipelines/runs/run-records.ts';

/** The partition runs of one job of a backfill, counted: what the CLI shows instead of a line per partition. */
export interface PartitionSummary {
  readonly jobId: string;
  /** `day` or `month`, from the keys (`2026-03-01`, `2026-03`). */
  readonly grain: 'day' | 'month';
  readonly total: number;
  /** Partitions that ended, whatever their outcome. */
  readonly finished: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly cancelled: number;
  readonly running: number;
  readonly retrying: number;
  readonly rowsWritten: number;
  /** The job's status as one: running while any partition runs or some wait after others ended. */
  readonly status: JobRunStatus;
  /** From the first partition's start to the last one's end (to `now` while any is unfinished). */
  readonly durationMs: number | null;
}

/** Counts the partition runs of one job (`runs` all share the job id). */
export function summarizePartitions(runs: readonly JobRunRecord[], now: number = Date.now()): PartitionSummary {
  const count = (...statuses: JobRunStatus[]) => runs.filter((run) => statuses.includes(run.status)).length;
  const finished = runs.filter((run) => FINISHED_JOB_STATUSES.includes(run.status)).length;
  const running = count('running');
  const retrying = count('retrying');
  const waiting = count('pending', 'queued');
  const failed = count('failed');
  const cancelled = count('cancelled');
  const succeeded = count('succeeded');
  const status: JobRunStatus =
    running > 0 || (waiting > 0 && finished > 0)
      ? 'running'
      : retrying > 0
        ? 'retrying'
        : waiting > 0
          ? count('queued') > 0
            ? 'queued'
            : 'pending'
          : failed > 0
            ? 'failed'
            : cancelled > 0
              ? 'cancelled'
              : count('upstream_failed') > 0
                ? 'upstream_failed'
                : succeeded > 0
                  ? 'succeeded'
                  : 'skipped';
  const starts = runs.flatMap((run) => (run.startedAt === null ? [] : [Date.parse(run.startedAt)]));
  const ends = runs.flatMap((run) => (run.finishedAt === null ? [] : [Date.parse(run.finishedAt)]));
  const end = finished === runs.length && ends.length > 0 ? Math.max(...ends) : now;
  return {
    jobId: runs[0]?.jobId ?? '',
    grain: (runs[0]?.partition?.length ?? 10) <= 7 ? 'month' : 'day',
    total: runs.length,
    finished,
    succeeded,
    failed,
    cancelled,
    running,
    retrying,
    rowsWritten: runs.reduce((sum, run) => sum + run.rowsWritten, 0),
    status,
    durationMs: starts.length === 0 ? null : Math.max(0, end - Math.min(...starts)),
  };
}

/**
 * A job's partitions in a few words: `succeeded in 4.2 s: 31/31 day partitions, 120 row(s) written`,
 * `running: 12/31 day partitions, 3 running, 1 failed`, `failed in 3.0 s: 29/31 day partitions succeeded, 2 failed`.
 */
export function describePartitions(summary: PartitionSummary): string {
  const took = summary.durationMs === null ? '' : ` in ${(summary.durationMs / 1000).toFixed(1)} s`;
  const partitions = `${summary.total} ${summary.grain} partitions`;
  switch (summary.status) {
    case 'succeeded':
      return `succeeded${took}: ${summary.succeeded}/${partitions}, ${summary.rowsWritten} row(s) written`;
    case 'running':
    case 'retrying':
      return `${summary.status}: ${partitionCounts(summary)}`;
    case 'failed':
    case 'cancelled':
      return `${summary.status}${took}: ${summary.succeeded}/${partitions} succeeded${others(summary)}`;
    default:
      return `${summary.status}: ${partitions}`;
  }
}

/** How far a job's partitions are: `12/31 day partitions, 3 running, 1 failed`. */
export function partitionCounts(summary: PartitionSummary): string {
  return `${summary.finished}/${summary.total} ${summary.grain} partitions${others(summary)}`;
}

function others(summary: PartitionSummary): string {
  const parts = [
    summary.running > 0 ? `${summary.running} running` : '',
    summary.retrying > 0 ? `${summary.retrying} retrying` : '',
    summary.failed > 0 ? `${summary.failed} failed` : '',
    summary.cancelled > 0 ? `${summary.cancelled} cancelled` : '',
  ].filter((part) => part !== '');
  return parts.length === 0 ? '' : `, ${parts.join(', ')}`;
}

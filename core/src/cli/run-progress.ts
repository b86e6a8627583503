import { taskKey, type JobRunRecord, type RunRecord, type RunWithJobs } from '../pipelines/runs/run-records.ts';
import type { RunStreamEvent } from '../pipelines/runs/run-stream.ts';
import {
  describePartitions,
  partitionCounts,
  summarizePartitions,
  type PartitionSummary,
} from './partition-progress.ts';

/** Where progress goes: a terminal gets a redrawn block with bars, anything else plain lines. */
export interface ProgressOutput {
  write(text: string): void;
  readonly isTTY: boolean;
  readonly columns?: number;
}

/** Shows a run's stream as it comes. */
export interface RunProgress {
  onEvent(event: RunStreamEvent): void;
  /**
   * Clears the live block (a terminal) and prints the outcome: the run's status as progress, and each failed or
   * cancelled job as `<job>: <CODE>: <message>` on the error output (a failed partition as `<job>[<partition>]`).
   */
  finish(run: RunWithJobs): void;
}

const BAR = 20;
const ICONS: Record<JobRunRecord['status'], string> = {
  pending: '·',
  queued: '…',
  running: '▸',
  retrying: '↻',
  succeeded: '✔',
  failed: '✖',
  skipped: '-',
  upstream_failed: '⊘',
  cancelled: '⊘',
};

/** Failed partitions of one job listed one per line on the error output; beyond that, a count. */
const FAILED_PARTITIONS_LISTED = 10;

/**
 * Renders a run for people. On a terminal, one line per job, redrawn in place (at most ten times a second), with
 * a bar for jobs that report progress; a job a backfill splits into partitions is one line too, counting its
 * partitions (`[███░░░] 12/31 day partitions, 3 running`). Warnings and errors from job logs are printed above it.
 * Otherwise one line per change (status of the run or a job, warnings, errors), fit for CI logs: a partitioned
 * job's status as one, each failed or retried partition, and its finished partitions at every tenth. Progress goes
 * to `out`; the failures of the finished run go to `errors` (stderr), as the CLI reports every error.
 */
export function createRunProgress(
  out: ProgressOutput,
  errors: Pick<ProgressOutput, 'write'>,
  now: () => number = Date.now,
): RunProgress {
  // Job runs by task key (`job`, or `job[partition]` in a backfill), in the order they came.
  const tasks = new Map<string, JobRunRecord>();
  const progress = new Map<string, { done: number; total: number | null }>();
  // Without a terminal: per partitioned job, the status last shown and the tenths of its partitions finished.
  const shown = new Map<string, { status: JobRunRecord['status']; tenths: number }>();
  const stale = new Set<string>();
  let drawn = 0;
  let timer: NodeJS.Timeout | undefined;
  let pipeline = '';

  const clear = () => {
    if (drawn > 0) out.write(`\x1b[${drawn}A\x1b[0J`);
    drawn = 0;
  };
  const draw = () => {
    timer = undefined;
    clear();
    const jobs = byJob(tasks.values());
    const width = Math.max(...[...jobs.keys()].map((id) => id.length), 4);
    const lines = [...jobs.values()].map((runs) =>
      runs[0]!.partition === null
        ? jobLine(runs[0]!, width, progress.get(runs[0]!.jobId), now())
        : partitionsLine(runs, width, now()),
    );
    for (const line of lines) out.write(`${line.slice(0, (out.columns ?? 120) - 1)}\n`);
    drawn = lines.length;
  };
  const redraw = () => {
    if (out.isTTY) timer ??= setTimeout(draw, 100);
  };
  const print = (line: string) => {
    if (out.isTTY) clear();
    out.write(`${line}\n`);
    if (out.isTTY) draw();
  };
  // A partitioned job's status is shown when it changes; each arrival of a partition makes the last one stale.
  const printPartition = (job: JobRunRecord, before: JobRunRecord | undefined) => {
    if (before === undefined) return void stale.add(job.jobId);
    if (before.status === job.status) return;
    if (job.status === 'failed' || job.status === 'retrying') {
      print(`${taskKey(job.jobId, job.partition)}: ${describeJob(job)}`);
    }
    const runs = [...tasks.values()].filter((task) => task.jobId === job.jobId);
    const summary = summarizePartitions(runs, now());
    const current = tenthsOf(summary);
    const last =
      stale.delete(job.jobId) || !shown.has(job.jobId)
        ? tenthsOf(summarizePartitions(runs.map((run) => (run === job ? before : run))))
        : shown.get(job.jobId)!;
    shown.set(job.jobId, { status: current.status, tenths: Math.max(current.tenths, last.tenths) });
    if (last.status !== current.status || (current.status === 'running' && current.tenths > last.tenths)) {
      print(`${job.jobId}: ${describePartitions(summary)}`);
    }
  };

  return {
    onEvent(event) {
      switch (event.type) {
        case 'run':
          pipeline = event.data.pipeline;
          if (!out.isTTY || event.data.status !== 'running') print(runLine(event.data));
          break;
        case 'job': {
          const key = taskKey(event.data.jobId, event.data.partition);
          const before = tasks.get(key);
          tasks.set(key, event.data);
          if (!out.isTTY && event.data.partition !== null) printPartition(event.data, before);
          else if (!out.isTTY && before !== undefined && before.status !== event.data.status) {
            print(`${event.data.jobId}: ${describeJob(event.data)}`);
          }
          redraw();
          break;
        }
        case 'progress':
          progress.set(taskKey(event.data.jobId, event.data.partition), {
            done: event.data.done,
            total: event.data.total,
          });
          redraw();
          break;
        case 'log':
          if (event.data.level === 'warn' || event.data.level === 'error' || event.data.level === 'fatal') {
            print(`${taskKey(event.data.jobId, event.data.partition)} ${event.data.level}: ${event.data.message}`);
          }
          break;
        case 'end':
          break;
      }
    },
    finish(run) {
      clearTimeout(timer);
      if (out.isTTY) {
        for (const job of run.jobs) tasks.set(taskKey(job.jobId, job.partition), job);
        draw();
        drawn = 0;
      }
      const seconds = ((run.durationMs ?? 0) / 1000).toFixed(1);
      out.write(`run ${run.id} of ${pipeline || run.pipeline} v${run.version} ${run.status} in ${seconds} s\n`);
      for (const line of failureLines(run)) errors.write(`${line}\n`);
    },
  };
}

/** A partitioned job's status and how many tenths of its partitions finished: what a change is shown for. */
function tenthsOf(summary: PartitionSummary): { status: JobRunRecord['status']; tenths: number } {
  return { status: summary.status, tenths: Math.floor((summary.finished * 10) / summary.total) };
}

/** The job runs grouped by job, in the order of each job's first run. */
function byJob(runs: Iterable<JobRunRecord>): Map<string, JobRunRecord[]> {
  const jobs = new Map<string, JobRunRecord[]>();
  for (const run of runs) jobs.set(run.jobId, [...(jobs.get(run.jobId) ?? []), run]);
  return jobs;
}

/**
 * `<job>: <CODE>: <message>` for each failed or cancelled job; for a partitioned job each failed partition as
 * `<job>[<partition>]` (the first ten, then how many more), and its cancelled partitions counted on one line.
 */
function failureLines(run: RunWithJobs): string[] {
  const lines: string[] = [];
  for (const [jobId, runs] of byJob(run.jobs)) {
    if (runs[0]!.partition === null) {
      for (const job of runs.filter((j) => j.status === 'failed' || j.status === 'cancelled')) {
        lines.push(`${jobId}: ${job.error?.code ?? job.status}: ${job.error?.message ?? ''}`);
      }
      continue;
    }
    const failed = runs.filter((job) => job.status === 'failed');
    for (const job of failed.slice(0, FAILED_PARTITIONS_LISTED)) {
      lines.push(`${taskKey(jobId, job.partition)}: ${job.error?.code ?? job.status}: ${job.error?.message ?? ''}`);
    }
    if (failed.length > FAILED_PARTITIONS_LISTED) {
      lines.push(
        `${jobId}: ${failed.length - FAILED_PARTITIONS_LISTED} more partitions failed (assay runs show ${run.id})`,
      );
    }
    const cancelled = runs.filter((job) => job.status === 'cancelled');
    if (cancelled.length > 0) {
      const code = cancelled[0]!.error?.code ?? 'cancelled';
      lines.push(`${jobId}: ${code}: ${cancelled.length} of ${runs.length} partitions cancelled`);
    }
  }
  return lines;
}

function runLine(run: RunRecord): string {
  return `run ${run.id} (${run.pipeline} v${run.version}, #${run.sequence}) ${run.status}`;
}

/** What a job did, in a few words. */
export function describeJob(job: JobRunRecord): string {
  const attempt = job.attempt > 1 ? ` (attempt ${job.attempt})` : '';
  const took = job.durationMs === null ? '' : ` in ${(job.durationMs / 1000).toFixed(1)} s`;
  switch (job.status) {
    case 'succeeded':
      return (
        `succeeded${took}${attempt}: ${job.rowsWritten} row(s) written` +
        (job.deltaVersion === null ? '' : `, version ${job.deltaVersion}`) +
        (job.commitSkipped === true ? ' (already committed)' : '')
      );
    case 'failed':
    case 'retrying':
      return `${job.status}${attempt}: ${job.error?.code ?? ''} ${job.error?.message ?? ''}`.trimEnd();
    default:
      return `${job.status}${attempt}`;
  }
}

function jobLine(
  job: JobRunRecord,
  width: number,
  progress: { done: number; total: number | null } | undefined,
  now: number,
): string {
  const name = job.jobId.padEnd(width);
  const icon = ICONS[job.status];
  if (job.status !== 'running') return `  ${icon} ${name}  ${describeJob(job)}`;
  const elapsed = job.startedAt === null ? '' : ` ${((now - Date.parse(job.startedAt)) / 1000).toFixed(1)} s`;
  if (progress === undefined || progress.total === null || progress.total <= 0) {
    return `  ${icon} ${name}  running${elapsed}${progress === undefined ? '' : ` (${progress.done})`}`;
  }
  const share = Math.min(1, Math.max(0, progress.done / progress.total));
  return `  ${icon} ${name}  ${bar(share)} ${Math.round(share * 100)}%${elapsed}`;
}

/** One line for all partitions of a job: its status as one, with a bar of finished partitions while it runs. */
function partitionsLine(runs: readonly JobRunRecord[], width: number, now: number): string {
  const summary = summarizePartitions(runs, now);
  const name = summary.jobId.padEnd(width);
  const icon = ICONS[summary.status];
  if (summary.status !== 'running' && summary.status !== 'retrying') {
    return `  ${icon} ${name}  ${describePartitions(summary)}`;
  }
  const elapsed = summary.durationMs === null ? '' : ` ${(summary.durationMs / 1000).toFixed(1)} s`;
  return `  ${icon} ${name}  ${bar(summary.finished / summary.total)} ${partitionCounts(summary)}${elapsed}`;
}

function bar(share: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, share)) * BAR);
  return `[${'█'.repeat(filled)}${'░'.repeat(BAR - filled)}]`;
}

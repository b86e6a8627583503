import type { JobRunRecord, RunRecord, RunWithJobs } from '../pipelines/runs/run-records.ts';
import type { RunStreamEvent } from '../pipelines/runs/run-stream.ts';

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
   * cancelled job as `<job>: <CODE>: <message>` on the error output.
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

/**
 * Renders a run for people. On a terminal, one line per job, redrawn in place (at most ten times a second), with
 * a bar for jobs that report progress; warnings and errors from job logs are printed above it. Otherwise one line
 * per change (status of the run or a job, warnings, errors), fit for CI logs. Progress goes to `out`; the failures
 * of the finished run go to `errors` (stderr), as the CLI reports every error.
 */
export function createRunProgress(
  out: ProgressOutput,
  errors: Pick<ProgressOutput, 'write'>,
  now: () => number = Date.now,
): RunProgress {
  const jobs = new Map<string, JobRunRecord>();
  const progress = new Map<string, { done: number; total: number | null }>();
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
    const width = Math.max(...[...jobs.keys()].map((id) => id.length), 4);
    const lines = [...jobs.values()].map((job) => jobLine(job, width, progress.get(job.jobId), now()));
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

  return {
    onEvent(event) {
      switch (event.type) {
        case 'run':
          pipeline = event.data.pipeline;
          if (!out.isTTY || event.data.status !== 'running') print(runLine(event.data));
          break;
        case 'job': {
          const before = jobs.get(event.data.jobId);
          jobs.set(event.data.jobId, event.data);
          if (!out.isTTY && before !== undefined && before.status !== event.data.status) {
            print(`${event.data.jobId}: ${describeJob(event.data)}`);
          }
          redraw();
          break;
        }
        case 'progress':
          progress.set(event.data.jobId, { done: event.data.done, total: event.data.total });
          redraw();
          break;
        case 'log':
          if (event.data.level === 'warn' || event.data.level === 'error' || event.data.level === 'fatal') {
            print(`${event.data.jobId} ${event.data.level}: ${event.data.message}`);
          }
          break;
        case 'end':
          break;
      }
    },
    finish(run) {
      clearTimeout(timer);
      if (out.isTTY) {
        for (const job of run.jobs) jobs.set(job.jobId, job);
        draw();
        drawn = 0;
      }
      const seconds = ((run.durationMs ?? 0) / 1000).toFixed(1);
      out.write(`run ${run.id} of ${pipeline || run.pipeline} v${run.version} ${run.status} in ${seconds} s\n`);
      for (const job of run.jobs.filter((j) => j.status === 'failed' || j.status === 'cancelled')) {
        errors.write(`${job.jobId}: ${job.error?.code ?? job.status}: ${job.error?.message ?? ''}\n`);
      }
    },
  };
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
  const filled = Math.round(share * BAR);
  return `  ${icon} ${name}  [${'█'.repeat(filled)}${'░'.repeat(BAR - filled)}] ${Math.round(share * 100)}%${elapsed}`;
}

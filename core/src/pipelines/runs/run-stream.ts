import { isDatabaseUnreachable } from '../../database/database-retry.ts';
import type { RunNotifications } from './run-notifications.ts';
import { FINISHED_RUN_STATUSES, runOf, type JobRunRecord, type RunRecord } from './run-records.ts';
import type { RunStore } from './run-store.ts';

/** One event of a run's live stream; the SSE route sends `type` as the event name and `data` as JSON. */
export type RunStreamEvent =
  | { readonly type: 'run'; readonly data: RunRecord }
  | { readonly type: 'job'; readonly data: JobRunRecord }
  | {
      readonly type: 'progress';
      readonly data: { jobId: string; partition: string | null; done: number; total: number | null };
    }
  | {
      readonly type: 'log';
      readonly data: {
        jobId: string;
        partition: string | null;
        attempt: number;
        at: string;
        level: string;
        message: string;
      };
    }
  | { readonly type: 'end'; readonly data: { status: RunRecord['status'] } };

/** What {@link watchRun} follows and where it reports. */
export interface WatchOptions {
  readonly store: RunStore;
  readonly notifications: RunNotifications;
  readonly workspace: string;
  readonly runId: string;
  readonly onEvent: (event: RunStreamEvent) => void;
  readonly signal?: AbortSignal | undefined;
  /** Reads at least this often even without notifications (default 1,000 ms). */
  readonly pollMs?: number;
}

const MIN_GAP_MS = 100;
const LOG_BATCH = 500;
/** As long as a run step waits out an unreachable database (`moveOn`): a stream outlives a restart, not an outage. */
const UNREACHABLE_GIVE_UP_MS = 30_000;
/** Log lines a new watcher gets from before it started watching: the latest ones. */
const INITIAL_LOG_LINES = 1000;

/**
 * Follows a run through its rows, so it sees changes made by any process: woken by the run's NOTIFYs (at most ten
 * reads a second), and polling as a backstop. The first read reports the state (the run, every job, progress) and
 * the last 1,000 log lines; later reads report what changed: new log lines first, then jobs whose status, attempt,
 * counts or error changed, progress, and the run when its status changed. Resolves after the `end` event of a
 * finished run, or when `signal` aborts.
 */
export async function watchRun(options: WatchOptions): Promise<void> {
  const { store, runId, onEvent, signal } = options;
  const pollMs = options.pollMs ?? 1000;
  const jobKeys = new Map<string, string>();
  const progressKeys = new Map<string, string>();
  let runKey: string | undefined;
  let lastLogId = 0;
  let first = true;

  const streamLogs = async () => {
    for (;;) {
      const batch = await store.logsAfter(runId, lastLogId, LOG_BATCH);
      for (const line of batch) {
        lastLogId = line.id;
        onEvent({
          type: 'log',
          data: {
            jobId: line.jobId,
            partition: line.partition,
            attempt: line.attempt,
            at: line.at,
            level: line.level,
            message: line.message,
          },
        });
      }
      if (batch.length < LOG_BATCH) return;
    }
  };

  const read = async (): Promise<boolean> => {
    const row = await store.row(options.workspace, runId);
    const jobs = await store.jobs(runId);
    const changes: RunStreamEvent[] = [];
    for (const job of jobs) {
      const key = JSON.stringify([
        job.status,
        job.attempt,
        job.rowsRead,
        job.rowsWritten,
        job.rowsQuarantined,
        job.deltaVersion,
        job.error,
        job.nextAttemptAt,
      ]);
      if (jobKeys.get(job.id) !== key) {
        jobKeys.set(job.id, key);
        changes.push({ type: 'job', data: job });
      }
      const progress = job.progress === null ? undefined : JSON.stringify(job.progress);
      if (progress !== undefined && job.status === 'running' && progressKeys.get(job.id) !== progress) {
        progressKeys.set(job.id, progress);
        changes.push({ type: 'progress', data: { jobId: job.jobId, partition: job.partition, ...job.progress! } });
      }
    }
    const counts: Partial<Record<JobRunRecord['status'], number>> = {};
    for (const job of jobs) counts[job.status] = (counts[job.status] ?? 0) + 1;
    const run = runOf(row, counts);
    const runChanged = runKey !== run.status;
    runKey = run.status;
    if (first) {
      // A snapshot first (the run, its jobs), then the last log lines; a long history is not replayed whole.
      first = false;
      onEvent({ type: 'run', data: run });
      changes.forEach(onEvent);
      lastLogId = await store.logIdBefore(runId, INITIAL_LOG_LINES);
      await streamLogs();
    } else {
      // Cause before effect: a job's log lines, then the job, then the run.
      await streamLogs();
      changes.forEach(onEvent);
      if (runChanged) onEvent({ type: 'run', data: run });
    }
    if (!FINISHED_RUN_STATUSES.includes(run.status)) return false;
    onEvent({ type: 'end', data: { status: run.status } });
    return true;
  };

  if (signal?.aborted) return;
  await new Promise<void>((resolve, reject) => {
    let reading = false;
    let again = false;
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    let lastRead = 0;
    const finish = (error?: unknown) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      unsubscribe();
      signal?.removeEventListener('abort', onAbort);
      if (error === undefined) resolve();
      else reject(error as Error);
    };
    const schedule = (delay: number) => {
      clearTimeout(timer);
      timer = setTimeout(wake, delay);
    };
    let unreachableSince: number | undefined;
    const wake = () => {
      if (done) return;
      if (reading) {
        again = true;
        return;
      }
      const wait = lastRead + MIN_GAP_MS - Date.now();
      if (wait > 0) return schedule(wait);
      reading = true;
      lastRead = Date.now();
      read().then(
        (ended) => {
          reading = false;
          unreachableSince = undefined;
          if (ended) return finish();
          if (again) {
            again = false;
            schedule(MIN_GAP_MS);
          } else schedule(pollMs);
        },
        (error: unknown) => {
          reading = false;
          // A database restart pauses the stream rather than ending it, for as long as a run step waits it out.
          unreachableSince = isDatabaseUnreachable(error) ? (unreachableSince ?? Date.now()) : undefined;
          if (unreachableSince === undefined || Date.now() - unreachableSince > UNREACHABLE_GIVE_UP_MS) {
            return finish(error);
          }
          schedule(pollMs);
        },
      );
    };
    const onAbort = () => finish();
    const unsubscribe = options.notifications.subscribe(runId, wake);
    signal?.addEventListener('abort', onAbort, { once: true });
    wake();
  });
}

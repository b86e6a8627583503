import type { Knex } from 'knex';
import { notifyRun } from './run-notifications.ts';

/** An attempt's progress reports, written to its job run at most twice a second. */
export interface JobProgress {
  report(done: number, total?: number): void;
  /** Writes the last report if it is still pending. */
  close(): Promise<void>;
}

const WRITE_GAP_MS = 500;

/** Progress of the job run `jobRunId` while `claim` holds it; a failed write is dropped (the next one catches up). */
export function createJobProgress(
  db: Knex,
  target: { readonly runId: string; readonly jobRunId: string; readonly claim: string },
): JobProgress {
  let latest: { done: number; total: number | null } | undefined;
  let lastWrite = 0;
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();

  const write = () => {
    clearTimeout(timer);
    timer = undefined;
    const value = latest;
    latest = undefined;
    if (value === undefined) return;
    lastWrite = Date.now();
    writing = writing.then(async () => {
      try {
        await db('core_job_runs')
          .where({ id: target.jobRunId, claim: target.claim, status: 'running' })
          .update({ progress_done: value.done, progress_total: value.total });
        await notifyRun(db, target.runId);
      } catch {
        // Progress is a live view: the next report, or the job's end, brings it up to date.
      }
    });
  };

  return {
    report(done, total) {
      if (!Number.isFinite(done)) return;
      latest = { done, total: total === undefined || !Number.isFinite(total) ? null : total };
      const wait = lastWrite + WRITE_GAP_MS - Date.now();
      if (wait <= 0) write();
      else timer ??= setTimeout(write, wait);
    },
    async close() {
      write();
      await writing;
    },
  };
}

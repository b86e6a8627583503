import type { Knex } from 'knex';
import type { JobRunResult } from '../execution/job-executor.ts';
import { sendJobRun } from './run-dispatch.ts';
import type { JobRunRow } from './run-records.ts';
import { SKIP_DISPATCH, type RunRuntime } from './run-runtime.ts';

/** A failure as the job run records it. */
export interface JobError {
  readonly code: string;
  readonly message: string;
  readonly errorClass: string;
}

/** How an attempt ended. */
export type AttemptEnd =
  | { readonly kind: 'succeeded'; readonly result: JobRunResult }
  | { readonly kind: 'failed'; readonly error: JobError }
  | { readonly kind: 'retrying'; readonly error: JobError; readonly delaySeconds: number }
  | { readonly kind: 'cancelled'; readonly error: JobError }
  /** The worker is stopping: the job run goes back to `queued` and the attempt does not count. */
  | { readonly kind: 'released' };

/**
 * Records the end of an attempt, only while `claim` still holds the job run (a lost claim records nothing: the
 * delivery that took over does), and moves the run on in the same transaction: a retry's delivery, the next jobs'
 * deliveries and the run's end commit together with the job's outcome. Returns false when the claim was lost.
 */
export async function recordAttemptEnd(
  runtime: RunRuntime,
  job: Pick<JobRunRow, 'id' | 'run_id'>,
  claim: string,
  end: AttemptEnd,
  excerpt: string,
): Promise<boolean> {
  let recorded = false;
  await runtime.moveOn(job.run_id, async (trx) => {
    const changed = await trx('core_job_runs')
      .where({ id: job.id, claim, status: 'running' })
      .update({ ...columnsOf(trx, end, excerpt), claim: null, updated_at: trx.fn.now() });
    if (changed === 0) return SKIP_DISPATCH;
    recorded = true;
    // Unsent once the queue has stopped: the sweeper delivers an overdue retry.
    if (end.kind === 'retrying') await sendJobRun(runtime.queue, trx, job.id, end.delaySeconds);
    // Giving a job back during shutdown queues nothing new: the process is leaving, another one takes the run on.
    return end.kind === 'released' ? SKIP_DISPATCH : undefined;
  });
  return recorded;
}

function columnsOf(trx: Knex.Transaction, end: AttemptEnd, excerpt: string): Record<string, unknown> {
  const now = trx.fn.now();
  switch (end.kind) {
    case 'succeeded': {
      const { result } = end;
      return {
        status: 'succeeded',
        finished_at: now,
        rows_read: result.rowsRead,
        rows_written: result.rowsWritten,
        rows_updated: result.rowsUpdated,
        rows_deleted: result.rowsDeleted,
        rows_quarantined: result.rowsQuarantined,
        delta_version: result.deltaVersion ?? null,
        commit_skipped: result.skipped,
        input_versions: JSON.stringify(result.inputVersions),
        metrics: JSON.stringify(result.metrics),
        error_code: null,
        error_message: null,
        error_class: null,
        log_excerpt: excerpt,
      };
    }
    case 'failed':
    case 'cancelled':
      return {
        status: end.kind,
        finished_at: now,
        ...errorColumns(end.error),
        log_excerpt: excerpt,
      };
    case 'retrying':
      return {
        status: 'retrying',
        next_attempt_at: trx.raw(`now() + make_interval(secs => ?)`, [end.delaySeconds]),
        dispatched_at: trx.raw(`now() + make_interval(secs => ?)`, [end.delaySeconds]),
        ...errorColumns(end.error),
        log_excerpt: excerpt,
      };
    case 'released':
      return {
        status: 'queued',
        attempt: trx.raw('greatest(attempt - 1, 0)'),
        heartbeat_at: null,
        dispatched_at: now,
        progress_done: null,
        progress_total: null,
      };
  }
}

function errorColumns(error: JobError) {
  return { error_code: error.code, error_message: error.message, error_class: error.errorClass };
}

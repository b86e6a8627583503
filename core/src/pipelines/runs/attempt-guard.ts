import type { Logger } from '@assay/sdk';
import type { Knex } from 'knex';
import type { RunNotifications } from './run-notifications.ts';

const CHECK_GAP_MS = 300;

/** Why an attempt's signal was aborted. */
export type StopReason = 'cancelled' | 'timeout' | 'shutdown' | 'lost';

/** The signal of one attempt and why it fired. */
export interface AttemptGuard {
  readonly signal: AbortSignal;
  /** Undefined while nothing stopped the attempt. */
  reason(): StopReason | undefined;
  /** Stops the timers and the listeners; call when the attempt is over. */
  stop(): void;
}

/** What {@link guardAttempt} watches. */
export interface AttemptGuardOptions {
  readonly db: Knex;
  readonly notifications: RunNotifications;
  readonly runId: string;
  readonly jobRunId: string;
  /** The claim this delivery holds on the job run. */
  readonly claim: string;
  /** The queue job's signal: aborted when the worker shuts down or pg-boss gave the job up. */
  readonly queueSignal: AbortSignal;
  readonly timeoutMs: number;
  /** How often the claim is refreshed and the run's status read (default 2,000 ms). */
  readonly heartbeatMs?: number;
  readonly logger: Logger;
}

/**
 * One signal for everything that ends an attempt early: a cancel of its run (heard through the run's NOTIFY at once,
 * or at the next heartbeat), its timeout (aborted with a `TimeoutError`, which the executor reports as
 * `JOB_TIMEOUT`), the worker shutting down, and the claim being lost (another delivery took the job run over after
 * this one's heartbeats stopped). The heartbeat is what keeps the claim: a job run whose heartbeat is stale is
 * taken over.
 */
export function guardAttempt(options: AttemptGuardOptions): AttemptGuard {
  const { db, runId, jobRunId, claim } = options;
  const controller = new AbortController();
  let reason: StopReason | undefined;
  const stopWith = (why: StopReason, error: Error) => {
    if (reason !== undefined) return;
    reason = why;
    controller.abort(error);
  };

  const onQueueAbort = () => stopWith('shutdown', new Error('The worker is stopping; the job will run again'));
  if (options.queueSignal.aborted) onQueueAbort();
  else options.queueSignal.addEventListener('abort', onQueueAbort, { once: true });

  const minutes = Math.round(options.timeoutMs / 6000) / 10;
  const timeout = setTimeout(
    () => stopWith('timeout', new DOMException(`The job exceeded its timeout of ${minutes} minute(s)`, 'TimeoutError')),
    options.timeoutMs,
  );
  const cancelled = () => stopWith('cancelled', new Error('The run was cancelled'));

  let checking = false;
  const beat = async (refresh: boolean) => {
    if (checking || reason !== undefined) return;
    checking = true;
    try {
      if (refresh) {
        const rows = (await db('core_job_runs')
          .where({ id: jobRunId, claim, status: 'running' })
          .update({ heartbeat_at: db.fn.now() })
          .returning(db.raw('(select status from core_pipeline_runs r where r.id = run_id) as run_status'))) as Array<{
          run_status: string;
        }>;
        if (rows.length === 0) stopWith('lost', new Error('Another worker took this job run over'));
        else if (rows[0]!.run_status === 'cancelling' || rows[0]!.run_status === 'cancelled') cancelled();
      } else {
        const run = (await db('core_pipeline_runs').where({ id: runId }).first('status')) as
          { status: string } | undefined;
        if (run === undefined || run.status === 'cancelling' || run.status === 'cancelled') cancelled();
      }
    } catch (error) {
      // The database being away for a moment must not stop the job: the next beat tries again.
      options.logger.debug({ err: error, jobRunId }, 'job heartbeat failed');
    } finally {
      checking = false;
    }
  };
  const heartbeat = setInterval(() => void beat(true), options.heartbeatMs ?? 2000);
  // Log lines and progress notify too: a busy run is checked at most every CHECK_GAP_MS, not at every line.
  let lastCheck = 0;
  let deferred: NodeJS.Timeout | undefined;
  const onChange = () => {
    const wait = lastCheck + CHECK_GAP_MS - Date.now();
    if (wait > 0) {
      deferred ??= setTimeout(() => {
        deferred = undefined;
        onChange();
      }, wait);
      return;
    }
    lastCheck = Date.now();
    void beat(false);
  };
  const unsubscribe = options.notifications.subscribe(runId, onChange);

  return {
    signal: controller.signal,
    reason: () => reason,
    stop() {
      clearTimeout(timeout);
      clearInterval(heartbeat);
      clearTimeout(deferred);
      unsubscribe();
      options.queueSignal.removeEventListener('abort', onQueueAbort);
    },
  };
}

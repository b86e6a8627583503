import type { CoreQueue } from '../../queue/queue-service.ts';
import type { JobExecutor } from '../execution/job-executor.ts';
import { workDelivery, type JobWorkerDeps } from './job-delivery.ts';
import { pipelineJobQueue } from './pipeline-job-queue.ts';
import type { RunService } from './run-service.ts';
import { sweepRuns, type SweepResult } from './run-sweeper.ts';

/** What {@link registerRunWorker} needs. */
export interface RunWorkerOptions {
  readonly runs: RunService;
  readonly executor: JobExecutor;
  readonly operators: JobWorkerDeps['operators'];
  /** The plugin registry's check lookup: a job's checks run with these definitions. */
  readonly checks: JobWorkerDeps['checks'];
  /** Jobs this process runs at once (default 4). */
  readonly concurrency?: number;
  /** Run the sweeper in this process (default true); it needs only the database and the queue. */
  readonly sweep?: boolean;
  /** Between sweeps (default 5,000 ms). */
  readonly sweepIntervalMs?: number;
  /** A running job run without a heartbeat for this long has lost its worker (default 20). */
  readonly staleSeconds?: number;
  /** How often a running attempt refreshes its heartbeat and checks for a cancel (default 2,000 ms). */
  readonly heartbeatMs?: number;
}

/** The worker of one process. */
export interface RunWorker {
  /** One sweep now (tests; the timer runs them anyway). */
  sweep(): Promise<SweepResult>;
  /**
   * Stops the sweeper and waits (up to `timeoutMs`, default 5 s) for deliveries still settling: call it after the
   * queue stopped, so an attempt the shutdown interrupted is given back before the database closes.
   */
  stop(options?: { timeoutMs?: number }): Promise<void>;
}

/**
 * Works `core.pipeline-job` in this process (if the queue works jobs here) and sweeps runs every few seconds.
 * Register it in every process that may work jobs: `assay serve`, `assay worker`, `assay run --watch`.
 */
export async function registerRunWorker(queue: CoreQueue, options: RunWorkerOptions): Promise<RunWorker> {
  const { runtime } = options.runs;
  const staleSeconds = options.staleSeconds ?? 20;
  const deps: JobWorkerDeps = {
    runtime,
    executor: options.executor,
    operators: options.operators,
    checks: options.checks,
    staleSeconds,
    heartbeatMs: options.heartbeatMs ?? 2000,
  };
  const inFlight = new Set<Promise<void>>();
  await queue.workEach(
    pipelineJobQueue,
    (job) => {
      const delivery = workDelivery(deps, job);
      const tracked = delivery.catch(() => undefined).finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
      return delivery;
    },
    {
      // One job per fetch: a long job must not hold others of its batch back.
      batchSize: 1,
      concurrency: options.concurrency ?? 4,
    },
  );

  let sweeping: Promise<SweepResult> | undefined;
  const sweep = () =>
    (sweeping ??= sweepRuns(runtime, { staleSeconds }).finally(() => {
      sweeping = undefined;
    }));
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const schedule = () => {
    if (stopped) return;
    // Jitter, so the sweepers of processes started together do not run in lockstep.
    const interval = options.sweepIntervalMs ?? 5000;
    timer = setTimeout(
      () => {
        sweep()
          .catch((error: unknown) => runtime.logger.warn({ err: error }, 'run sweep failed; trying again later'))
          .finally(schedule);
      },
      interval * (0.8 + Math.random() * 0.4),
    );
    timer.unref();
  };
  if (options.sweep !== false) schedule();

  return {
    sweep,
    async stop(stopOptions = {}) {
      stopped = true;
      clearTimeout(timer);
      let deadline: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all([sweeping?.catch(() => undefined), ...inFlight]),
        new Promise((resolve) => (deadline = setTimeout(resolve, stopOptions.timeoutMs ?? 5000))),
      ]);
      clearTimeout(deadline);
    },
  };
}

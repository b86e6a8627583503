import { OperationalError } from '@assay/sdk';
import type { Knex } from 'knex';
import type { CoreQueue } from '../../queue/queue-service.ts';
import { pipelineJobQueue } from './pipeline-job-queue.ts';
import type { VersionCache } from './pipeline-versions.ts';
import { notifyRun } from './run-notifications.ts';
import { IN_FLIGHT_JOB_STATUSES, taskKey, type JobRunRow, type JobRunStatus, type RunRow } from './run-records.ts';

/** What dispatching needs. */
export interface DispatchContext {
  readonly queue: CoreQueue;
  readonly versions: VersionCache;
  readonly upstream: UpstreamCache;
  /** Jobs of one workspace queued or running at once, across its runs. */
  readonly maxParallelJobsPerWorkspace: number;
}

/** What a dispatch did: the run row when this dispatch finished the run (its event is the caller's to publish). */
export interface DispatchResult {
  readonly finished: RunRow | undefined;
  /** Job runs this dispatch sent to the queue. */
  readonly queued: number;
}

const FAILED_UPSTREAM: ReadonlySet<JobRunStatus> = new Set(['failed', 'upstream_failed', 'cancelled']);
const DONE_UPSTREAM: ReadonlySet<JobRunStatus> = new Set(['succeeded', 'skipped']);
const UNFINISHED: ReadonlySet<JobRunStatus> = new Set(['pending', ...IN_FLIGHT_JOB_STATUSES]);

type DispatchJob = Pick<
  JobRunRow,
  'id' | 'job_id' | 'partition_key' | 'status' | 'upstream' | 'position' | 'error_code' | 'error_message'
> & {
  /** {@link taskKey}: what `upstream` lists and the status map is keyed by. */
  readonly key: string;
};

const CACHED_RUNS = 64;

/**
 * The upstream task keys of each job run, by run. They never change once a run is recorded, and every job that
 * finishes moves its run on with the run's row locked: reading a 1,000-job run's upstream lists (a fan-in job alone
 * lists 1,000 ids) on every step would make that locked step, which all of the run's workers queue behind, the
 * bottleneck.
 */
export class UpstreamCache {
  readonly #runs = new Map<string, ReadonlyMap<string, string[]>>();

  async of(trx: Knex.Transaction, runId: string): Promise<ReadonlyMap<string, string[]>> {
    let upstream = this.#runs.get(runId);
    if (upstream === undefined) {
      const rows = await trx<JobRunRow>('core_job_runs')
        .where({ run_id: runId })
        .select('job_id', 'partition_key', 'upstream');
      upstream = new Map(rows.map((row) => [taskKey(row.job_id, row.partition_key), row.upstream]));
      this.#runs.set(runId, upstream);
      if (this.#runs.size > CACHED_RUNS) this.#runs.delete(this.#runs.keys().next().value!);
    }
    return upstream;
  }
}

/** Locks the run row for an update; undefined when the run is gone. Every change of a run starts here. */
export async function lockRun(trx: Knex.Transaction, runId: string): Promise<RunRow | undefined> {
  return trx<RunRow>('core_pipeline_runs').where({ id: runId }).forUpdate().first();
}

/**
 * Moves a run on, inside `trx` with its row locked ({@link lockRun}): pending jobs behind a failed or cancelled
 * one become `upstream_failed`; pending jobs whose upstream all succeeded become `queued` and are sent to the
 * queue in the same transaction, as far as the pipeline's `maxParallelJobs` and the workspace limit allow; a run
 * with nothing left to do is finished. Idempotent: every change is conditional on the state it changes, so any
 * process may call it at any time.
 */
export async function dispatchLocked(
  trx: Knex.Transaction,
  run: RunRow,
  context: DispatchContext,
): Promise<DispatchResult> {
  if (run.status !== 'queued' && run.status !== 'running' && run.status !== 'cancelling') {
    return { finished: undefined, queued: 0 };
  }
  const upstream = await context.upstream.of(trx, run.id);
  const jobs = (
    await trx<JobRunRow>('core_job_runs')
      .where({ run_id: run.id })
      .orderBy(['position', 'partition_key'])
      .select('id', 'job_id', 'partition_key', 'status', 'position', 'error_code', 'error_message')
  ).map((job) => {
    const key = taskKey(job.job_id, job.partition_key);
    return { ...job, key, upstream: upstream.get(key) ?? [] };
  });
  const status = new Map(jobs.map((job) => [job.key, job.status]));
  let queued = 0;
  if (run.status === 'cancelling') {
    await cancelWaiting(trx, run.id);
    for (const job of jobs)
      if (job.status !== 'running' && UNFINISHED.has(job.status)) status.set(job.key, 'cancelled');
  } else {
    await failBehindFailures(trx, jobs, status);
    queued = await queueReady(trx, run, jobs, status, context);
  }
  const finished = [...status.values()].some((value) => UNFINISHED.has(value))
    ? undefined
    : await finishRun(trx, run, jobs, status);
  await notifyRun(trx, run.id);
  return { finished, queued };
}

/** Cancels the job runs of a cancelling run that are not running: a running one is stopped by its worker. */
export async function cancelWaiting(trx: Knex.Transaction, runId: string): Promise<number> {
  return trx('core_job_runs').where({ run_id: runId }).whereIn('status', ['pending', 'queued', 'retrying']).update({
    status: 'cancelled',
    finished_at: trx.fn.now(),
    error_code: 'JOB_CANCELLED',
    error_message: 'The run was cancelled before this job finished',
    error_class: 'user',
    updated_at: trx.fn.now(),
  });
}

async function failBehindFailures(
  trx: Knex.Transaction,
  jobs: readonly DispatchJob[],
  status: Map<string, JobRunStatus>,
): Promise<void> {
  // Position order is topological, so a failure propagates down a whole chain in one pass.
  for (const job of jobs) {
    if (status.get(job.key) !== 'pending') continue;
    const failed = job.upstream.find((upstream) => FAILED_UPSTREAM.has(status.get(upstream) ?? 'succeeded'));
    if (failed === undefined) continue;
    status.set(job.key, 'upstream_failed');
    await trx('core_job_runs')
      .where({ id: job.id, status: 'pending' })
      .update({
        status: 'upstream_failed',
        finished_at: trx.fn.now(),
        error_code: 'UPSTREAM_FAILED',
        error_message: `Upstream job "${failed}" did not succeed (${status.get(failed)}), so this job did not run`,
        error_class: 'user',
        updated_at: trx.fn.now(),
      });
  }
}

async function queueReady(
  trx: Knex.Transaction,
  run: RunRow,
  jobs: readonly DispatchJob[],
  status: Map<string, JobRunStatus>,
  context: DispatchContext,
): Promise<number> {
  const ready = jobs.filter(
    (job) =>
      status.get(job.key) === 'pending' &&
      job.upstream.every((upstream) => DONE_UPSTREAM.has(status.get(upstream) ?? 'succeeded')),
  );
  if (ready.length === 0) return 0;
  const version = await context.versions.get({
    workspace: run.workspace,
    pipelineId: run.pipeline_id,
    pipeline: run.pipeline_name,
    version: run.pipeline_version,
  });
  const pipelineLimit = version.document.spec.concurrency?.maxParallelJobs ?? Number.POSITIVE_INFINITY;
  // Serializes the dispatchers of one workspace, so two runs cannot both take the last free slot.
  await trx.raw('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`assay.runs.dispatch:${run.workspace}`]);
  const [counts] = (await trx('core_job_runs')
    .where({ workspace: run.workspace })
    .whereIn('status', IN_FLIGHT_JOB_STATUSES)
    .select(
      trx.raw('count(*)::int as workspace'),
      trx.raw('(count(*) filter (where pipeline_id = ?))::int as pipeline', [run.pipeline_id]),
    )) as Array<{ workspace: number; pipeline: number }>;
  const slots = Math.min(
    pipelineLimit - (counts?.pipeline ?? 0),
    context.maxParallelJobsPerWorkspace - (counts?.workspace ?? 0),
  );
  let queued = 0;
  for (const job of ready.slice(0, Math.max(0, slots))) {
    // The run's lock makes the job still pending here; a queue that stopped leaves it so for another process.
    if (!(await sendJobRun(context.queue, trx, job.id))) break;
    await trx('core_job_runs')
      .where({ id: job.id, status: 'pending' })
      .update({ status: 'queued', queued_at: trx.fn.now(), dispatched_at: trx.fn.now(), updated_at: trx.fn.now() });
    status.set(job.key, 'queued');
    queued++;
  }
  return queued;
}

/**
 * Sends a delivery of the job run inside `trx`. False when this process's queue has stopped (a job finishing after a
 * shutdown's drain still records its outcome): nothing was sent, and the sweeper of a process that runs sends it.
 */
export async function sendJobRun(
  queue: CoreQueue,
  trx: Knex.Transaction,
  jobRunId: string,
  startAfterSeconds?: number,
): Promise<boolean> {
  try {
    await queue.sendInTransaction(pipelineJobQueue, { jobRunId }, trx, {
      singletonKey: jobRunId,
      ...(startAfterSeconds === undefined ? {} : { startAfterSeconds }),
    });
    return true;
  } catch (error) {
    // Thrown before the queue runs any SQL, so the transaction is intact.
    if (error instanceof OperationalError && error.code === 'QUEUE_NOT_RUNNING') return false;
    throw error;
  }
}

async function finishRun(
  trx: Knex.Transaction,
  run: RunRow,
  jobs: readonly DispatchJob[],
  status: Map<string, JobRunStatus>,
): Promise<RunRow> {
  const failed = jobs.find((job) => status.get(job.key) === 'failed');
  const outcome =
    run.status === 'cancelling'
      ? 'cancelled'
      : failed !== undefined || [...status.values()].includes('upstream_failed')
        ? 'failed'
        : [...status.values()].includes('cancelled')
          ? 'cancelled'
          : 'succeeded';
  const error =
    failed !== undefined
      ? {
          error_code: failed.error_code ?? 'JOB_FAILED',
          error_message: `Job "${failed.key}" failed: ${failed.error_message ?? 'no message'}`,
          error_job: failed.job_id,
        }
      : outcome === 'cancelled'
        ? { error_code: 'RUN_CANCELLED', error_message: 'The run was cancelled', error_job: null }
        : {};
  const [finished] = await trx<RunRow>('core_pipeline_runs')
    .where({ id: run.id })
    .update({ status: outcome, finished_at: trx.fn.now() as never, ...error })
    .returning('*');
  return finished!;
}

import type { Knex } from 'knex';
import type { JobSpec } from '../document/pipeline-document.ts';
import type { JobWorkerDeps } from './job-delivery.ts';
import { jobPolicy, type JobPolicy } from './job-policy.ts';
import { notifyRun } from './run-notifications.ts';
import { FINISHED_JOB_STATUSES, type JobRunRow, type RunRow } from './run-records.ts';
import { SKIP_DISPATCH } from './run-runtime.ts';

/** A job run a delivery may work: claimed, `running`, its attempt counted. */
export interface Claimed {
  readonly run: RunRow;
  readonly job: JobRunRow;
  readonly spec: JobSpec;
  readonly policy: JobPolicy;
}

/**
 * Claims the job run for this delivery in one transaction, or returns undefined when there is nothing to do:
 * gone, finished, not dispatched, another delivery alive on it, or its run is being cancelled (then it is marked
 * cancelled here). A job run still `running` with a stale heartbeat lost its worker: that attempt counts, and
 * with none left the job fails with `JOB_WORKER_LOST`.
 */
export async function claimJobRun(deps: JobWorkerDeps, jobRunId: string, claim: string): Promise<Claimed | undefined> {
  const { runtime } = deps;
  const peek = await runtime.db<JobRunRow>('core_job_runs').where({ id: jobRunId }).first('run_id', 'job_id');
  if (peek === undefined) return undefined;
  const runRow = await runtime.db<RunRow>('core_pipeline_runs').where({ id: peek.run_id }).first();
  if (runRow === undefined) return undefined;
  const version = await runtime.versions.get({
    workspace: runRow.workspace,
    pipelineId: runRow.pipeline_id,
    pipeline: runRow.pipeline_name,
    version: runRow.pipeline_version,
  });
  const spec = version.document.spec.jobs.find((job) => job.id === peek.job_id);
  if (spec === undefined) throw new Error(`Job "${peek.job_id}" is not in version ${runRow.pipeline_version}`);
  const policy = jobPolicy(version.document.spec, spec);

  const fast = await claimQuickly(deps, runRow, jobRunId, claim, policy);
  if (fast === 'skip') return undefined;
  if (fast !== 'slow') return { run: runRow, job: fast, spec, policy };

  let claimed: Claimed | undefined;
  await runtime.moveOn(peek.run_id, async (trx, run) => {
    const job = await lockJobRun(trx, jobRunId, deps.staleSeconds);
    if (job === undefined || FINISHED_JOB_STATUSES.includes(job.status) || job.status === 'pending') {
      return SKIP_DISPATCH;
    }
    // Another delivery is alive on it; if the run is being cancelled, that one stops it.
    if (job.status === 'running' && job.fresh === true) return SKIP_DISPATCH;
    if (run.status !== 'queued' && run.status !== 'running') {
      await trx('core_job_runs').where({ id: job.id }).update({
        status: 'cancelled',
        finished_at: trx.fn.now(),
        claim: null,
        error_code: 'JOB_CANCELLED',
        error_message: 'The run was cancelled before this job started',
        error_class: 'user',
        updated_at: trx.fn.now(),
      });
      return undefined;
    }
    if (job.status === 'retrying' && job.early === true) return SKIP_DISPATCH;
    if (job.status === 'running') {
      const lost = lostMessage(job);
      if (job.attempt >= policy.maxAttempts) {
        await trx('core_job_runs')
          .where({ id: job.id })
          .update({
            status: 'failed',
            finished_at: trx.fn.now(),
            claim: null,
            error_code: 'JOB_WORKER_LOST',
            error_message: `${lost} and no attempts are left: look for what stops workers (memory, kills) and resume`,
            error_class: 'operational',
            updated_at: trx.fn.now(),
          });
        return undefined;
      }
      await insertLogLine(trx, job, 'warn', `${lost}; starting attempt ${job.attempt + 1}`);
    }
    const updated = await markRunning(trx, job, claim);
    await trx('core_pipeline_runs')
      .where({ id: run.id, status: 'queued' })
      .update({ status: 'running', started_at: trx.raw('coalesce(started_at, now())') });
    await notifyRun(trx, run.id);
    claimed = { run, job: updated, spec, policy };
    return SKIP_DISPATCH;
  });
  return claimed;
}

type LockedJobRun = JobRunRow & { fresh: boolean | null; early: boolean | null };

async function lockJobRun(trx: Knex.Transaction, jobRunId: string, staleSeconds: number) {
  return (await trx('core_job_runs')
    .where({ id: jobRunId })
    .forUpdate()
    .first(
      '*',
      // As the sweeper: right after a server restart no heartbeat could be written, so the attempt is not stale yet.
      trx.raw(
        '(heartbeat_at > now() - make_interval(secs => ?) or pg_postmaster_start_time() > now() - make_interval(secs => ?)) as fresh',
        [staleSeconds, staleSeconds],
      ),
      trx.raw("(next_attempt_at > now() + interval '2 seconds') as early"),
    )) as LockedJobRun | undefined;
}

/**
 * The common case without the run's lock, so starting jobs does not queue behind the run's other transactions:
 * only the job run is locked. The run's status is read after that lock, so a cancel either committed before (the
 * slow path cancels the job) or cannot cancel this job run any more (it is `running`: its guard stops it). Leaves
 * to the slow path whatever needs the run moved on: a cancelled run, a lost worker with no attempts left.
 */
async function claimQuickly(
  deps: JobWorkerDeps,
  run: RunRow,
  jobRunId: string,
  claim: string,
  policy: JobPolicy,
): Promise<JobRunRow | 'skip' | 'slow'> {
  return deps.runtime.db.transaction(async (trx) => {
    if (run.status === 'queued') {
      // Before the job run's lock: transactions that lock both always take the run's first.
      await trx('core_pipeline_runs')
        .where({ id: run.id, status: 'queued' })
        .update({ status: 'running', started_at: trx.raw('coalesce(started_at, now())') });
    }
    const job = await lockJobRun(trx, jobRunId, deps.staleSeconds);
    if (job === undefined || FINISHED_JOB_STATUSES.includes(job.status) || job.status === 'pending') return 'skip';
    if (job.status === 'running' && job.fresh === true) return 'skip';
    if (job.status === 'retrying' && job.early === true) return 'skip';
    const current = (await trx('core_pipeline_runs').where({ id: run.id }).first('status')) as
      { status: RunRow['status'] } | undefined;
    if (current === undefined) return 'skip';
    if (current.status !== 'queued' && current.status !== 'running') return 'slow';
    if (job.status === 'running') {
      if (job.attempt >= policy.maxAttempts) return 'slow';
      await insertLogLine(trx, job, 'warn', `${lostMessage(job)}; starting attempt ${job.attempt + 1}`);
    }
    const updated = await markRunning(trx, job, claim);
    await notifyRun(trx, run.id);
    return updated;
  });
}

function lostMessage(job: JobRunRow): string {
  return `Attempt ${job.attempt} stopped responding (its worker is gone)`;
}

async function markRunning(trx: Knex.Transaction, job: JobRunRow, claim: string): Promise<JobRunRow> {
  const [updated] = await trx<JobRunRow>('core_job_runs')
    .where({ id: job.id })
    .update({
      status: 'running',
      attempt: trx.raw('attempt + 1') as never,
      claim,
      heartbeat_at: trx.fn.now() as never,
      started_at: trx.raw('coalesce(started_at, now())') as never,
      next_attempt_at: null,
      progress_done: null,
      progress_total: null,
      updated_at: trx.fn.now() as never,
    })
    .returning('*');
  return updated!;
}

async function insertLogLine(trx: Knex.Transaction, job: JobRunRow, level: string, message: string): Promise<void> {
  await trx('core_job_run_logs').insert({ job_run_id: job.id, attempt: job.attempt, level, message });
}

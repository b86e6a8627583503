import { randomUUID } from 'node:crypto';
import { AssayError, OperationalError, UserError, type QueueJob } from '@assay/sdk';
import type { CheckEntry, OperatorEntry } from '../../plugins/contribution-registry.ts';
import { checkIdOf } from '../document/check-id.ts';
import type { JobCheck } from '../document/pipeline-document.ts';
import type { DeclaredCheck } from '../../quality/job-checks.ts';
import { describeJobError } from '../../queue/job-handler.ts';
import type { JobExecutor } from '../execution/job-executor.ts';
import { partitionOfKey } from '../backfill/partition-range.ts';
import { guardAttempt, type StopReason } from './attempt-guard.ts';
import { claimJobRun } from './job-claim.ts';
import { retryAllowed, retryDelay, type JobPolicy } from './job-policy.ts';
import { recordAttemptEnd, type AttemptEnd, type JobError } from './job-outcome.ts';
import { createJobProgress } from './job-progress.ts';
import { createJobRunLog } from './job-run-log.ts';
import type { RunRow } from './run-records.ts';
import type { RunRuntime } from './run-runtime.ts';

/** What a worker needs besides the runtime. */
export interface JobWorkerDeps {
  readonly runtime: RunRuntime;
  readonly executor: JobExecutor;
  /** The plugin registry's operator lookup. */
  readonly operators: (type: string, version?: number) => Pick<OperatorEntry, 'pluginId' | 'definition'> | undefined;
  /** The plugin registry's check lookup. */
  readonly checks: (type: string) => Pick<CheckEntry, 'definition'> | undefined;
  /** A running job run whose heartbeat is older than this is taken over (default 20). */
  readonly staleSeconds: number;
  readonly heartbeatMs: number;
}

/**
 * Works one delivery of `core.pipeline-job`. The job run decides what happens: a finished one, or one another
 * delivery is working (fresh heartbeat), is left alone; one whose worker died (stale heartbeat) is taken over as
 * the next attempt; a job run of a cancelled run is cancelled. A claimed attempt runs through the executor and its
 * outcome is recorded with the run's next step. Throws only when the bookkeeping itself failed or the worker is
 * stopping, so the queue delivers again.
 */
export async function workDelivery(deps: JobWorkerDeps, delivery: QueueJob<{ jobRunId: string }>): Promise<void> {
  const { runtime } = deps;
  const claim = randomUUID();
  const claimed = await claimJobRun(deps, delivery.data.jobRunId, claim);
  if (claimed === undefined) return;
  const { run, job, spec, policy } = claimed;
  const attempt = job.attempt;
  const log = createJobRunLog({ db: runtime.db, runId: run.id, jobRunId: job.id, attempt, logger: runtime.logger });
  const guard = guardAttempt({
    db: runtime.db,
    notifications: runtime.notifications,
    runId: run.id,
    jobRunId: job.id,
    claim,
    queueSignal: delivery.signal,
    timeoutMs: policy.timeoutMs,
    heartbeatMs: deps.heartbeatMs,
    logger: runtime.logger,
  });
  const progress = createJobProgress(runtime.db, { runId: run.id, jobRunId: job.id, claim });
  let end: AttemptEnd;
  try {
    const operator = deps.operators(job.operator, job.operator_version ?? undefined);
    if (operator === undefined) {
      throw new UserError(
        `Operator "${job.operator}"${job.operator_version === null ? '' : ` version ${job.operator_version}`} is no ` +
          'longer installed: install its plugin again and resume the run',
        { code: 'OPERATOR_NOT_FOUND', details: { job: job.job_id, operator: job.operator } },
      );
    }
    const checks = declaredChecks(deps, spec.id, spec.checks ?? []);
    const result = await deps.executor.run({
      workspace: run.workspace,
      pipeline: { id: run.pipeline_id, name: run.pipeline_name },
      runId: run.id,
      runSequence: Number(run.sequence),
      resumedSequences: await resumedSequences(runtime, run),
      job: {
        id: spec.id,
        operator,
        config: spec.config ?? {},
        inputs: spec.inputs ?? [],
        output: spec.output,
        partitions: spec.partitions,
        checks,
      },
      partition:
        job.partition_key === null ? undefined : partitionOfKey(spec.partitions?.grain ?? 'day', job.partition_key),
      reprocess: reprocessOf(run, spec.output),
      attempt,
      trigger: run.trigger,
      actor: run.actor ?? undefined,
      signal: guard.signal,
      log: log.logger,
      progress: (done, total) => progress.report(done, total),
    });
    end = { kind: 'succeeded', result };
  } catch (error) {
    end = endAfter(error, guard.reason(), policy, attempt, spec.id);
    if (end.kind === 'failed' || end.kind === 'retrying') {
      log.logger.error({ code: end.error.code, errorClass: end.error.errorClass }, end.error.message);
    }
  } finally {
    guard.stop();
  }
  await progress.close();
  await log.close();
  if (guard.reason() === 'lost') {
    runtime.logger.warn({ jobRunId: job.id, attempt }, 'job run was taken over by another worker; outcome dropped');
    return;
  }
  const recorded = await withRetries(() => recordAttemptEnd(runtime, job, claim, end, log.excerpt()));
  if (end.kind === 'released') {
    throw new OperationalError(`Job "${spec.id}" was interrupted by a worker shutdown; it runs again`, {
      code: 'JOB_INTERRUPTED',
    });
  }
  if (!recorded) return;
  if (end.kind !== 'retrying') {
    runtime.publishJobFinished({
      runId: run.id,
      jobRunId: job.id,
      workspace: run.workspace,
      pipeline: run.pipeline_name,
      pipelineId: run.pipeline_id,
      jobId: job.job_id,
      ...(job.partition_key === null ? {} : { partition: job.partition_key }),
      operator: job.operator,
      status: end.kind,
      attempt,
      rowsWritten: end.kind === 'succeeded' ? end.result.rowsWritten : 0,
      ...(spec.output === undefined ? {} : { output: spec.output }),
      ...(end.kind === 'succeeded' && end.result.deltaVersion !== undefined
        ? { deltaVersion: end.result.deltaVersion }
        : {}),
      ...(end.kind === 'succeeded' ? {} : { error: { code: end.error.code, message: end.error.message } }),
    });
    await runtime.dispatchWorkspace(run.workspace, run.id);
  }
}

/**
 * The job's checks with their types' definitions. A check whose plugin is gone must never pass silently: the job
 * fails with `CHECK_TYPE_NOT_FOUND` until it is installed again or the check removed.
 */
function declaredChecks(deps: JobWorkerDeps, jobId: string, entries: readonly JobCheck[]): DeclaredCheck[] {
  return entries.map((entry) => {
    const { check, action, id: _id, where, mostly, fix, weight, ...config } = entry;
    const type = deps.checks(check);
    if (type === undefined) {
      throw new UserError(
        `Job "${jobId}" declares a "${check}" check, and no installed plugin provides that check type: install it ` +
          'again or remove the check, then resume the run',
        { code: 'CHECK_TYPE_NOT_FOUND', details: { job: jobId, check } },
      );
    }
    return { id: checkIdOf(entry), definition: type.definition, action, where, mostly, fix, weight, config };
  });
}

/** In a reprocess run, the quarantined rows of the job's output it takes again (docs/quarantine.md). */
function reprocessOf(run: RunRow, output: string | undefined): { ids: string[] } | undefined {
  if (run.trigger !== 'reprocess') return undefined;
  const details = run.trigger_details?.reprocess as { dataset?: unknown; ids?: unknown } | undefined;
  if (details?.dataset !== output || !Array.isArray(details?.ids)) return undefined;
  return { ids: details.ids.map(String) };
}

/** The sequences of the runs `run` resumes, following `resumed_from` back to the first. */
async function resumedSequences(runtime: RunRuntime, run: RunRow): Promise<number[]> {
  if (run.resumed_from === null) return [];
  const { rows } = (await runtime.db.raw(
    `with recursive chain(id, resumed_from, sequence) as (
       select id, resumed_from, sequence from core_pipeline_runs where id = ?
       union all
       select r.id, r.resumed_from, r.sequence from core_pipeline_runs r join chain c on r.id = c.resumed_from
     ) select sequence from chain`,
    [run.resumed_from],
  )) as { rows: Array<{ sequence: string }> };
  return rows.map((row) => Number(row.sequence));
}

/** The outcome of an attempt that threw: why it stopped decides, then the error's class and the attempts left. */
function endAfter(
  error: unknown,
  reason: StopReason | undefined,
  policy: JobPolicy,
  attempt: number,
  jobId: string,
): AttemptEnd {
  if (reason === 'shutdown') return { kind: 'released' };
  if (reason === 'cancelled') {
    return {
      kind: 'cancelled',
      error: { code: 'JOB_CANCELLED', message: 'The run was cancelled while this job ran', errorClass: 'user' },
    };
  }
  let described: JobError = describeJobError(error);
  if (reason === 'timeout' && described.code !== 'JOB_TIMEOUT') {
    described = {
      code: 'JOB_TIMEOUT',
      message: `Job "${jobId}" exceeded its timeout of ${policy.timeoutMs / 60_000} minute(s) and was stopped`,
      errorClass: 'operational',
    };
  }
  if (retryAllowed(policy, attempt, described.errorClass)) {
    return { kind: 'retrying', error: described, delaySeconds: retryDelay(policy, attempt) };
  }
  return { kind: 'failed', error: described };
}

/** Bookkeeping after a long job must not be lost to a short database hiccup: three tries, 1 s and 3 s apart. */
async function withRetries<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= 3 || (error instanceof AssayError && error.errorClass === 'user')) throw error;
      await new Promise((resolve) => setTimeout(resolve, attempt === 1 ? 1000 : 3000));
    }
  }
}

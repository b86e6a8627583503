import {
  AssayError,
  InputError,
  type EventBus,
  type Logger,
  type OperatorContext,
  type OperatorPartition,
} from '@assay/sdk';
import type { Knex } from 'knex';
import { createEngine, type EngineOptions } from '../../engine/engine.ts';
import type { LakeService } from '../../lake/lake-service.ts';
import type { OperatorEntry } from '../../plugins/contribution-registry.ts';
import { cancellationError, throwIfCancelled, untilCancelled } from './job-cancellation.ts';
import { narrowInputs, partitionOf } from './job-partition.ts';
import { assertJobShape, validatedConfig } from './job-config.ts';
import { snapshotOrUndefined } from '../../lake/existing-snapshot.ts';
import { pinInputs, type PinnedInput } from './job-inputs.ts';
import { createJobOutput, type OutputChecks } from './job-output.ts';
import type { CheckOutcome } from '../../quality/check-outcome.ts';
import { createJobSession, type JobSession } from './job-session.ts';
import { createJobStateStore, jobTxnAppId, JobStateTracker } from './job-state.ts';
import { createOperatorEngine } from './operator-engine.ts';
import { CHECK_VIEWS } from '../../quality/checked-rows.ts';
import type { DeclaredCheck } from '../../quality/job-checks.ts';
import { createJobQuality } from '../../quality/job-quality.ts';
import { reprocessPlan, type ReprocessRequest } from '../../quality/reprocess/reprocess-plan.ts';

/** What the executor is built from. */
export interface JobExecutorOptions {
  readonly lake: LakeService;
  /** Per-session DuckDB limits and where sessions keep scratch files. */
  readonly engine: EngineOptions;
  readonly db: Knex;
  readonly logger: Logger;
  /** Where incident events go; none in tests that do not look. */
  readonly events?: EventBus | undefined;
}

/** One attempt of one job of a pipeline run. */
export interface JobRunRequest {
  readonly workspace: string;
  readonly pipeline: { readonly id: string; readonly name: string };
  readonly runId: string;
  /** Increases with every run of the pipeline: the version of the Delta txn the job's write carries. */
  readonly runSequence: number;
  /**
   * The sequences of the runs this one resumes, transitively. A write one of them committed as the job's latest
   * (its outcome was lost, so the job was repeated) is not written again.
   */
  readonly resumedSequences?: readonly number[] | undefined;
  readonly job: {
    readonly id: string;
    readonly operator: Pick<OperatorEntry, 'pluginId' | 'definition'>;
    /** As the document layer validated and defaulted it; checked again here. */
    readonly config: Record<string, unknown>;
    readonly inputs: readonly string[];
    readonly output?: string | undefined;
    /** The job's `partitions`: what a partition run narrows, and how a table the job creates is partitioned. */
    readonly partitions?:
      { readonly column: string; readonly inputs?: Readonly<Record<string, string>> | undefined } | undefined;
    /** Data-quality checks on the output, applied to its write. */
    readonly checks?: readonly DeclaredCheck[] | undefined;
  };
  /** In a backfill: the partition this job run computes. */
  readonly partition?: Omit<OperatorPartition, 'column'> | undefined;
  /** In a reprocess run: the quarantined rows (of the job's output) it takes through the job again. */
  readonly reprocess?: ReprocessRequest | undefined;
  /** 1 on the first attempt. */
  readonly attempt: number;
  readonly trigger: string;
  readonly actor?: string | undefined;
  /** Aborting cancels the job: a running statement is interrupted and nothing more is committed. */
  readonly signal: AbortSignal;
  readonly log: Logger;
  progress?(done: number, total?: number): void;
}

/** What a succeeded job did. */
export interface JobRunResult {
  readonly status: 'succeeded';
  readonly rowsRead: number;
  readonly rowsWritten: number;
  readonly rowsUpdated: number;
  readonly rowsDeleted: number;
  readonly rowsQuarantined: number;
  /** The output's version after the job; undefined without an output, or when the table still does not exist. */
  readonly deltaVersion?: number;
  /** True when an earlier attempt of this run had committed the write: nothing was written again. */
  readonly skipped: boolean;
  /** The version each input was read at. */
  readonly inputVersions: Record<string, number>;
  readonly metrics: Record<string, number>;
  /** The outcomes of the job's checks, when it has any. */
  readonly checks?: readonly CheckOutcome[];
  /** True when checks held the new version back: readers still see the published one. */
  readonly held?: boolean;
  readonly durationMs: number;
}

/** Runs jobs; the run orchestrator calls it once per attempt. */
export interface JobExecutor {
  /**
   * Runs one job attempt to the end. A failure throws the operator's error as it is (a `UserError` is not worth
   * retrying, anything else is); a cancelled job throws `JOB_CANCELLED` (`JOB_TIMEOUT` when its signal timed out).
   */
  run(request: JobRunRequest): Promise<JobRunResult>;
}

/**
 * The job executor: validates the job against its operator, pins the inputs, recovers the job's state, gives the
 * operator a sandboxed engine session over the input views and an output that commits exactly once per run, and
 * saves the state with the write (or on success when there is none).
 */
export function createJobExecutor(options: JobExecutorOptions): JobExecutor {
  const { lake, db } = options;
  const engine = createEngine(options.engine);
  const states = createJobStateStore(db);

  return {
    async run(request) {
      const started = Date.now();
      const { job, signal } = request;
      const definition = job.operator.definition;
      const where = `Job "${job.id}" of pipeline ${request.pipeline.name}`;
      throwIfCancelled(signal, where);
      assertJobShape(definition, job);
      const config = validatedConfig(definition, job);
      const partition = partitionOf(request, config, where);
      const pinned = await pinInputs(lake, request.workspace, job.id, job.inputs);
      const inputs = partition === undefined ? pinned : narrowInputs(pinned, partition, job.partitions!);
      const key = { pipelineId: request.pipeline.id, jobId: job.id };
      // Each partition of a backfill commits once per run: its own txn, beside the job's.
      const appId = jobTxnAppId(key) + (partition === undefined ? '' : `#${partition.key}`);
      const txn = { appId, version: request.runSequence };
      const table = job.output === undefined ? undefined : lake.table(request.workspace, job.output);
      const initial = table === undefined ? undefined : await snapshotOrUndefined(table);
      // The job's state belongs to its normal runs: a partition run neither reads nor moves it.
      const committed =
        partition === undefined ? await states.recover(key, initial?.txns.get(txn.appId)) : { state: undefined };
      const state = new JobStateTracker(states, key, request.runSequence, committed.state);
      // The output as it stands is a view too (SCD2 and CDC merges compare with it), unless it is also an input.
      const outputView =
        table === undefined || initial === undefined || job.inputs.includes(table.name)
          ? []
          : [{ table, snapshot: initial }];
      const checks = job.checks ?? [];
      if (checks.length > 0 && table === undefined) {
        throw new InputError(`${where} declares checks but writes no dataset for them to check`, {
          code: 'JOB_CHECKS_WITHOUT_OUTPUT',
          details: { job: job.id },
        });
      }
      // The checks judge the version about to be published: the table as it was is part of it.
      const currentView =
        checks.length === 0 || table === undefined || initial === undefined
          ? []
          : [{ table, snapshot: initial, name: CHECK_VIEWS.current }];
      const reprocess =
        request.reprocess === undefined
          ? undefined
          : await reprocessPlan({
              lake,
              engine,
              request: request.reprocess,
              job,
              checks,
              inputs,
              initial,
              runId: request.runId,
              txn,
              where,
              workspace: request.workspace,
            });
      const session = createJobSession(
        engine,
        [...(reprocess?.inputs ?? inputs), ...outputView, ...currentView, ...(reprocess?.views ?? [])],
        signal,
      );
      const quality =
        checks.length === 0 || table === undefined
          ? undefined
          : createJobQuality({
              db,
              lake,
              engine,
              events: options.events,
              logger: options.logger,
              workspace: request.workspace,
              pipeline: request.pipeline,
              jobId: job.id,
              runId: request.runId,
              partitionKey: partition?.key,
              checks,
              table,
              initial,
              signal,
              where,
            });
      const output =
        table === undefined || job.output === undefined
          ? undefined
          : createJobOutput({
              dataset: job.output,
              table,
              quarantineTable: lake.quarantine(request.workspace, job.output),
              initial,
              session,
              state,
              txn,
              runId: request.runId,
              user: request.actor,
              origin: { pipeline: request.pipeline.name, job: job.id },
              signal,
              where,
              partitionColumn: job.partitions?.column,
              partition,
              committedBefore: request.resumedSequences ?? [],
              quality: quality?.output,
              reprocess: reprocess !== undefined,
            });
      const ctx: OperatorContext = {
        log: request.log,
        signal,
        run: {
          runId: request.runId,
          jobId: job.id,
          pipeline: request.pipeline.name,
          workspace: request.workspace,
          attempt: request.attempt,
          trigger: request.trigger,
          actor: request.actor,
        },
        inputs: inputs.map((input) => ({ dataset: input.dataset, version: input.snapshot.version })),
        engine: createOperatorEngine(session, inputs),
        output: output?.output,
        state: committed.state,
        setState: (value) => {
          if (partition !== undefined) {
            throw new InputError(`${where} computes partition ${partition.key}: a partition run keeps no state`, {
              code: 'JOB_STATE_IN_PARTITION',
            });
          }
          state.set(value);
        },
        progress: (done, total) => request.progress?.(done, total),
        partition,
      };
      request.log.info(
        {
          job: job.id,
          operator: `${definition.type}@${definition.version}`,
          inputs: ctx.inputs,
          output: job.output,
          ...(partition === undefined ? {} : { partition: partition.key }),
        },
        'job started',
      );
      try {
        await quality?.beforeRun();
        const run = reprocess?.run ?? ((context: OperatorContext) => definition.run(context, config));
        const result = (await untilCancelled(() => run(ctx), signal, where)) ?? {};
        await output?.close();
        if (reprocess !== undefined) {
          await output?.commitDeferred();
          await reprocess.leaveQuarantine(request.actor);
        }
        throwIfCancelled(signal, where);
        const written = output?.result();
        const selfCommitted = written === undefined ? await quality?.afterSelfCommit() : undefined;
        await state.finish();
        const checked =
          output?.checks() ??
          (selfCommitted === undefined
            ? undefined
            : {
                outcomes: selfCommitted,
                rowsQuarantined: 0,
                rowsDropped: 0,
                held: selfCommitted.some((outcome) => outcome.status === 'gated'),
              });
        const after = written === undefined && table !== undefined ? await snapshotOrUndefined(table) : undefined;
        const deltaVersion = written?.version ?? after?.version;
        const outcome: JobRunResult = {
          status: 'succeeded',
          rowsRead: result.rowsRead ?? reprocess?.rows ?? (await inputRows(inputs, session)),
          rowsWritten: written?.rowsWritten ?? result.rowsWritten ?? 0,
          rowsUpdated: written?.rowsUpdated ?? result.rowsUpdated ?? 0,
          rowsDeleted: written?.rowsDeleted ?? result.rowsDeleted ?? 0,
          rowsQuarantined: (result.rowsQuarantined ?? 0) + (checked?.rowsQuarantined ?? 0),
          ...(deltaVersion === undefined ? {} : { deltaVersion }),
          skipped: written?.skipped ?? false,
          inputVersions: Object.fromEntries(inputs.map((input) => [input.dataset, input.snapshot.version])),
          metrics: { ...result.metrics, ...(checked === undefined ? {} : checkMetrics(checked)) },
          ...(checked === undefined ? {} : { checks: checked.outcomes, held: checked.held }),
          durationMs: Date.now() - started,
        };
        request.log.info({ job: job.id, ...outcome }, 'job succeeded');
        return outcome;
      } catch (error) {
        await output?.close();
        await quality
          ?.afterFailure()
          .catch((failure: unknown) =>
            options.logger.warn({ err: failure, job: job.id }, 'lifting the hold of a failed job failed'),
          );
        if (signal.aborted && !(error instanceof AssayError && /^JOB_(CANCELLED|TIMEOUT)$/.test(error.code))) {
          throw cancellationError(signal, where, error);
        }
        throw error;
      } finally {
        await session
          .close()
          .catch((error: unknown) =>
            options.logger.warn({ err: error, job: job.id }, 'closing the job session failed'),
          );
      }
    },
  };
}

/** Counts of the checks' outcomes for the run's metrics. */
function checkMetrics(checked: OutputChecks): Record<string, number> {
  const count = (status: string) => checked.outcomes.filter((outcome) => outcome.status === status).length;
  return {
    checksPassed: count('passed'),
    checksFailed: checked.outcomes.length - count('passed'),
    rowsDropped: checked.rowsDropped,
  };
}

/** Rows of the inputs at their pinned versions: from file statistics, counted only where a file has none. */
async function inputRows(inputs: readonly PinnedInput[], session: JobSession): Promise<number> {
  let total = 0;
  for (const input of inputs) {
    if (input.rows !== undefined) {
      total += input.rows;
      continue;
    }
    const open = await session.get();
    for await (const chunk of open.stream(`SELECT count(*) AS n FROM ${input.dataset}`)) {
      total += Number(chunk[0]?.n ?? 0);
    }
  }
  return total;
}

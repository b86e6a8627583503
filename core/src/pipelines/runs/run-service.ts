import { ConflictError, UserError, type EventBus, type Logger } from '@assay/sdk';
import type { Knex } from 'knex';
import type { CoreQueue } from '../../queue/queue-service.ts';
import type { LakeService } from '../../lake/lake-service.ts';
import { assertOutputsPartitioned } from '../backfill/backfill-outputs.ts';
import { planBackfill, type BackfillRange } from '../backfill/backfill-plan.ts';
import { previewBackfill, type BackfillPreview } from '../backfill/backfill-preview.ts';
import { partitionOfKey } from '../backfill/partition-range.ts';
import { planRun, splitIntoPartitions, type PlannedJob } from './run-plan.ts';
import { cachedVersions, type PipelineVersion, type PipelineVersionSource } from './pipeline-versions.ts';
import { createRunNotifications, type RunNotifications } from './run-notifications.ts';
import {
  ACTIVE_RUN_STATUSES,
  RESUMABLE_JOB_STATUSES,
  type JobLogLine,
  type RunBackfill,
  type RunRecord,
  type RunRow,
  type RunSelection,
  type RunTrigger,
  type RunWithJobs,
  type StoredSelection,
} from './run-records.ts';
import type { RunMetrics } from './run-metrics.ts';
import { createRunRuntime, SKIP_DISPATCH, type RunRuntime } from './run-runtime.ts';
import { cancelWaiting } from './run-dispatch.ts';
import { createRunStore, type LogPage, type RunListQuery } from './run-store.ts';
import { watchRun, type RunStreamEvent } from './run-stream.ts';

/** What starts a run. */
export interface StartRunRequest {
  readonly workspace: string;
  readonly pipeline: string;
  /** The current version when omitted. */
  readonly version?: number | undefined;
  readonly trigger: RunTrigger;
  /** What the trigger knows: the schedule tick, the upstream run, the new files. */
  readonly triggerDetails?: Record<string, unknown> | undefined;
  /**
   * Idempotency: a start with the key of a run the pipeline already has returns that run and starts nothing (a
   * schedule tick or an event delivered twice starts one run).
   */
  readonly triggerKey?: string | undefined;
  /** The user or service account the run acts for. */
  readonly actor?: string | undefined;
  /** A subset of the jobs; all of them when omitted. */
  readonly select?: RunSelection | undefined;
}

/** What starts a backfill: a run over the partitions of a range of days. */
export interface BackfillRequest extends BackfillRange {
  readonly workspace: string;
  readonly pipeline: string;
  /** The current version when omitted. */
  readonly version?: number | undefined;
  /** Needed when the backfill has more partitions than `backfillConfirmAbove`. */
  readonly confirm?: boolean | undefined;
  readonly actor?: string | undefined;
}

/** Pipeline runs: start, read, cancel, resume and watch them. Jobs are worked by {@link registerRunWorker}. */
export interface RunService {
  /** Starts listening for run changes (live streams, cancellation). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Records a run of the pipeline version (409 `RUN_ALREADY_ACTIVE` while another run of the pipeline is active,
   * unless `spec.concurrency.allowOverlap`) and queues its first jobs.
   */
  startRun(request: StartRunRequest): Promise<RunWithJobs>;
  /** What a backfill would run and read (see `previewBackfill`), against the pipeline version it would run. */
  previewBackfill(request: BackfillRequest): Promise<BackfillPreview>;
  /**
   * Starts a backfill run (trigger `backfill`), one job run per partition: 409 `BACKFILL_CONFIRMATION_REQUIRED`
   * above `backfillConfirmAbove` partitions without `confirm`, 400 for what `planBackfill` and
   * `assertOutputsPartitioned` refuse, and what `startRun` refuses.
   */
  startBackfill(request: BackfillRequest): Promise<RunWithJobs>;
  get(workspace: string, id: string): Promise<RunWithJobs>;
  list(workspace: string, query: RunListQuery): Promise<{ items: RunRecord[]; nextCursor: string | null }>;
  logs(
    workspace: string,
    runId: string,
    jobId: string,
    page: LogPage,
  ): Promise<{ items: JobLogLine[]; nextCursor: string | null }>;
  /**
   * Cancels a run: waiting jobs at once, running ones by interrupting them (the run is `cancelling` until they
   * stopped). Cancelling a cancelling run changes nothing; a finished run is 409 `RUN_FINISHED`.
   */
  cancel(workspace: string, id: string): Promise<RunWithJobs>;
  /**
   * A new run of the same version with the job runs that did not succeed (failed, cancelled, upstream failed): for
   * a backfill, only those partitions. 409 `RUN_NOT_RESUMABLE` for a run still active or one that succeeded.
   */
  resume(
    workspace: string,
    id: string,
    options: { actor?: string | undefined; trigger?: RunTrigger | undefined },
  ): Promise<RunWithJobs>;
  /**
   * Calls `onEvent` with the run's state (a `run` event, then a `job` event per job) and every change after it,
   * until the run finishes (an `end` event) or `signal` aborts. Works whichever process runs the jobs.
   */
  watch(workspace: string, id: string, onEvent: (event: RunStreamEvent) => void, signal?: AbortSignal): Promise<void>;
  /** Moves a run on (idempotent; for tests and repairs). */
  dispatch(runId: string): Promise<void>;
  /** What {@link registerRunWorker} works with. */
  readonly runtime: RunRuntime;
  /** A backfill with more partitions than this needs `confirm`. */
  readonly backfillConfirmAbove: number;
}

/** What {@link createRunService} is built from. */
export interface RunServiceOptions {
  readonly db: Knex;
  readonly queue: CoreQueue;
  /** For the LISTEN connection of run changes. */
  readonly connectionString: string;
  readonly pipelines: PipelineVersionSource;
  /** The installed operators (the plugin registry's `operator`): a run of a missing one is refused. */
  readonly operators: (type: string, version?: number) => { readonly version: number } | undefined;
  /** Where `run.finished` and `job.finished` go; none in tests that do not care. */
  readonly events?: Pick<EventBus, 'publish'> | undefined;
  readonly logger: Logger;
  /** `pipelines.maxParallelJobsPerWorkspace`. */
  readonly maxParallelJobsPerWorkspace: number;
  /** Tests pass their own. */
  readonly notifications?: RunNotifications;
  /** Counts finished runs and job runs (`createRunMetrics`); nothing is counted without. */
  readonly metrics?: RunMetrics | undefined;
  /** Where backfills look at outputs and input statistics. */
  readonly lake: LakeService;
  /** `pipelines.backfillConfirmAbove`: more partitions than this need `confirm` (default 60). */
  readonly backfillConfirmAbove?: number | undefined;
}

const DEFAULT_CONFIRM_ABOVE = 60;

/** The run service. */
export function createRunService(options: RunServiceOptions): RunService {
  const { db } = options;
  const logger = options.logger.child({ component: 'runs' });
  const notifications =
    options.notifications ?? createRunNotifications({ connectionString: options.connectionString, logger });
  const runtime = createRunRuntime({
    db,
    queue: options.queue,
    versions: cachedVersions(options.pipelines),
    notifications,
    events: options.events,
    logger,
    maxParallelJobsPerWorkspace: options.maxParallelJobsPerWorkspace,
    metrics: options.metrics,
  });
  const store = createRunStore(db);

  const operatorVersions = (planned: readonly PlannedJob[]) =>
    planned.map(({ spec }) => {
      const entry = options.operators(spec.operator, spec.version);
      if (entry === undefined) {
        const wanted = spec.version === undefined ? `"${spec.operator}"` : `"${spec.operator}" version ${spec.version}`;
        throw new UserError(
          `Job "${spec.id}" uses operator ${wanted}, which no installed plugin provides: install it or change the job`,
          { code: 'OPERATOR_NOT_FOUND', details: { job: spec.id, operator: spec.operator, version: spec.version } },
        );
      }
      return entry.version;
    });

  const insertRun = async (
    version: PipelineVersion,
    planned: readonly PlannedJob[],
    request: Omit<StartRunRequest, 'pipeline' | 'version' | 'select'> & {
      selection: StoredSelection | null;
      resumedFrom?: string;
      backfill?: RunBackfill;
    },
  ): Promise<string> => {
    const operatorVersion = operatorVersions(planned);
    const { value: runId, existed } = await db.transaction(async (trx) => {
      // Serializes the starts of one pipeline: the overlap check and the next sequence cannot race.
      const pipeline = await trx('core_pipelines').where({ id: version.pipelineId }).forUpdate().first('id');
      if (pipeline === undefined) {
        throw new ConflictError(`Pipeline "${version.name}" was deleted while the run was being started`, {
          code: 'PIPELINE_NOT_FOUND',
        });
      }
      if (request.triggerKey !== undefined) {
        const existing = await trx<RunRow>('core_pipeline_runs')
          .where({ pipeline_id: version.pipelineId, trigger_key: request.triggerKey })
          .first('id');
        if (existing !== undefined) return { value: existing.id, existed: true };
      }
      if (version.document.spec.concurrency?.allowOverlap !== true) {
        const active = await trx<RunRow>('core_pipeline_runs')
          .where({ pipeline_id: version.pipelineId })
          .whereIn('status', ACTIVE_RUN_STATUSES)
          .orderBy('created_at')
          .first('id', 'status', 'sequence');
        if (active !== undefined) {
          throw new ConflictError(
            `Pipeline "${version.name}" already has an active run (${active.id}, ${active.status}): wait for it, ` +
              'cancel it, or set spec.concurrency.allowOverlap',
            { code: 'RUN_ALREADY_ACTIVE', details: { pipeline: version.name, activeRun: active.id } },
          );
        }
      }
      const [{ next }] = (await trx('core_pipeline_runs')
        .where({ pipeline_id: version.pipelineId })
        .select(trx.raw('coalesce(max(sequence), 0) + 1 as next'))) as [{ next: string }];
      const [run] = await trx<RunRow>('core_pipeline_runs')
        .insert({
          workspace: request.workspace,
          pipeline_id: version.pipelineId,
          pipeline_name: version.name,
          pipeline_version: version.version,
          sequence: next,
          status: 'queued',
          trigger: request.trigger,
          trigger_key: request.triggerKey ?? null,
          trigger_details: (request.triggerDetails === undefined
            ? null
            : JSON.stringify(request.triggerDetails)) as never,
          actor: request.actor ?? null,
          selection: (request.selection === null ? null : JSON.stringify(request.selection)) as never,
          resumed_from: request.resumedFrom ?? null,
          backfill: (request.backfill === undefined ? null : JSON.stringify(request.backfill)) as never,
        })
        .returning('*');
      await trx('core_job_runs').insert(
        planned.map((job, index) => ({
          run_id: run!.id,
          workspace: request.workspace,
          pipeline_id: version.pipelineId,
          job_id: job.id,
          partition_key: job.partition?.key ?? null,
          position: job.position,
          upstream: JSON.stringify(job.upstream),
          operator: job.spec.operator,
          operator_version: operatorVersion[index],
        })),
      );
      return { value: run!.id, existed: false };
    });
    if (existed) return runId;
    // The run is recorded either way: a dispatch that fails now (the queue is stopping) is the sweeper's to redo.
    await runtime
      .moveOn(runId, async () => undefined)
      .catch((error: unknown) => {
        logger.warn({ err: error, runId }, 'the new run could not be dispatched yet; the sweeper will');
      });
    return runId;
  };

  const backfillOf = async (request: BackfillRequest) => {
    const version = await options.pipelines.get(request.workspace, request.pipeline, request.version);
    return { version, plan: planBackfill(version.document.spec, request) };
  };

  const service: RunService = {
    runtime,
    backfillConfirmAbove: options.backfillConfirmAbove ?? DEFAULT_CONFIRM_ABOVE,
    start: () => notifications.start(),
    stop: () => notifications.stop(),
    async startRun(request) {
      const version = await options.pipelines.get(request.workspace, request.pipeline, request.version);
      const planned = planRun(version.document.spec, { select: request.select });
      const runId = await insertRun(version, planned, { ...request, selection: request.select ?? null });
      logger.info({ runId, pipeline: version.name, version: version.version, jobs: planned.length }, 'run started');
      return store.get(request.workspace, runId);
    },
    async previewBackfill(request) {
      const { version, plan } = await backfillOf(request);
      return previewBackfill({
        lake: options.lake,
        workspace: request.workspace,
        version: version.version,
        range: request,
        plan,
        confirmAbove: service.backfillConfirmAbove,
      });
    },
    async startBackfill(request) {
      const { version, plan } = await backfillOf(request);
      await assertOutputsPartitioned(options.lake, request.workspace, plan);
      const confirmAbove = service.backfillConfirmAbove;
      if (plan.partitions > confirmAbove && request.confirm !== true) {
        throw new ConflictError(
          `The backfill of ${version.name} from ${request.from} to ${request.to} has ${plan.partitions} partitions, ` +
            `more than ${confirmAbove}: preview it, then confirm to start it`,
          {
            code: 'BACKFILL_CONFIRMATION_REQUIRED',
            details: { partitions: plan.partitions, confirmAbove },
          },
        );
      }
      const backfill = { from: request.from, to: request.to, partitions: plan.partitions };
      const runId = await insertRun(version, plan.tasks, {
        workspace: request.workspace,
        trigger: 'backfill',
        triggerDetails: { ...backfill, ...(request.select === undefined ? {} : { select: request.select }) },
        actor: request.actor,
        selection: request.select ?? null,
        backfill,
      });
      logger.info({ runId, pipeline: version.name, ...backfill, tasks: plan.tasks.length }, 'backfill started');
      return store.get(request.workspace, runId);
    },
    get: (workspace, id) => store.get(workspace, id),
    list: (workspace, query) => store.list(workspace, query),
    logs: (workspace, runId, jobId, page) => store.logs(workspace, runId, jobId, page),
    async cancel(workspace, id) {
      const run = await store.row(workspace, id);
      await runtime.moveOn(run.id, async (trx, locked) => {
        if (locked.status === 'cancelling') return SKIP_DISPATCH;
        if (locked.status !== 'queued' && locked.status !== 'running') {
          throw new ConflictError(`Run ${id} has already finished (${locked.status}): there is nothing to cancel`, {
            code: 'RUN_FINISHED',
            details: { run: id, status: locked.status },
          });
        }
        await trx('core_pipeline_runs').where({ id: run.id }).update({ status: 'cancelling' });
        await cancelWaiting(trx, run.id);
        return undefined;
      });
      logger.info({ runId: id }, 'run cancel requested');
      return store.get(workspace, id);
    },
    async resume(workspace, id, resumeOptions) {
      const source = await store.get(workspace, id);
      const repeated = source.jobs.filter((job) => RESUMABLE_JOB_STATUSES.includes(job.status));
      const jobs = [...new Set(repeated.map((job) => job.jobId))];
      if (ACTIVE_RUN_STATUSES.includes(source.status) || jobs.length === 0) {
        throw new ConflictError(
          ACTIVE_RUN_STATUSES.includes(source.status)
            ? `Run ${id} is still ${source.status}: resume it once it has finished`
            : `Run ${id} has no failed or cancelled jobs to resume`,
          { code: 'RUN_NOT_RESUMABLE', details: { run: id, status: source.status } },
        );
      }
      const version = await options.pipelines.get(workspace, source.pipeline, source.version);
      // A backfill resumes only its partitions that did not succeed.
      const planned = splitIntoPartitions(planRun(version.document.spec, { jobs }), (job) => {
        const keys = repeated.filter((task) => task.jobId === job.id && task.partition !== null);
        if (keys.length === 0) return undefined;
        return keys.map((task) => partitionOfKey(job.spec.partitions?.grain ?? 'day', task.partition!));
      });
      const partitions = planned.filter((task) => task.partition !== undefined).length;
      const runId = await insertRun(version, planned, {
        workspace,
        // A backfill resumes as a backfill, a reprocess as a reprocess of the same quarantined rows.
        trigger:
          source.backfill !== null
            ? 'backfill'
            : source.trigger === 'reprocess'
              ? 'reprocess'
              : (resumeOptions.trigger ?? 'manual'),
        ...(source.trigger === 'reprocess' && source.triggerDetails !== null
          ? { triggerDetails: source.triggerDetails }
          : {}),
        actor: resumeOptions.actor,
        selection: { resumeOf: id, jobs: planned.map((job) => job.key) },
        resumedFrom: id,
        ...(source.backfill === null ? {} : { backfill: { ...source.backfill, partitions } }),
      });
      logger.info({ runId, resumedFrom: id, jobs: planned.length }, 'run resumed');
      return store.get(workspace, runId);
    },
    async watch(workspace, id, onEvent, signal) {
      const run = await store.row(workspace, id);
      await watchRun({ store, notifications, workspace, runId: run.id, onEvent, signal });
    },
    async dispatch(runId) {
      await runtime.moveOn(runId, async () => undefined);
    },
  };
  return service;
}

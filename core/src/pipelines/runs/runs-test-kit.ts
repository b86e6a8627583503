// Test kit of pipeline runs: a fresh database, "processes" (each its own queue, event bus, run service and worker,
// as `assay serve` and `assay worker` have them) and a test operator whose jobs sleep, log, fail and wait on gates.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  defineOperator,
  OperationalError,
  Type,
  UserError,
  type Logger,
  type CheckDefinition,
  type OperatorDefinition,
  type Static,
} from '@assay/sdk';
import type { Knex } from 'knex';
import { Registry } from 'prom-client';
import { loadConfig } from '../../config/load-config.ts';
import { createDatabase } from '../../database/database.ts';
import { runMigrations } from '../../database/migrations.ts';
import { createEventBus, type CoreEventBus } from '../../events/event-bus.ts';
import { createLakeService } from '../../lake/lake-service.ts';
import { createQueueService, type CoreQueue } from '../../queue/queue-service.ts';
import { testLogger, waitUntil } from '../../queue/queue-test-kit.ts';
import { createTestDatabase, type TestDatabase } from '../../testing/test-database.ts';
import type { JobSpec, PipelineDocument, PipelineSpec } from '../document/pipeline-document.ts';
import { createJobExecutor, type JobExecutor } from '../execution/job-executor.ts';
import { createPipelineStore, type PipelineStore } from '../store/pipeline-store.ts';
import { pipelineVersionsOf } from './pipeline-versions.ts';
import { createRunMetrics } from './run-metrics.ts';
import type { RunStatus, RunWithJobs } from './run-records.ts';
import { createRunService, type RunService } from './run-service.ts';
import { registerRunWorker, type RunWorker, type RunWorkerOptions } from './run-worker.ts';

/** One attempt of a test job, as the test operator saw it. */
export interface Execution {
  readonly runId: string;
  readonly jobId: string;
  readonly attempt: number;
  readonly startedAt: number;
  endedAt?: number;
  outcome?: 'succeeded' | 'failed' | 'aborted';
}

/** What the test operator did, and gates that hold jobs until the test opens them. */
export class ExecutionRecorder {
  readonly executions: Execution[] = [];
  readonly #gates = new Map<string, { open: boolean; waiters: Array<() => void> }>();

  /** Lets every job waiting on `name` go on (and every later one pass straight through). */
  open(name: string): void {
    const gate = this.#gate(name);
    gate.open = true;
    for (const waiter of gate.waiters.splice(0)) waiter();
  }

  async pass(name: string, signal: AbortSignal): Promise<void> {
    const gate = this.#gate(name);
    if (gate.open) return;
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(signal.reason as Error);
      gate.waiters.push(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  of(jobId: string, runId?: string): Execution[] {
    return this.executions.filter((e) => e.jobId === jobId && (runId === undefined || e.runId === runId));
  }

  /** The most attempts that ran at the same time (of one run, when given). */
  maxConcurrent(runId?: string): number {
    const points = this.executions
      .filter((e) => runId === undefined || e.runId === runId)
      .flatMap((e) => [
        [e.startedAt, 1],
        [e.endedAt ?? Number.POSITIVE_INFINITY, -1],
      ])
      .sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
    let now = 0;
    let max = 0;
    for (const [, delta] of points) max = Math.max(max, (now += delta!));
    return max;
  }

  #gate(name: string) {
    let gate = this.#gates.get(name);
    if (gate === undefined) this.#gates.set(name, (gate = { open: false, waiters: [] }));
    return gate;
  }
}

const StepConfig = Type.Object({
  ms: Type.Integer({ minimum: 0, default: 0, description: 'sleep this long (in 20 ms steps, reporting progress)' }),
  lines: Type.Integer({ minimum: 0, default: 0, description: 'log this many lines first' }),
  gate: Type.Optional(Type.String({ description: 'wait until the test opens this gate' })),
  failTimes: Type.Integer({ minimum: 0, default: 0, description: 'fail the first n attempts' }),
  failClass: Type.Union([Type.Literal('user'), Type.Literal('operational'), Type.Literal('unexpected')], {
    default: 'operational',
  }),
  code: Type.String({ default: 'TEST_FAILURE' }),
  write: Type.Boolean({ default: false, description: "append one row to the job's output first" }),
  hangAttempts: Type.Integer({ minimum: 0, default: 0, description: 'hang until aborted in the first n attempts' }),
});

/**
 * `test-step`: logs, appends a row to its output, hangs, waits on a gate, sleeps, and fails its first `failTimes`
 * attempts, as its config says.
 */
export function testStepOperator(recorder: ExecutionRecorder): OperatorDefinition {
  return defineOperator({
    type: 'test-step',
    version: 1,
    title: 'Test step',
    category: 'utility',
    config: StepConfig,
    async run(ctx, config) {
      const execution: Execution = {
        runId: ctx.run.runId,
        jobId: ctx.run.jobId,
        attempt: ctx.run.attempt,
        startedAt: performance.now(),
      };
      recorder.executions.push(execution);
      try {
        for (let line = 1; line <= config.lines; line++) ctx.log.info({ line }, `line ${line} of ${ctx.run.jobId}`);
        if (config.write) {
          const written = await ctx.output!.write({
            sql: `SELECT 42 AS answer, '${ctx.run.runId}' AS run`,
            mode: 'append',
          });
          ctx.log.info({ version: written.version, skipped: written.skipped }, 'wrote one row');
        }
        if (ctx.run.attempt <= config.hangAttempts) {
          await new Promise((_resolve, reject) =>
            ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error)),
          );
        }
        if (config.gate !== undefined) await recorder.pass(config.gate, ctx.signal);
        const steps = Math.ceil(config.ms / 20);
        for (let step = 1; step <= steps; step++) {
          await sleep(20, undefined, { signal: ctx.signal });
          ctx.progress(step, steps);
        }
        if (ctx.run.attempt <= config.failTimes) {
          const message = `attempt ${ctx.run.attempt} of ${ctx.run.jobId} fails on purpose`;
          if (config.failClass === 'user') throw new UserError(message, { code: config.code });
          if (config.failClass === 'operational') throw new OperationalError(message, { code: config.code });
          throw new Error(message);
        }
        execution.outcome = 'succeeded';
        return { rowsWritten: 1 };
      } catch (error) {
        execution.outcome = ctx.signal.aborted ? 'aborted' : 'failed';
        throw error;
      } finally {
        execution.endedAt = performance.now();
      }
    },
  });
}

/** A test job: a `test-step` unless `operator` says otherwise. */
export type TestJob = Partial<Omit<JobSpec, 'id'>> & { id: string; step?: Partial<Static<typeof StepConfig>> };

/** A pipeline document of test jobs. */
export function testPipeline(
  name: string,
  jobs: readonly TestJob[],
  spec: Partial<PipelineSpec> = {},
): PipelineDocument {
  return {
    apiVersion: 'assay.dev/v1',
    kind: 'Pipeline',
    metadata: { name },
    spec: {
      ...spec,
      jobs: jobs.map(({ step, ...job }) => ({
        operator: 'test-step',
        ...job,
        ...(step === undefined ? {} : { config: { ...job.config, ...step } }),
      })),
    },
  };
}

/** A process working runs: its own queue (which works jobs), event bus, run service and worker. */
export interface RunsProcess {
  readonly queue: CoreQueue;
  readonly events: CoreEventBus;
  readonly runs: RunService;
  readonly worker: RunWorker;
  readonly db: Knex;
  stop(): Promise<void>;
}

/** Options of a {@link RunsProcess}. */
export interface ProcessOptions extends Partial<Omit<RunWorkerOptions, 'runs' | 'executor' | 'operators' | 'checks'>> {
  readonly maxParallelJobsPerWorkspace?: number;
  readonly backfillConfirmAbove?: number;
  /** The operators the worker finds (default: the test operator). */
  readonly operators?: readonly OperatorDefinition[];
  /** The check types the worker finds (default none). */
  readonly checks?: readonly CheckDefinition[];
  /** Whether the queue works jobs (default true). */
  readonly works?: boolean;
}

export interface RunsKit {
  readonly workspace: string;
  readonly databaseUrl: string;
  readonly db: Knex;
  readonly home: string;
  readonly pipelines: PipelineStore;
  readonly recorder: ExecutionRecorder;
  /** The first process, started with the kit. */
  readonly main: RunsProcess;
  readonly logger: Logger;
  startProcess(options?: ProcessOptions): Promise<RunsProcess>;
  save(document: PipelineDocument): Promise<void>;
  /** Polls the run until its status is one of `statuses` (default: finished). */
  waitForRun(id: string, statuses?: readonly RunStatus[], timeoutMs?: number): Promise<RunWithJobs>;
  close(): Promise<void>;
}

/** Options of {@link startRunsKit}: those of its first process, and where the kit works. */
export interface RunsKitOptions extends ProcessOptions {
  readonly workspace?: string;
  /**
   * An empty database of the test's own (on a private server, say) instead of a fresh one on `TEST_DATABASE_URL`;
   * `close()` leaves it in place.
   */
  readonly databaseUrl?: string;
}

/**
 * Starts a kit with one process (started with `options`); `close()` stops every process and drops the database
 * (unless the test brought its own).
 */
export async function startRunsKit(options: RunsKitOptions = {}): Promise<RunsKit> {
  const database: TestDatabase =
    options.databaseUrl === undefined
      ? await createTestDatabase()
      : { url: options.databaseUrl, drop: () => Promise.resolve() };
  const home = await mkdtemp(join(tmpdir(), 'assay-runs-'));
  const logger = testLogger();
  const db = createDatabase(database.url, { min: 0, max: 6 }, logger);
  const processes: RunsProcess[] = [];
  const recorder = new ExecutionRecorder();
  const workspace = options.workspace ?? 'runs';
  const pipelines = createPipelineStore({ db });
  try {
    await runMigrations(db);
    const startProcess = async (processOptions: ProcessOptions = {}): Promise<RunsProcess> => {
      const process = await startRunsProcess({ databaseUrl: database.url, home, recorder, logger }, processOptions);
      processes.push(process);
      return process;
    };
    const main = await startProcess(options);
    return {
      workspace,
      databaseUrl: database.url,
      db,
      home,
      pipelines,
      recorder,
      main,
      logger,
      startProcess,
      async save(document) {
        await pipelines.save(workspace, document, { author: 'test' });
      },
      async waitForRun(id, statuses = ['succeeded', 'failed', 'cancelled'], timeoutMs = 20_000) {
        let run: RunWithJobs | undefined;
        await waitUntil(
          `run ${id} is ${statuses.join(' or ')}`,
          async () => statuses.includes((run = await main.runs.get(workspace, id)).status),
          timeoutMs,
        ).catch((error: Error) => {
          throw new Error(`${error.message}; last seen: ${JSON.stringify(run, null, 1)}`);
        });
        return run!;
      },
      async close() {
        for (const process of processes) await process.stop();
        await db.destroy();
        await database.drop();
        await rm(home, { recursive: true, force: true });
      },
    };
  } catch (error) {
    for (const process of processes) await process.stop().catch(() => undefined);
    await db.destroy();
    await database.drop();
    await rm(home, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Starts a process on an existing database (migrated): the kit's processes, and the child process a fault test
 * kills.
 */
export async function startRunsProcess(
  where: { databaseUrl: string; home: string; recorder: ExecutionRecorder; logger: Logger },
  merged: ProcessOptions = {},
): Promise<RunsProcess> {
  const { databaseUrl, home, recorder, logger } = where;
  const config = loadConfig({ env: {}, cwd: home, overrides: { home, databaseUrl } });
  const processDb = createDatabase(databaseUrl, { min: 0, max: 6 }, logger);
  const queue = createQueueService({
    connectionString: databaseUrl,
    logger,
    metrics: new Registry(),
    works: merged.works ?? true,
    backstopPollSeconds: 0.5,
  });
  await queue.start();
  const events = createEventBus({ queue, db: processDb, connectionString: databaseUrl, logger });
  await events.start();
  const definitions = merged.operators ?? [testStepOperator(recorder)];
  const operators = (type: string, version?: number) => {
    const matching = definitions.filter((d) => d.type === type && (version === undefined || d.version === version));
    const definition = matching.sort((a, b) => b.version - a.version)[0];
    return definition === undefined ? undefined : { pluginId: 'run-test', definition, version: definition.version };
  };
  const lake = createLakeService({ config, db: processDb });
  const runs = createRunService({
    db: processDb,
    lake,
    queue,
    connectionString: databaseUrl,
    pipelines: pipelineVersionsOf(createPipelineStore({ db: processDb })),
    operators,
    events,
    logger,
    maxParallelJobsPerWorkspace: merged.maxParallelJobsPerWorkspace ?? 8,
    backfillConfirmAbove: merged.backfillConfirmAbove,
    // Counted as in the platform, so every run test goes through the bookkeeping of finishes too.
    metrics: createRunMetrics(new Registry(), processDb, logger),
  });
  await runs.start();
  const executor: JobExecutor = createJobExecutor({
    lake,
    db: processDb,
    logger,
    events,
    engine: { scratchRoot: join(home, 'engine'), memoryLimit: '256MB', threads: 1 },
  });
  const worker = await registerRunWorker(queue, {
    runs,
    executor,
    operators,
    checks: (type) => {
      const definition = (merged.checks ?? []).find((check) => check.type === type);
      return definition === undefined ? undefined : { definition };
    },
    ...(merged.concurrency === undefined ? {} : { concurrency: merged.concurrency }),
    sweepIntervalMs: merged.sweepIntervalMs ?? 500,
    ...(merged.sweep === undefined ? {} : { sweep: merged.sweep }),
    ...(merged.staleSeconds === undefined ? {} : { staleSeconds: merged.staleSeconds }),
    heartbeatMs: merged.heartbeatMs ?? 500,
  });
  let stopping: Promise<void> | undefined;
  return {
    queue,
    events,
    runs,
    worker,
    db: processDb,
    stop: () =>
      (stopping ??= (async () => {
        await queue.stop({ graceful: false, timeoutMs: 0 });
        await worker.stop();
        await events.stop();
        await runs.stop();
        await processDb.destroy();
      })()),
  };
}

/** The statuses of a run's jobs by job id. */
export function jobStatuses(run: RunWithJobs): Record<string, string> {
  return Object.fromEntries(run.jobs.map((job) => [job.jobId, job.status]));
}

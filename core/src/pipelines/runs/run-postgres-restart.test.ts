import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { loadConfig } from '../../config/load-config.ts';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../database/embedded-postgres.ts';
import { createLakeService, type LakeService } from '../../lake/lake-service.ts';
import { waitUntil } from '../../queue/queue-test-kit.ts';
import { notifyRun } from './run-notifications.ts';
import { FINISHED_RUN_STATUSES, type RunWithJobs } from './run-records.ts';
import { jobStatuses, startRunsKit, testPipeline, type RunsKit, type TestJob } from './runs-test-kit.ts';

// Fault tests on a private PostgreSQL server, so stopping it disturbs no other test file: one process works the
// runs, with its sweeper, and the server is shut down immediately (as a crash would) mid-run and started again on
// the same data directory and port.
let scratch: string;
let dataDir: string;
let server: EmbeddedPostgresHandle;
let port: number;
let kit: RunsKit;
let lake: LakeService;
// An unhandled rejection or exception anywhere in the process, e.g. a pool's `error` event nobody listens to.
const crashes: unknown[] = [];
const onCrash = (error: unknown) => void crashes.push(error);

before(async () => {
  process.on('unhandledRejection', onCrash);
  process.on('uncaughtException', onCrash);
  scratch = await mkdtemp(join(tmpdir(), 'assay-pg-restart-'));
  // As root, PostgreSQL runs as the `postgres` user, which must reach its data directory inside.
  await chmod(scratch, 0o755);
  dataDir = join(scratch, 'pg');
  server = await startEmbeddedPostgres({ dataDir });
  port = Number(new URL(server.url).port);
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query('create database assay');
  await admin.end();
  const url = new URL(server.url);
  url.pathname = '/assay';
  kit = await startRunsKit({
    databaseUrl: url.toString(),
    workspace: 'restart',
    sweepIntervalMs: 300,
    heartbeatMs: 300,
    staleSeconds: 8,
  });
  lake = createLakeService({
    config: loadConfig({ env: {}, cwd: kit.home, overrides: { home: kit.home, databaseUrl: kit.databaseUrl } }),
    db: kit.db,
  });
});

after(async () => {
  await kit?.close();
  await server?.stop();
  await rm(scratch, { recursive: true, force: true });
  process.off('unhandledRejection', onCrash);
  process.off('uncaughtException', onCrash);
});

/** Stops the server at once, keeps it away for `downMs`, and starts it again where it was. */
async function restartPostgres(downMs: number): Promise<void> {
  await server.stop({ immediate: true });
  await sleep(downMs);
  server = await startEmbeddedPostgres({ dataDir, port });
}

/** Polls the run through the errors of the restart until it finished; fails after `timeoutMs`. */
async function finishedRun(id: string, timeoutMs: number): Promise<RunWithJobs> {
  let run: RunWithJobs | undefined;
  await waitUntil(
    `run ${id} finishes`,
    async () => {
      run = await kit.main.runs.get(kit.workspace, id).catch(() => run);
      return run !== undefined && FINISHED_RUN_STATUSES.includes(run.status);
    },
    timeoutMs,
  ).catch((error: Error) => {
    throw new Error(`${error.message}; last seen: ${JSON.stringify(run && jobStatuses(run))}`);
  });
  return run!;
}

/**
 * The run succeeded, or failed cleanly (its failed jobs name operational errors) and its resume succeeds. Returns
 * the runs that ran the pipeline's jobs.
 */
async function settled(run: RunWithJobs): Promise<string[]> {
  if (run.status === 'succeeded') return [run.id];
  assert.equal(run.status, 'failed', `run ${run.id} ended ${run.status}`);
  const failed = run.jobs.filter((job) => job.status === 'failed');
  assert.ok(failed.length > 0, 'a failed job says why the run failed');
  for (const job of failed) assert.equal(job.error?.errorClass, 'operational', JSON.stringify(job.error));
  const resumed = await kit.main.runs.resume(kit.workspace, run.id, {});
  const rerun = await finishedRun(resumed.id, 20_000);
  assert.equal(rerun.status, 'succeeded', `the resume of ${run.id}: ${JSON.stringify(jobStatuses(rerun))}`);
  return [run.id, rerun.id];
}

/** Each job wrote its one row once: one commit of one row in its output, whatever ran twice. */
async function assertWrittenOnce(jobs: readonly TestJob[]): Promise<void> {
  for (const job of jobs) {
    const snapshot = await lake.table(kit.workspace, job.output!).snapshot();
    const rows = snapshot.files.reduce((sum, file) => sum + (file.stats?.numRecords ?? 0), 0);
    assert.deepEqual({ version: snapshot.version, rows }, { version: 0, rows: 1 }, `${job.id} wrote once`);
  }
}

/** Each job of the runs succeeded in exactly one attempt: nothing was run again. */
function assertRanOnce(jobs: readonly TestJob[], runIds: readonly string[]): void {
  const executions = kit.recorder.executions.filter((execution) => runIds.includes(execution.runId));
  for (const job of jobs) {
    const of = executions.filter((execution) => execution.jobId === job.id).map((execution) => execution.outcome);
    assert.deepEqual(of, ['succeeded'], `${job.id} ran once (in the run and its resume, if any)`);
  }
}

/** A pipeline of four writing jobs: `first`, then `slow` (the one the restart hits) beside `side`, then `last`. */
function restartedPipeline(name: string, slow: NonNullable<TestJob['step']>, slowJob: Partial<TestJob> = {}) {
  const jobs: TestJob[] = [
    { id: 'first', output: `bronze.${name}_first`, step: { write: true } },
    { id: 'slow', dependsOn: ['first'], output: `bronze.${name}_slow`, ...slowJob, step: { write: true, ...slow } },
    { id: 'side', dependsOn: ['first'], output: `bronze.${name}_side`, step: { write: true } },
    { id: 'last', dependsOn: ['slow', 'side'], output: `bronze.${name}_last`, step: { write: true } },
  ];
  return { jobs, document: testPipeline(name, jobs) };
}

async function startRun(pipeline: string): Promise<RunWithJobs> {
  return kit.main.runs.startRun({ workspace: kit.workspace, pipeline, trigger: 'api' });
}

describe('pipeline runs: PostgreSQL restarts during a run', () => {
  test('a job running through a short restart goes on and finishes; run changes are heard again', async () => {
    const { jobs, document } = restartedPipeline('short', { ms: 4000 });
    await kit.save(document);
    const run = await startRun('short');
    await waitUntil('slow runs', () => kit.recorder.of('slow', run.id).length === 1);
    await sleep(200);

    await restartPostgres(1500);
    assert.equal(kit.recorder.of('slow', run.id)[0]!.outcome, undefined, 'slow still runs after the restart');
    // The LISTEN connection of run changes (cancels, live streams) reconnects by itself.
    let heard = 0;
    const unsubscribe = kit.main.runs.runtime.notifications.subscribe(run.id, () => heard++);
    try {
      await waitUntil(
        'a run change is heard after the restart',
        async () => {
          await notifyRun(kit.db, run.id).catch(() => undefined);
          return heard > 0;
        },
        15_000,
      );
    } finally {
      unsubscribe();
    }

    const finished = await finishedRun(run.id, 20_000);
    assert.equal(finished.status, 'succeeded', JSON.stringify(jobStatuses(finished)));
    assert.equal(finished.jobs.find((job) => job.jobId === 'slow')!.attempt, 1, 'slow was not taken over');
    assertRanOnce(jobs, [run.id]);
    await assertWrittenOnce(jobs);
    assert.deepEqual(crashes, []);
  });

  test('a job that ends while the server is down records its outcome once it is back; nothing runs twice', async () => {
    // No retries: an outcome lost to the outage would fail the run (JOB_WORKER_LOST), and its resume would write
    // the job's row a second time.
    const { jobs, document } = restartedPipeline('long', { ms: 1000 }, { retries: 0 });
    await kit.save(document);
    const run = await startRun('long');
    await waitUntil('slow runs', () => kit.recorder.of('slow', run.id).length === 1);
    await sleep(200);

    // Longer than a job's bookkeeping retried before it waited out an unreachable database.
    await restartPostgres(6000);
    assert.equal(kit.recorder.of('slow', run.id)[0]!.outcome, 'succeeded', 'slow ended while the server was down');

    const runIds = await settled(await finishedRun(run.id, 30_000));
    assertRanOnce(jobs, runIds);
    await assertWrittenOnce(jobs);
    assert.deepEqual(crashes, []);
  });
});

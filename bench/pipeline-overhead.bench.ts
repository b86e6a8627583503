// Orchestration overhead per pipeline job: no-op jobs run through the real platform as `assay serve` has it (the
// run service, the `core.pipeline-job` queue, claims, heartbeats, the executor, outcomes and dispatch in one
// transaction), on a chain of CHAIN_JOBS jobs and on a fan-out/fan-in DAG of FAN_JOBS jobs (one root, FAN_JOBS - 2
// parallel jobs, one sink). Timings come from the run tables (`core_job_runs.started_at/finished_at`). The baseline
// is the floor of one hop: the raw pg-boss send → handler round trip (LISTEN/NOTIFY on, one job per fetch, as
// pipeline jobs are fetched) of a chain of as many hops, and for the wall time per job of the DAG the same number
// of raw pg-boss jobs kept as many at a time in flight, both measured in the same run.
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineOperator, definePlugin, Type } from '@assay/sdk';
import { createTestDatabase } from '@assay/core/test-database';
import { PgBoss } from 'pg-boss';
import { pino } from 'pino';
import { loadConfig } from '../core/src/config/load-config.ts';
import { startPlatform, type Platform } from '../core/src/platform/platform.ts';
import { printFigure } from './bench-figure.ts';

const CHAIN_JOBS = Number(process.env.BENCH_CHAIN_JOBS ?? 200);
const FAN_JOBS = Number(process.env.BENCH_FAN_JOBS ?? 1000);
/**
 * Job slots: the workspace limit and this process's worker concurrency (the product defaults are 8 and 4). One per
 * core by default: no-op jobs make the run's bookkeeping the whole load, and more slots than cores only queue the
 * same work behind the run's lock (on 2 cores, 8 slots measured a p50 start gap of ~135 ms for the same wall time).
 */
const SLOTS = Number(process.env.BENCH_JOB_SLOTS ?? availableParallelism());
const WORKSPACE = 'bench';
const RUN_TIMEOUT_MS = 150_000;
const bench = 'pipeline-overhead';

const noop = defineOperator({
  type: 'noop',
  version: 1,
  title: 'No-op',
  category: 'utility',
  config: Type.Object({}),
  inputs: { min: 0, max: 0 },
  output: 'none',
  run: async () => ({}),
});
const noopPlugin = definePlugin({ id: 'bench-noop', platform: '^0.1.0', operators: [noop] });

interface JobTiming {
  readonly jobId: string;
  readonly upstream: string[];
  readonly startedAt: number;
  readonly finishedAt: number;
}

function pipeline(name: string, jobs: Array<{ id: string; dependsOn?: string[] }>) {
  return {
    apiVersion: 'assay.dev/v1',
    kind: 'Pipeline',
    metadata: { name },
    spec: { jobs: jobs.map((job) => ({ ...job, operator: 'noop' })) },
  };
}

/** Runs the pipeline once and returns its jobs' timings from the run tables, and the run's wall time. */
async function runOnce(platform: Platform, name: string): Promise<{ jobs: JobTiming[]; wallMs: number }> {
  const run = await platform.runs.startRun({ workspace: WORKSPACE, pipeline: name, trigger: 'api', actor: 'bench' });
  const deadline = Date.now() + RUN_TIMEOUT_MS;
  for (;;) {
    const row = (await platform.db('core_pipeline_runs').where({ id: run.id }).first()) as {
      status: string;
      created_at: Date;
      finished_at: Date | null;
    };
    if (row.status === 'succeeded') {
      const rows = (await platform
        .db('core_job_runs')
        .where({ run_id: run.id })
        .select('job_id', 'upstream', 'started_at', 'finished_at', 'status')) as Array<{
        job_id: string;
        upstream: string[];
        started_at: Date;
        finished_at: Date;
        status: string;
      }>;
      return {
        wallMs: row.finished_at!.getTime() - row.created_at.getTime(),
        jobs: rows.map((r) => ({
          jobId: r.job_id,
          upstream: r.upstream,
          startedAt: r.started_at.getTime(),
          finishedAt: r.finished_at.getTime(),
        })),
      };
    }
    if (row.status === 'failed' || row.status === 'cancelled') throw new Error(`run ${run.id} ${row.status}`);
    if (Date.now() > deadline) throw new Error(`run ${run.id} still ${row.status} after ${RUN_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Per job: its start minus the moment it could have started — its last upstream job finished and, with every slot
 * taken, a slot came free (slots handed out first freed, first taken). Jobs without upstream are left out.
 */
function startGaps(jobs: readonly JobTiming[], slots: number): number[] {
  const byId = new Map(jobs.map((job) => [job.jobId, job]));
  const events = jobs
    .flatMap((job) => [
      { at: job.startedAt, kind: 1, job },
      { at: job.finishedAt, kind: 0, job },
    ])
    // Finishes before starts at the same millisecond: the slot is free before it is taken again.
    .sort((a, b) => a.at - b.at || a.kind - b.kind);
  const free: number[] = Array.from({ length: slots }, () => Number.NEGATIVE_INFINITY);
  const gaps: number[] = [];
  for (const event of events) {
    if (event.kind === 0) {
      free.push(event.at);
      continue;
    }
    const slotFreeAt = free.shift() ?? event.at;
    if (event.job.upstream.length === 0) continue;
    const ready = Math.max(slotFreeAt, ...event.job.upstream.map((id) => byId.get(id)!.finishedAt));
    gaps.push(event.at - ready);
  }
  return gaps.sort((a, b) => a - b);
}

/** Nearest-rank percentile of ascending `sorted`. */
function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

/** Runs `work` against a raw pg-boss (LISTEN/NOTIFY on, as core's queue has it) on a database of its own. */
async function withRawPgBoss<T>(work: (boss: PgBoss) => Promise<T>): Promise<T> {
  const database = await createTestDatabase();
  const boss = new PgBoss({ connectionString: database.url, useListenNotify: true });
  boss.on('error', (error) => console.error('baseline pg-boss error', error));
  let timer: NodeJS.Timeout | undefined;
  try {
    await boss.start();
    const timedOut = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`a raw pg-boss round took over ${RUN_TIMEOUT_MS} ms`)), RUN_TIMEOUT_MS);
    });
    return await Promise.race([work(boss), timedOut]);
  } finally {
    clearTimeout(timer);
    await boss.stop({ graceful: false, timeout: 5000 });
    await database.drop();
  }
}

/** The floor of a chain: `hops` jobs, each handler sending the next; the send → start time of each. */
function rawChain(hops: number): Promise<number[]> {
  return withRawPgBoss(async (boss) => {
    await boss.createQueue('bench.hop', { notify: true });
    const latencies: number[] = [];
    const { promise: finished, resolve: done } = Promise.withResolvers<void>();
    await boss.work<{ sentAt: number; hop: number }>('bench.hop', { batchSize: 1 }, async ([job]) => {
      latencies.push(performance.now() - job!.data.sentAt);
      if (job!.data.hop + 1 >= hops) return done();
      await boss.send('bench.hop', { sentAt: performance.now(), hop: job!.data.hop + 1 });
    });
    await boss.send('bench.hop', { sentAt: performance.now(), hop: 0 });
    await finished;
    return latencies.sort((a, b) => a - b);
  });
}

/**
 * The floor of the fan-out/fan-in: a root job, `count - 2` jobs kept `slots` at a time in flight (a finished one
 * sends the next, as a run's dispatch does), then a sink; the wall time from the root's send to the sink's start.
 */
function rawFan(count: number, slots: number): Promise<number> {
  return withRawPgBoss(async (boss) => {
    await boss.createQueue('bench.fan', { notify: true });
    const middle = count - 2;
    let sent = 0;
    let finishedJobs = 0;
    const { promise: finished, resolve: done } = Promise.withResolvers<void>();
    const sendMiddle = () => boss.send('bench.fan', { kind: 'middle', n: sent++ });
    await boss.work<{ kind: string }>('bench.fan', { batchSize: 1, localConcurrency: slots }, async ([job]) => {
      if (job!.data.kind === 'sink') return done();
      if (job!.data.kind === 'root') {
        while (sent < Math.min(slots, middle)) await sendMiddle();
        return;
      }
      if (sent < middle) await sendMiddle();
      if (++finishedJobs === middle) await boss.send('bench.fan', { kind: 'sink' });
    });
    const begin = performance.now();
    await boss.send('bench.fan', { kind: 'root' });
    await finished;
    return performance.now() - begin;
  });
}

const database = await createTestDatabase();
const home = await mkdtemp(join(tmpdir(), 'assay-bench-overhead-'));
const config = loadConfig({
  env: {},
  cwd: home,
  overrides: {
    databaseUrl: database.url,
    home,
    logLevel: 'warn',
    pipelines: { maxParallelJobsPerWorkspace: SLOTS, workerConcurrency: SLOTS },
    shutdownTimeoutSeconds: 5,
  },
});
const platform = await startPlatform({
  config,
  role: 'worker',
  works: true,
  inlinePlugins: [noopPlugin],
  includeBuiltins: false,
  logger: pino({ level: 'warn' }, pino.destination(2)),
});

try {
  await platform.identity.workspaces.create({ slug: WORKSPACE });
  const chain = Array.from({ length: CHAIN_JOBS }, (_, i) => ({
    id: `step_${i}`,
    ...(i === 0 ? {} : { dependsOn: [`step_${i - 1}`] }),
  }));
  const middle = Array.from({ length: FAN_JOBS - 2 }, (_, i) => ({ id: `fan_${i}`, dependsOn: ['root'] }));
  const fan = [{ id: 'root' }, ...middle, { id: 'sink', dependsOn: middle.map((job) => job.id) }];
  for (const [name, jobs] of [
    ['warm-up', chain.slice(0, 10)],
    ['chain', chain],
    ['fan', fan],
  ] as const) {
    await platform.pipelines.create(WORKSPACE, { document: pipeline(name, [...jobs]) }, { author: 'bench' });
  }
  await runOnce(platform, 'warm-up');

  const chainRun = await runOnce(platform, 'chain');
  const chainGaps = startGaps(chainRun.jobs, SLOTS);
  const chainBusy = chainRun.jobs.reduce((sum, job) => sum + (job.finishedAt - job.startedAt), 0);
  const chainMean = (chainRun.wallMs - chainBusy) / CHAIN_JOBS;
  console.error(
    `pipeline-overhead chain of ${CHAIN_JOBS}: wall ${chainRun.wallMs} ms, jobs busy ${chainBusy} ms, ` +
      `gap p50 ${percentile(chainGaps, 0.5)} p95 ${percentile(chainGaps, 0.95)} ms`,
  );

  const fanRun = await runOnce(platform, 'fan');
  const fanGaps = startGaps(fanRun.jobs, SLOTS);
  const fanBusy = fanRun.jobs.reduce((sum, job) => sum + (job.finishedAt - job.startedAt), 0);
  const sink = fanRun.jobs.find((job) => job.jobId === 'sink')!;
  const lastMiddle = Math.max(...fanRun.jobs.filter((job) => job.jobId.startsWith('fan_')).map((j) => j.finishedAt));
  console.error(
    `pipeline-overhead fan-out/fan-in of ${FAN_JOBS}, ${SLOTS} slots: wall ${fanRun.wallMs} ms, jobs busy ` +
      `${fanBusy} ms, gap p50 ${percentile(fanGaps, 0.5)} p95 ${percentile(fanGaps, 0.95)} ms, sink started ` +
      `${sink.startedAt - lastMiddle} ms after the last parallel job`,
  );

  const floor = await rawChain(CHAIN_JOBS);
  const floorP50 = percentile(floor, 0.5);
  const floorP95 = percentile(floor, 0.95);
  const floorMean = floor.reduce((sum, ms) => sum + ms, 0) / floor.length;
  console.error(`pipeline-overhead raw pg-boss hop: p50 ${floorP50.toFixed(1)} p95 ${floorP95.toFixed(1)} ms`);
  printFigure({
    bench,
    metric: 'chain_overhead_p50',
    value: percentile(chainGaps, 0.5),
    unit: 'ms',
    baseline: floorP50,
  });
  printFigure({
    bench,
    metric: 'chain_overhead_p95',
    value: percentile(chainGaps, 0.95),
    unit: 'ms',
    baseline: floorP95,
  });
  printFigure({ bench, metric: 'chain_overhead_mean', value: chainMean, unit: 'ms', baseline: floorMean });
  printFigure({ bench, metric: 'fan_overhead_p50', value: percentile(fanGaps, 0.5), unit: 'ms', baseline: floorP50 });
  printFigure({ bench, metric: 'fan_overhead_p95', value: percentile(fanGaps, 0.95), unit: 'ms', baseline: floorP95 });
  const floorFanMs = await rawFan(FAN_JOBS, SLOTS);
  console.error(`pipeline-overhead raw pg-boss fan-out/fan-in: wall ${floorFanMs.toFixed(0)} ms`);
  printFigure({
    bench,
    metric: 'fan_wall_per_job',
    value: fanRun.wallMs / FAN_JOBS,
    unit: 'ms',
    baseline: floorFanMs / FAN_JOBS,
  });
} finally {
  await platform.close();
  await database.drop();
  await rm(home, { recursive: true, force: true });
}

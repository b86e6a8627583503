import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startCoreTestPlatform } from '../testing/test-platform.ts';
import { testPipeline } from './runs/runs-test-kit.ts';

const WS = 'stats';
const OTHER = 'stats-other';
const base = `/api/v1/workspaces/${WS}/pipelines`;
const HOUR = 3_600_000;
let platform: Awaited<ReturnType<typeof startCoreTestPlatform>>;
/** Run ids by sequence. */
const runIds = new Map<number, string>();

type Status = 'succeeded' | 'failed' | 'cancelled' | 'running' | 'queued';
type JobStatus = 'succeeded' | 'failed' | 'cancelled' | 'upstream_failed' | 'running' | 'pending';

interface SeedJob {
  readonly id: string;
  readonly status: JobStatus;
  /** From start to finish; no start when undefined. */
  readonly seconds?: number;
  readonly rows?: number;
  readonly code?: string;
  readonly operator?: string;
}

/** Inserts a run of `pipelineId` created at `createdAt`, started a second later, finished `seconds` after that. */
async function seedRun(
  pipelineId: string,
  run: { sequence: number; status: Status; createdAt: Date; seconds?: number; jobs: readonly SeedJob[] },
): Promise<void> {
  const startedAt = run.status === 'queued' ? null : new Date(run.createdAt.getTime() + 1000);
  const finishedAt =
    startedAt === null || run.seconds === undefined ? null : new Date(startedAt.getTime() + run.seconds * 1000);
  const [{ id }] = (await platform
    .db('core_pipeline_runs')
    .insert({
      workspace: WS,
      pipeline_id: pipelineId,
      pipeline_name: 'seeded',
      pipeline_version: 1,
      sequence: run.sequence,
      status: run.status,
      trigger: 'schedule',
      created_at: run.createdAt,
      started_at: startedAt,
      finished_at: finishedAt,
    })
    .returning('id')) as [{ id: string }];
  runIds.set(run.sequence, id);
  // Jobs start in order, each where the one before ended.
  let clock = (startedAt ?? run.createdAt).getTime();
  await platform.db('core_job_runs').insert(
    run.jobs.map((job, position) => {
      const started = job.seconds === undefined ? null : new Date(clock);
      const ended = started === null ? null : new Date((clock += job.seconds! * 1000));
      const terminal = !['running', 'pending'].includes(job.status);
      return {
        run_id: id,
        workspace: WS,
        pipeline_id: pipelineId,
        job_id: job.id,
        position,
        operator: job.operator ?? 'test-step',
        status: job.status,
        attempt: started === null ? 0 : 1,
        started_at: started,
        finished_at: terminal ? (ended ?? new Date(clock)) : null,
        rows_written: job.rows ?? 0,
        error_code: job.code ?? null,
      };
    }),
  );
}

before(async () => {
  platform = await startCoreTestPlatform({ worker: false });
  await platform.createWorkspace(WS);
  await platform.createWorkspace(OTHER);
  const { store } = platform.platform.pipelines;
  const jobs = [
    { id: 'extract' },
    { id: 'load', dependsOn: ['extract'] },
    { id: 'publish', dependsOn: ['load'] },
    { id: 'notify', dependsOn: ['publish'] },
  ];
  const { pipeline } = await store.save(WS, testPipeline('seeded', jobs), { author: 'test' });
  await store.save(WS, testPipeline('fresh', [{ id: 'only' }]), { author: 'test' });

  const now = Date.now();
  // Outside a 30-day window, inside 60 days.
  await seedRun(pipeline.id, {
    sequence: 1,
    status: 'succeeded',
    createdAt: new Date(now - 40 * 24 * HOUR),
    seconds: 1000,
    jobs: [{ id: 'extract', status: 'succeeded', seconds: 100 }],
  });
  // Ten finished runs, ten days ago, an hour apart: run i takes i × 10 s.
  const outcomes: Status[] = [
    'succeeded',
    'succeeded',
    'failed',
    'succeeded',
    'succeeded',
    'cancelled',
    'succeeded',
    'failed',
    'succeeded',
    'failed',
  ];
  const from = now - 10 * 24 * HOUR;
  for (const [index, status] of outcomes.entries()) {
    const i = index + 1;
    const extract: SeedJob = { id: 'extract', status: 'succeeded', seconds: i, rows: 100 * i };
    const load: SeedJob =
      status === 'succeeded'
        ? { id: 'load', status: 'succeeded', seconds: 2 * i, rows: 3 * i }
        : status === 'failed'
          ? { id: 'load', status: 'failed', seconds: 2 * i, code: `LOAD_${i}` }
          : { id: 'load', status: 'cancelled', seconds: 2 * i };
    const publish: SeedJob =
      status === 'succeeded'
        ? { id: 'publish', status: 'succeeded', seconds: 0.5, rows: 7 }
        : { id: 'publish', status: status === 'failed' ? 'upstream_failed' : 'cancelled' };
    const legacy: SeedJob[] =
      i === 1 ? [{ id: 'legacy', status: 'succeeded', seconds: 3, rows: 5, operator: 'old' }] : [];
    await seedRun(pipeline.id, {
      sequence: i + 1,
      status,
      createdAt: new Date(from + i * HOUR),
      seconds: 10 * i,
      jobs: [extract, load, publish, ...legacy],
    });
  }
  await seedRun(pipeline.id, {
    sequence: 12,
    status: 'running',
    createdAt: new Date(from + 11 * HOUR),
    jobs: [
      { id: 'extract', status: 'succeeded', seconds: 11, rows: 1100 },
      { id: 'load', status: 'running', seconds: 1 },
    ],
  });
  await seedRun(pipeline.id, {
    sequence: 13,
    status: 'queued',
    createdAt: new Date(from + 12 * HOUR),
    jobs: [{ id: 'extract', status: 'pending' }],
  });
});
after(() => platform?.close());

const idle = (jobId: string) => ({
  jobId,
  operator: 'test-step',
  runs: 0,
  succeeded: 0,
  failures: 0,
  upstreamFailed: 0,
  cancelled: 0,
  skipped: 0,
  successRate: null,
  durationMs: null,
  meanRowsWritten: null,
  lastErrorCode: null,
});

describe('GET …/pipelines/:name/stats', () => {
  test('run and job figures over the default 30 days, percentiles interpolated by PostgreSQL', async () => {
    const res = await platform.inject(`${base}/seeded/stats`);
    assert.equal(res.statusCode, 200, res.body);
    const stats = res.json();
    assert.equal(stats.pipeline, 'seeded');
    assert.equal(stats.days, 30);
    assert.ok(Math.abs(Date.parse(stats.since) - (Date.now() - 30 * 24 * HOUR)) < 60_000, stats.since);
    assert.deepEqual(stats.runs, {
      total: 12,
      byStatus: { queued: 1, running: 1, cancelling: 0, succeeded: 6, failed: 3, cancelled: 1 },
      finished: 10,
      successRate: 0.6,
      // 10 s … 100 s: p90 = 90 + 0.1 × 10 s, p95 = 90 + 0.55 × 10 s.
      durationMs: { p50: 55_000, p90: 91_000, p95: 95_500, max: 100_000 },
      // Failed runs 3, 8 and 10 end 5 h 50 s and 2 h 20 s apart.
      meanTimeBetweenFailuresMs: ((5 * 3600 + 50 + 2 * 3600 + 20) / 2) * 1000,
    });
    assert.deepEqual(stats.lastRun, { id: runIds.get(13), status: 'queued', finishedAt: null });
    const lastSuccess = await platform
      .db('core_pipeline_runs')
      .where({ id: runIds.get(10) })
      .first('finished_at');
    assert.deepEqual(stats.lastSuccess, { id: runIds.get(10), finishedAt: lastSuccess.finished_at.toISOString() });

    assert.deepEqual(
      stats.jobs.map((job: { jobId: string }) => job.jobId),
      ['extract', 'load', 'publish', 'notify', 'legacy'],
    );
    const [extract, load, publish, notify, legacy] = stats.jobs;
    assert.deepEqual(extract, {
      jobId: 'extract',
      operator: 'test-step',
      runs: 11,
      succeeded: 11,
      failures: 0,
      upstreamFailed: 0,
      cancelled: 0,
      skipped: 0,
      successRate: 1,
      // 1 s … 11 s: p95 = 10 + 0.5 × 1 s.
      durationMs: { p50: 6000, p95: 10_500 },
      meanRowsWritten: 600,
      lastErrorCode: null,
    });
    assert.deepEqual(load, {
      jobId: 'load',
      operator: 'test-step',
      runs: 10,
      succeeded: 6,
      failures: 3,
      upstreamFailed: 0,
      cancelled: 1,
      skipped: 0,
      successRate: 6 / 9,
      // Succeeded or failed: 2, 4, 6, 8, 10, 14, 16, 18, 20 s (the cancelled 12 s and the running one are left out).
      durationMs: { p50: 10_000, p95: 19_200 },
      // Rows 3 × (1 + 2 + 4 + 5 + 7 + 9) over six successes.
      meanRowsWritten: 14,
      lastErrorCode: 'LOAD_10',
    });
    assert.deepEqual(publish, {
      jobId: 'publish',
      operator: 'test-step',
      runs: 10,
      succeeded: 6,
      failures: 0,
      upstreamFailed: 3,
      cancelled: 1,
      skipped: 0,
      successRate: 1,
      durationMs: { p50: 500, p95: 500 },
      meanRowsWritten: 7,
      lastErrorCode: null,
    });
    assert.deepEqual(notify, idle('notify'), 'a job of the current version that never ran');
    assert.deepEqual(legacy, {
      ...idle('legacy'),
      operator: 'old',
      runs: 1,
      succeeded: 1,
      successRate: 1,
      durationMs: { p50: 3000, p95: 3000 },
      meanRowsWritten: 5,
    });
  });

  test('a longer window takes older runs in', async () => {
    const res = await platform.inject(`${base}/seeded/stats?days=60`);
    assert.equal(res.statusCode, 200, res.body);
    const { runs, days } = res.json();
    assert.equal(days, 60);
    assert.deepEqual([runs.total, runs.finished, runs.byStatus.succeeded, runs.successRate], [13, 11, 7, 7 / 11]);
    // 10 s … 100 s and 1000 s: p90 = the 10th value, p95 = 100 + 0.5 × 900 s.
    assert.deepEqual(runs.durationMs, { p50: 60_000, p90: 100_000, p95: 550_000, max: 1_000_000 });
    const day = await platform.inject(`${base}/seeded/stats?days=1`);
    assert.equal(day.statusCode, 200, day.body);
    assert.deepEqual([day.json().runs.total, day.json().runs.successRate, day.json().runs.durationMs], [0, null, null]);
    assert.equal(day.json().lastRun.id, runIds.get(13), 'the last run is not limited to the window');
  });

  test('a pipeline without runs', async () => {
    const res = await platform.inject(`${base}/fresh/stats`);
    assert.equal(res.statusCode, 200, res.body);
    const stats = res.json();
    assert.deepEqual(stats.runs, {
      total: 0,
      byStatus: { queued: 0, running: 0, cancelling: 0, succeeded: 0, failed: 0, cancelled: 0 },
      finished: 0,
      successRate: null,
      durationMs: null,
      meanTimeBetweenFailuresMs: null,
    });
    assert.deepEqual([stats.lastRun, stats.lastSuccess, stats.jobs], [null, null, [idle('only')]]);
  });

  test('unknown pipeline: 404; days outside 1…366: 400', async () => {
    const missing = await platform.inject(`${base}/nope/stats`);
    assert.deepEqual([missing.statusCode, missing.json().error.code], [404, 'PIPELINE_NOT_FOUND']);
    const elsewhere = await platform.inject(`/api/v1/workspaces/${OTHER}/pipelines/seeded/stats`);
    assert.deepEqual([elsewhere.statusCode, elsewhere.json().error.code], [404, 'PIPELINE_NOT_FOUND']);
    for (const days of ['0', '367', '-3', 'week', '']) {
      const res = await platform.inject(`${base}/seeded/stats?days=${days}`);
      assert.equal(res.statusCode, 400, `days=${days}: ${res.body}`);
      assert.equal(res.json().error.code, 'REQUEST_INVALID');
      assert.match(res.json().error.message, /days/);
    }
    assert.equal((await platform.inject(`${base}/seeded/stats?days=366`)).statusCode, 200);
  });

  test('pipeline:read is needed: viewers read, a role without it and other workspaces are refused', async () => {
    const as = (token: string) => ({ authorization: `Bearer ${token}` });
    const viewer = await platform.createMember({ workspace: WS, role: 'viewer' });
    const read = await platform.inject({ url: `${base}/seeded/stats`, headers: as(viewer.token) });
    assert.equal(read.statusCode, 200, read.body);
    const role = await platform.inject({
      method: 'PUT',
      url: `/api/v1/workspaces/${WS}/roles/dataset-reader`,
      payload: { permissions: ['dataset:read'] },
    });
    assert.equal(role.statusCode, 200, role.body);
    const reader = await platform.createMember({ workspace: WS, role: 'dataset-reader' });
    const denied = await platform.inject({ url: `${base}/seeded/stats`, headers: as(reader.token) });
    assert.deepEqual([denied.statusCode, denied.json().error.code], [403, 'PERMISSION_DENIED']);
    const outsider = await platform.createMember({ workspace: OTHER, role: 'admin' });
    const foreign = await platform.inject({ url: `${base}/seeded/stats`, headers: as(outsider.token) });
    assert.equal(foreign.statusCode, 403);
    assert.ok(!foreign.body.includes('succeeded'), foreign.body);
    assert.equal((await platform.injectAnonymous(`${base}/seeded/stats`)).statusCode, 401);
  });
});

describe('lastRun of pipeline lists', () => {
  test('the list and the detail show each pipeline’s newest run, in one query for the page', async () => {
    const res = await platform.inject(base);
    assert.equal(res.statusCode, 200, res.body);
    const byName = Object.fromEntries(
      res.json().items.map((p: { name: string; lastRun: unknown }) => [p.name, p.lastRun]),
    );
    assert.deepEqual(byName, {
      fresh: null,
      seeded: { id: runIds.get(13), status: 'queued', finishedAt: null },
    });
    const detail = await platform.inject(`${base}/seeded`);
    assert.deepEqual(detail.json().lastRun, { id: runIds.get(13), status: 'queued', finishedAt: null });
  });
});

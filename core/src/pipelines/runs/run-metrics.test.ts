import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { definePlugin } from '@assay/sdk';
import { waitUntil } from '../../queue/queue-test-kit.ts';
import { startCoreTestPlatform } from '../../testing/test-platform.ts';
import type { RunWithJobs } from './run-records.ts';
import { ExecutionRecorder, jobStatuses, testPipeline, testStepOperator } from './runs-test-kit.ts';

const WS = 'metered';
const recorder = new ExecutionRecorder();
let platform: Awaited<ReturnType<typeof startCoreTestPlatform>>;

before(async () => {
  const operators = definePlugin({ id: 'metrics-test', platform: '^0.1.0', operators: [testStepOperator(recorder)] });
  platform = await startCoreTestPlatform({ plugins: [operators] });
  await platform.createWorkspace(WS);
  const save = (document: ReturnType<typeof testPipeline>) =>
    platform.platform.pipelines.store.save(WS, document, { author: 'test' });
  await save(
    testPipeline(
      'mixed',
      [
        { id: 'extract', step: { ms: 60 } },
        { id: 'flaky', dependsOn: ['extract'], step: { failTimes: 1 } },
        { id: 'broken', step: { failTimes: 9, failClass: 'user', code: 'BAD_INPUT' } },
        { id: 'after_broken', dependsOn: ['broken'] },
      ],
      { defaults: { retryDelaySeconds: 0 } },
    ),
  );
  await save(
    testPipeline('held', [
      { id: 'hold', step: { gate: 'held' } },
      { id: 'next', dependsOn: ['hold'] },
    ]),
  );
});
after(() => platform?.close());

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

async function scrape(): Promise<Sample[]> {
  const response = await platform.injectAnonymous('/metrics');
  assert.equal(response.statusCode, 200);
  return response.body
    .split('\n')
    .filter((line) => line.startsWith('assay_pipeline_'))
    .map((line) => {
      const match = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
      assert.ok(match, `an unexpected metrics line: ${line}`);
      const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      return { name: match[1]!, labels, value: Number(match[3]) };
    });
}

/** The value of the one series of `name` with exactly `labels`; undefined when there is none. */
function valueOf(samples: readonly Sample[], name: string, labels: Record<string, string>): number | undefined {
  const found = samples.filter(
    (s) =>
      s.name === name &&
      Object.keys(s.labels).length === Object.keys(labels).length &&
      Object.entries(labels).every(([key, value]) => s.labels[key] === value),
  );
  assert.ok(found.length <= 1, `${name} ${JSON.stringify(labels)} appears ${found.length} times`);
  return found[0]?.value;
}

async function finished(id: string): Promise<RunWithJobs> {
  let run: RunWithJobs | undefined;
  await waitUntil(
    `run ${id} finished`,
    async () => ['succeeded', 'failed', 'cancelled'].includes((run = await platform.platform.runs.get(WS, id)).status),
    20_000,
  );
  return run!;
}

describe('pipeline run metrics', () => {
  test('a finished run counts once: the run, its jobs by status, durations, retries and rows written', async () => {
    const started = await platform.platform.runs.startRun({ workspace: WS, pipeline: 'mixed', trigger: 'api' });
    const run = await finished(started.id);
    assert.equal(run.status, 'failed');
    assert.deepEqual(jobStatuses(run), {
      extract: 'succeeded',
      flaky: 'succeeded',
      broken: 'failed',
      after_broken: 'upstream_failed',
    });
    // Moving the finished run on again (as any process's sweeper may) counts nothing more.
    await platform.platform.runs.dispatch(run.id);

    const samples = await scrape();
    const pipeline = { workspace: WS, pipeline: 'mixed' };
    const job = { ...pipeline, operator: 'test-step' };
    assert.equal(valueOf(samples, 'assay_pipeline_runs_total', { ...pipeline, trigger: 'api', status: 'failed' }), 1);
    assert.equal(valueOf(samples, 'assay_pipeline_run_duration_seconds_count', { ...pipeline, status: 'failed' }), 1);
    const runSeconds = valueOf(samples, 'assay_pipeline_run_duration_seconds_sum', { ...pipeline, status: 'failed' });
    assert.ok(runSeconds !== undefined && Math.abs(runSeconds - run.durationMs! / 1000) < 0.002, `${runSeconds}`);
    assert.equal(
      valueOf(samples, 'assay_pipeline_run_duration_seconds_bucket', { ...pipeline, status: 'failed', le: '86400' }),
      1,
    );

    const jobsBy = (status: string) => valueOf(samples, 'assay_pipeline_jobs_total', { ...job, status });
    assert.deepEqual(
      ['succeeded', 'failed', 'upstream_failed', 'cancelled'].map(jobsBy),
      [2, 1, 1, undefined],
      'jobs_total by status',
    );
    const timed = (status: string) => valueOf(samples, 'assay_pipeline_job_duration_seconds_count', { ...job, status });
    assert.deepEqual(
      ['succeeded', 'failed', 'upstream_failed'].map(timed),
      [2, 1, undefined],
      'never started: untimed',
    );
    const succeededSeconds = valueOf(samples, 'assay_pipeline_job_duration_seconds_sum', {
      ...job,
      status: 'succeeded',
    });
    const expected = run.jobs.filter((j) => j.status === 'succeeded').reduce((sum, j) => sum + j.durationMs!, 0);
    assert.ok(Math.abs(succeededSeconds! - expected / 1000) < 0.002, `${succeededSeconds} vs ${expected} ms`);
    assert.ok(succeededSeconds! >= 0.06, 'extract slept 60 ms');

    assert.equal(valueOf(samples, 'assay_pipeline_job_retries_total', job), 1, 'flaky needed one retry');
    const rows = run.jobs.reduce((sum, j) => sum + j.rowsWritten, 0);
    assert.equal(rows, 2);
    assert.equal(valueOf(samples, 'assay_pipeline_job_rows_written_total', job), rows);
    assert.ok(!samples.some((s) => Object.values(s.labels).includes(run.id)), 'no series is labelled with a run id');
  });

  test('a cancel counts the running and the waiting job as cancelled; the gauges follow active runs', async () => {
    const started = await platform.platform.runs.startRun({ workspace: WS, pipeline: 'held', trigger: 'manual' });
    await waitUntil(
      'hold is running',
      async () => jobStatuses(await platform.platform.runs.get(WS, started.id)).hold === 'running',
      20_000,
    );
    const during = await scrape();
    assert.equal(valueOf(during, 'assay_pipeline_runs_active', { workspace: WS }), 1);
    assert.equal(valueOf(during, 'assay_pipeline_jobs_running', { workspace: WS }), 1);

    await platform.platform.runs.cancel(WS, started.id);
    const run = await finished(started.id);
    assert.equal(run.status, 'cancelled');
    assert.deepEqual(jobStatuses(run), { hold: 'cancelled', next: 'cancelled' });

    const samples = await scrape();
    const pipeline = { workspace: WS, pipeline: 'held' };
    const job = { ...pipeline, operator: 'test-step' };
    assert.equal(
      valueOf(samples, 'assay_pipeline_runs_total', { ...pipeline, trigger: 'manual', status: 'cancelled' }),
      1,
    );
    assert.equal(valueOf(samples, 'assay_pipeline_jobs_total', { ...job, status: 'cancelled' }), 2);
    assert.equal(
      valueOf(samples, 'assay_pipeline_job_duration_seconds_count', { ...job, status: 'cancelled' }),
      1,
      'only hold had started',
    );
    assert.equal(valueOf(samples, 'assay_pipeline_job_retries_total', job), undefined);
    assert.equal(valueOf(samples, 'assay_pipeline_runs_active', { workspace: WS }), 0, 'a seen workspace reads 0');
    assert.equal(valueOf(samples, 'assay_pipeline_jobs_running', { workspace: WS }), 0);
    const mixed = { workspace: WS, pipeline: 'mixed', trigger: 'api', status: 'failed' };
    assert.equal(valueOf(samples, 'assay_pipeline_runs_total', mixed), 1, 'the earlier run is still counted once');
  });
});

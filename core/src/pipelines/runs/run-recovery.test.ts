import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { waitUntil } from '../../queue/queue-test-kit.ts';
import {
  ExecutionRecorder,
  jobStatuses,
  startRunsKit,
  testPipeline,
  testStepOperator,
  type RunsKit,
} from './runs-test-kit.ts';

// The first process only starts runs: it works no jobs and does not sweep, so each test decides who does.
let kit: RunsKit;
before(async () => {
  kit = await startRunsKit({ works: false, sweep: false, workspace: 'recovery' });
});
after(() => kit?.close());

const start = (pipeline: string) => kit.main.runs.startRun({ workspace: kit.workspace, pipeline, trigger: 'api' });

describe('pipeline runs: recovery and many processes', () => {
  test('the sweeper delivers a job whose queue job was lost, and dispatches a run whose dispatch never ran', async () => {
    await kit.save(testPipeline('lost', [{ id: 'first' }, { id: 'second', dependsOn: ['first'] }]));
    const run = await start('lost');
    const first = run.jobs[0]!;
    assert.equal(first.status, 'queued');
    // The delivery vanishes (a pg-boss job deleted by hand, failed for good, ...) and its dispatch is old.
    await kit.db.raw(`delete from pgboss.job where name = 'core.pipeline-job' and data->>'jobRunId' = ?`, [first.id]);
    await kit
      .db('core_job_runs')
      .where({ id: first.id })
      .update({ dispatched_at: kit.db.raw("now() - interval '1 minute'") });

    // A run recorded by a process whose queue had stopped: its jobs are pending, nothing was sent.
    const stopped = await kit.startProcess({ works: false, sweep: false });
    await stopped.queue.stop({ graceful: false, timeoutMs: 0 });
    await kit.save(testPipeline('undispatched', [{ id: 'only' }]));
    const undispatched = await stopped.runs.startRun({
      workspace: kit.workspace,
      pipeline: 'undispatched',
      trigger: 'api',
    });
    assert.deepEqual(jobStatuses(undispatched), { only: 'pending' });

    const worker = await kit.startProcess({ sweepIntervalMs: 200 });
    assert.equal((await kit.waitForRun(run.id)).status, 'succeeded');
    assert.equal((await kit.waitForRun(undispatched.id)).status, 'succeeded');
    assert.equal(kit.recorder.of('first', run.id).length, 1);
    await worker.stop();
  });

  test('two processes work one run; every job runs exactly once', async () => {
    const a = new ExecutionRecorder();
    const b = new ExecutionRecorder();
    const one = await kit.startProcess({ operators: [testStepOperator(a)], concurrency: 3 });
    const two = await kit.startProcess({ operators: [testStepOperator(b)], concurrency: 3 });
    await kit.save(
      testPipeline('wide', [
        { id: 'root' },
        ...Array.from({ length: 16 }, (_, i) => ({ id: `leaf_${i}`, dependsOn: ['root'], step: { ms: 60 } })),
        { id: 'sink', dependsOn: Array.from({ length: 16 }, (_, i) => `leaf_${i}`) },
      ]),
    );
    const run = await kit.waitForRun((await start('wide')).id);
    assert.equal(run.status, 'succeeded');
    const executed = [...a.executions, ...b.executions].filter((e) => e.runId === run.id).map((e) => e.jobId);
    assert.equal(executed.length, 18, 'no job ran twice');
    assert.equal(new Set(executed).size, 18);
    assert.ok(a.executions.length > 0 && b.executions.length > 0, 'both processes worked');
    await one.stop();
    await two.stop();
  });

  test('a worker that stops mid-job gives it back; another process runs it under the same attempt number', async () => {
    const leaving = await kit.startProcess({ sweep: false });
    await kit.save(testPipeline('interrupted', [{ id: 'held', step: { gate: 'come-back' } }]));
    const started = await start('interrupted');
    await waitUntil('held runs', () => kit.recorder.of('held', started.id).length === 1);
    await leaving.stop();
    const given = await kit.main.runs.get(kit.workspace, started.id);
    assert.equal(given.jobs[0]!.status, 'queued', 'given back to the queue');
    assert.equal(given.jobs[0]!.attempt, 0);
    kit.recorder.open('come-back');
    const staying = await kit.startProcess({ sweepIntervalMs: 200 });
    const run = await kit.waitForRun(started.id);
    assert.equal(run.status, 'succeeded');
    assert.equal(run.jobs[0]!.attempt, 1, 'the interrupted attempt does not count');
    assert.deepEqual(
      kit.recorder.of('held', started.id).map((e) => e.outcome),
      ['aborted', 'succeeded'],
    );
    await staying.stop();
  });
});

describe('pipeline runs: a graceful shutdown', () => {
  test('a job that finishes while its worker drains is recorded once; another process runs what follows', async () => {
    const draining = await kit.startProcess({ sweep: false });
    await kit.save(
      testPipeline('drained', [
        { id: 'first', step: { ms: 600 } },
        { id: 'second', dependsOn: ['first'] },
      ]),
    );
    const started = await start('drained');
    await waitUntil('first runs', () => kit.recorder.of('first', started.id).length === 1);
    await draining.queue.stop({ graceful: true, timeoutMs: 5000 });
    await draining.stop();
    const drained = await kit.main.runs.get(kit.workspace, started.id);
    // The queue still sends while it drains: the next job's delivery went out with the first one's outcome.
    assert.deepEqual(jobStatuses(drained), { first: 'succeeded', second: 'queued' });
    const next = await kit.startProcess({ sweep: false });
    assert.equal((await kit.waitForRun(started.id)).status, 'succeeded');
    assert.equal(kit.recorder.of('first', started.id).length, 1, 'not run again');
    await next.stop();
  });
});

describe('pipeline runs: a killed worker process', () => {
  let child: ChildProcess | undefined;
  after(() => void child?.kill('SIGKILL'));

  test('SIGKILL during a job: another process takes the job run over and its write lands once', async () => {
    await kit.save(
      testPipeline('killed', [{ id: 'write', output: 'bronze.answers', step: { write: true, hangAttempts: 1 } }]),
    );
    child = spawn(
      process.execPath,
      [join(import.meta.dirname, 'fixtures', 'run-worker-process.ts'), kit.databaseUrl, kit.home, '2'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    await new Promise<void>((resolve, reject) => {
      child!.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
      child!.once('exit', (code) => reject(new Error(`the worker process exited with ${code}`)));
    });
    const started = await start('killed');
    // Attempt 1 runs in the child: it commits its row, then hangs.
    await waitUntil(
      'the child committed its row',
      async () =>
        (await kit.db('core_job_run_logs').where({ job_run_id: started.jobs[0]!.id, message: 'wrote one row' }))
          .length > 0,
      20_000,
    );
    child.kill('SIGKILL');
    const survivor = await kit.startProcess({ staleSeconds: 2, sweepIntervalMs: 200 });
    const run = await kit.waitForRun(started.id, undefined, 30_000);
    assert.equal(run.status, 'succeeded', JSON.stringify(run.jobs[0]));
    const job = run.jobs[0]!;
    assert.equal(job.attempt, 2);
    assert.equal(job.commitSkipped, true, 'the second attempt found the first one committed');
    assert.equal(job.deltaVersion, 0, 'one commit');
    const logs = await kit.main.runs.logs(kit.workspace, run.id, 'write', { limit: 100 });
    assert.ok(logs.items.some((line) => /Attempt 1 stopped responding/.test(line.message)));
    await survivor.stop();
  });
});

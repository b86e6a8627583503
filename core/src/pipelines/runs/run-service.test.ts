import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runFinished, type RunFinished } from '@assay/sdk';
import { waitUntil } from '../../queue/queue-test-kit.ts';
import { jobStatuses, startRunsKit, testPipeline, type RunsKit } from './runs-test-kit.ts';

let kit: RunsKit;
before(async () => {
  kit = await startRunsKit();
});
after(() => kit?.close());

const start = (pipeline: string, extra: Partial<Parameters<RunsKit['main']['runs']['startRun']>[0]> = {}) =>
  kit.main.runs.startRun({ workspace: kit.workspace, pipeline, trigger: 'manual', ...extra });

const rejectsWith = (code: string) => (error: { code?: string; message?: string }) => {
  assert.equal(error.code, code, error.message);
  return true;
};

describe('pipeline runs: the DAG on the queue', () => {
  test('a diamond runs in dependency order, its two middle jobs in parallel, and records run and job facts', async () => {
    await kit.save(
      testPipeline('diamond', [
        { id: 'extract', step: { ms: 60, lines: 3 } },
        { id: 'left', dependsOn: ['extract'], step: { ms: 300 } },
        { id: 'right', dependsOn: ['extract'], step: { ms: 300 } },
        { id: 'join', dependsOn: ['left', 'right'], step: { ms: 20 } },
      ]),
    );
    const finished: RunFinished[] = [];
    const stopListening = kit.main.events.listen(runFinished, (payload) => void finished.push(payload));
    const started = await start('diamond', { actor: 'tester' });
    assert.equal(started.sequence, 1);
    assert.equal(started.version, 1);
    // A worker may claim the first job before the start reads the run back.
    const { extract: first, ...waiting } = jobStatuses(started);
    assert.ok(first === 'queued' || first === 'running', `extract is ${first}`);
    assert.deepEqual(waiting, { left: 'pending', right: 'pending', join: 'pending' });

    const run = await kit.waitForRun(started.id);
    assert.equal(run.status, 'succeeded', JSON.stringify(run));
    assert.deepEqual(Object.values(jobStatuses(run)), ['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    const times = Object.fromEntries(
      ['extract', 'left', 'right', 'join'].map((id) => [id, kit.recorder.of(id, run.id)[0]!]),
    );
    assert.ok(times.left!.startedAt >= times.extract!.endedAt!, 'left starts after extract ended');
    assert.ok(times.join!.startedAt >= Math.max(times.left!.endedAt!, times.right!.endedAt!), 'join waits for both');
    assert.ok(times.left!.startedAt < times.right!.endedAt! && times.right!.startedAt < times.left!.endedAt!);
    assert.equal(kit.recorder.maxConcurrent(run.id), 2);

    const extract = run.jobs.find((job) => job.jobId === 'extract')!;
    assert.equal(extract.attempt, 1);
    assert.equal(extract.rowsWritten, 1);
    assert.ok(extract.durationMs !== null && extract.durationMs >= 60);
    assert.match(extract.logExcerpt ?? '', /line 3 of extract/);
    assert.deepEqual(extract.upstream, []);
    assert.deepEqual(run.jobs.find((job) => job.jobId === 'join')!.upstream, ['left', 'right']);
    assert.equal(run.actor, 'tester');
    assert.ok(run.startedAt !== null && run.finishedAt !== null && run.durationMs! >= 400);
    assert.deepEqual(run.jobCounts, { succeeded: 4 });

    const logs = await kit.main.runs.logs(kit.workspace, run.id, 'extract', { limit: 2 });
    assert.deepEqual(
      logs.items.map((line) => line.message),
      ['job started', 'line 1 of extract'],
    );
    const next = await kit.main.runs.logs(kit.workspace, run.id, 'extract', { limit: 50, cursor: logs.nextCursor! });
    assert.deepEqual(
      next.items.map((line) => line.message),
      ['line 2 of extract', 'line 3 of extract', 'job succeeded'],
    );
    assert.equal(next.nextCursor, null);

    await waitUntil('run.finished is heard', () => finished.some((event) => event.runId === run.id));
    stopListening();
    const event = finished.find((payload) => payload.runId === run.id)!;
    assert.equal(event.status, 'succeeded');
    assert.equal(event.pipeline, 'diamond');
    assert.equal(event.sequence, 1);
    const published = await kit.db('core_pipeline_runs').where({ id: run.id }).first('event_published_at');
    assert.ok(published.event_published_at !== null);

    const second = await start('diamond');
    assert.equal(second.sequence, 2, 'runs of a pipeline are numbered');
    await kit.waitForRun(second.id);
  });

  test('a job whose check type is not installed fails clearly rather than run without the check', async () => {
    await kit.save(testPipeline('checked', [{ id: 'only', checks: [{ check: 'not_null', column: 'id' } as never] }]));
    const run = await kit.waitForRun((await start('checked')).id);
    assert.equal(run.status, 'failed');
    assert.equal(run.jobs[0]!.error?.code, 'CHECK_TYPE_NOT_FOUND');
    assert.equal(run.jobs[0]!.attempt, 1, 'a user error: not retried');
    assert.equal(kit.recorder.of('only', run.id).length, 0, 'the operator never ran');
  });

  test('operational failures are retried with a doubling delay; user errors fail at once', async () => {
    await kit.save(
      testPipeline(
        'flaky',
        [
          { id: 'flaky', step: { failTimes: 2, failClass: 'operational', code: 'NETWORK_DOWN' }, retries: 2 },
          { id: 'bad', step: { failTimes: 5, failClass: 'user', code: 'COLUMN_MISSING' }, retries: 3 },
        ],
        { defaults: { retryDelaySeconds: 1 } },
      ),
    );
    const started = await start('flaky');
    const run = await kit.waitForRun(started.id);
    const flaky = run.jobs.find((job) => job.jobId === 'flaky')!;
    const bad = run.jobs.find((job) => job.jobId === 'bad')!;
    assert.equal(flaky.status, 'succeeded');
    assert.equal(flaky.attempt, 3);
    const attempts = kit.recorder.of('flaky', run.id);
    assert.deepEqual(
      attempts.map((e) => e.attempt),
      [1, 2, 3],
    );
    const firstGap = attempts[1]!.startedAt - attempts[0]!.endedAt!;
    const secondGap = attempts[2]!.startedAt - attempts[1]!.endedAt!;
    assert.ok(firstGap >= 900, `first retry after about 1 s, was ${firstGap} ms`);
    assert.ok(secondGap >= 1900, `second retry after about 2 s, was ${secondGap} ms`);

    assert.equal(bad.status, 'failed');
    assert.equal(bad.attempt, 1, 'a user error is not retried');
    assert.deepEqual(bad.error, {
      code: 'COLUMN_MISSING',
      message: 'attempt 1 of bad fails on purpose',
      errorClass: 'user',
    });
    assert.equal(run.status, 'failed');
    assert.deepEqual(run.error, {
      code: 'COLUMN_MISSING',
      message: 'Job "bad" failed: attempt 1 of bad fails on purpose',
      job: 'bad',
    });
    const logs = await kit.main.runs.logs(kit.workspace, run.id, 'flaky', { limit: 100 });
    assert.ok(
      logs.items.some((line) => line.attempt === 1 && line.level === 'error' && /fails on purpose/.test(line.message)),
    );
  });

  test('a failed job fails what is downstream of it while independent branches finish', async () => {
    await kit.save(
      testPipeline('branches', [
        { id: 'a', step: { failTimes: 1, failClass: 'user' } },
        { id: 'b', dependsOn: ['a'] },
        { id: 'c', dependsOn: ['b'] },
        { id: 'x', step: { ms: 200 } },
        { id: 'y', dependsOn: ['x'] },
      ]),
    );
    const run = await kit.waitForRun((await start('branches')).id);
    assert.deepEqual(jobStatuses(run), {
      a: 'failed',
      x: 'succeeded',
      b: 'upstream_failed',
      y: 'succeeded',
      c: 'upstream_failed',
    });
    assert.equal(run.status, 'failed');
    assert.equal(kit.recorder.of('b', run.id).length, 0);
    assert.match(run.jobs.find((job) => job.jobId === 'c')!.error!.message, /Upstream job "b"/);
  });

  test('cancel stops a running job within seconds and cancels what waits', async () => {
    await kit.save(
      testPipeline('long', [
        { id: 'slow', step: { ms: 60_000 } },
        { id: 'after', dependsOn: ['slow'] },
      ]),
    );
    const started = await start('long');
    await waitUntil('slow is running', () => kit.recorder.of('slow', started.id).length > 0);
    const asked = Date.now();
    const cancelling = await kit.main.runs.cancel(kit.workspace, started.id);
    assert.equal(cancelling.status, 'cancelling');
    assert.equal(jobStatuses(cancelling).after, 'cancelled');
    // A second cancel changes nothing; the run may even have finished cancelling in between (409 RUN_FINISHED).
    const again = await kit.main.runs.cancel(kit.workspace, started.id).catch((error: unknown) => {
      if ((error as { code?: string }).code === 'RUN_FINISHED') return undefined;
      throw error;
    });
    if (again !== undefined) assert.ok(['cancelling', 'cancelled'].includes(again.status));
    const run = await kit.waitForRun(started.id);
    const took = Date.now() - asked;
    assert.equal(run.status, 'cancelled');
    assert.ok(took < 5000, `stopped in ${took} ms`);
    assert.deepEqual(jobStatuses(run), { slow: 'cancelled', after: 'cancelled' });
    assert.equal(run.jobs[0]!.error!.code, 'JOB_CANCELLED');
    assert.equal(kit.recorder.of('slow', started.id)[0]!.outcome, 'aborted');
    await assert.rejects(kit.main.runs.cancel(kit.workspace, started.id), rejectsWith('RUN_FINISHED'));
  });

  test('resume runs only the jobs that did not succeed, at the same version', async () => {
    await kit.save(
      testPipeline('resumable', [
        { id: 'ok', step: {} },
        { id: 'broken', dependsOn: ['ok'], step: { gate: 'fixed' } },
        { id: 'tail', dependsOn: ['broken'] },
      ]),
    );
    await kit.save(
      testPipeline('resumable', [
        { id: 'ok', step: {} },
        { id: 'broken', dependsOn: ['ok'], step: { gate: 'fixed' }, timeoutMinutes: 0.02, retries: 0 },
        { id: 'tail', dependsOn: ['broken'] },
      ]),
    );
    const first = await kit.waitForRun((await start('resumable', { version: 2 })).id, undefined, 30_000);
    assert.equal(first.status, 'failed');
    const broken = first.jobs.find((job) => job.jobId === 'broken')!;
    assert.equal(broken.error!.code, 'JOB_TIMEOUT');
    assert.deepEqual(jobStatuses(first), { ok: 'succeeded', broken: 'failed', tail: 'upstream_failed' });

    kit.recorder.open('fixed');
    const resumed = await kit.main.runs.resume(kit.workspace, first.id, { actor: 'fixer' });
    assert.equal(resumed.resumedFrom, first.id);
    assert.equal(resumed.version, 2);
    assert.deepEqual(
      resumed.jobs.map((job) => job.jobId),
      ['broken', 'tail'],
    );
    assert.deepEqual(resumed.selection, { resumeOf: first.id, jobs: ['broken', 'tail'] });
    const done = await kit.waitForRun(resumed.id);
    assert.equal(done.status, 'succeeded');
    assert.equal(kit.recorder.of('ok', resumed.id).length, 0, 'succeeded jobs are not repeated');
    await assert.rejects(kit.main.runs.resume(kit.workspace, done.id, {}), rejectsWith('RUN_NOT_RESUMABLE'));
  });

  test('a subset runs a job with its downstream or upstream jobs', async () => {
    await kit.save(
      testPipeline('chain', [
        { id: 'one' },
        { id: 'two', dependsOn: ['one'] },
        { id: 'three', dependsOn: ['two'] },
        { id: 'side' },
      ]),
    );
    const downstream = await start('chain', { select: { job: 'two', direction: 'downstream' } });
    assert.deepEqual(
      downstream.jobs.map((job) => [job.jobId, job.upstream]),
      [
        ['two', []],
        ['three', ['two']],
      ],
    );
    assert.equal((await kit.waitForRun(downstream.id)).status, 'succeeded');
    const upstream = await start('chain', { select: { job: 'two', direction: 'upstream' } });
    assert.deepEqual(
      upstream.jobs.map((job) => job.jobId),
      ['one', 'two'],
    );
    await kit.waitForRun(upstream.id);
    const only = await start('chain', { select: { job: 'side', direction: 'only' } });
    assert.deepEqual(
      only.jobs.map((job) => job.jobId),
      ['side'],
    );
    await kit.waitForRun(only.id);
    await assert.rejects(
      start('chain', { select: { job: 'nope', direction: 'only' } }),
      rejectsWith('PIPELINE_JOB_NOT_FOUND'),
    );
  });

  test('a second run of a pipeline is refused while one is active, unless overlap is allowed', async () => {
    await kit.save(testPipeline('exclusive', [{ id: 'hold', step: { gate: 'exclusive' } }]));
    const first = await start('exclusive');
    await assert.rejects(start('exclusive'), (error: { code?: string; details?: { activeRun?: string } }) => {
      assert.equal(error.code, 'RUN_ALREADY_ACTIVE');
      assert.equal(error.details?.activeRun, first.id);
      return true;
    });
    await kit.save(
      testPipeline('exclusive', [{ id: 'hold', step: { gate: 'exclusive' } }], { concurrency: { allowOverlap: true } }),
    );
    const overlapping = await start('exclusive');
    kit.recorder.open('exclusive');
    assert.equal((await kit.waitForRun(first.id)).status, 'succeeded');
    assert.equal((await kit.waitForRun(overlapping.id)).status, 'succeeded');
  });

  test('a start with the trigger key of an earlier run returns that run and starts nothing', async () => {
    await kit.save(testPipeline('ticked', [{ id: 'tick' }]));
    const first = await start('ticked', { trigger: 'schedule', triggerKey: 'schedule:2026-01-01T06:00Z' });
    const again = await start('ticked', { trigger: 'schedule', triggerKey: 'schedule:2026-01-01T06:00Z' });
    assert.equal(again.id, first.id);
    assert.equal(again.triggerKey, 'schedule:2026-01-01T06:00Z');
    await kit.waitForRun(first.id);
    const later = await start('ticked', { trigger: 'schedule', triggerKey: 'schedule:2026-01-01T06:00Z' });
    assert.equal(later.id, first.id, 'also once the run has finished');
    assert.equal(kit.recorder.of('tick').length, 1);
  });

  test('maxParallelJobs bounds the jobs of a pipeline running at once', async () => {
    await kit.save(
      testPipeline(
        'fan',
        Array.from({ length: 6 }, (_, i) => ({ id: `leaf_${i}`, step: { ms: 150 } })),
        { concurrency: { maxParallelJobs: 2 } },
      ),
    );
    const run = await kit.waitForRun((await start('fan')).id);
    assert.equal(run.status, 'succeeded');
    assert.equal(kit.recorder.maxConcurrent(run.id), 2);
  });

  test('a missing operator or pipeline version is refused before anything is recorded', async () => {
    await kit.save(testPipeline('ghost', [{ id: 'ghost', operator: 'no-such-operator' }]));
    await assert.rejects(start('ghost'), rejectsWith('OPERATOR_NOT_FOUND'));
    await assert.rejects(start('ghost', { version: 9 }), rejectsWith('PIPELINE_VERSION_NOT_FOUND'));
    await assert.rejects(start('absent'), rejectsWith('PIPELINE_NOT_FOUND'));
    const listed = await kit.main.runs.list(kit.workspace, { pipeline: 'ghost', limit: 10 });
    assert.deepEqual(listed.items, []);
  });

  test('runs list newest first, page with a cursor and filter by pipeline and status', async () => {
    const page = await kit.main.runs.list(kit.workspace, { limit: 2 });
    assert.equal(page.items.length, 2);
    assert.ok(page.nextCursor !== null);
    const rest = await kit.main.runs.list(kit.workspace, { limit: 100, cursor: page.nextCursor! });
    const all = [...page.items, ...rest.items];
    assert.equal(new Set(all.map((run) => run.id)).size, all.length, 'no run twice');
    const times = all.map((run) => run.createdAt);
    assert.deepEqual(times, [...times].sort().reverse());
    const failed = await kit.main.runs.list(kit.workspace, { status: 'failed', limit: 100 });
    assert.ok(failed.items.length >= 2 && failed.items.every((run) => run.status === 'failed'));
    const diamonds = await kit.main.runs.list(kit.workspace, { pipeline: 'diamond', limit: 100 });
    assert.deepEqual(
      diamonds.items.map((run) => run.sequence),
      [2, 1],
    );
    await assert.rejects(
      kit.main.runs.list(kit.workspace, { limit: 5, cursor: 'bogus' }),
      rejectsWith('CURSOR_INVALID'),
    );
  });
});

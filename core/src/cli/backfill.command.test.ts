import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JobRunRecord, RunWithJobs } from '../pipelines/runs/run-records.ts';
import type { BackfillRequest, RunService } from '../pipelines/runs/run-service.ts';
import type { RunStreamEvent } from '../pipelines/runs/run-stream.ts';
import { backfillCommand, type BackfillCommandIo, type BackfillSessionStarter } from './backfill.command.ts';
import type { BackfillPreview } from '../pipelines/backfill/backfill-preview.ts';
import { createRunProgress } from './run-progress.ts';

const DAYS = Array.from({ length: 31 }, (_, i) => `2026-01-${String(i + 1).padStart(2, '0')}`);

function preview(overrides: Partial<BackfillPreview> = {}): BackfillPreview {
  return {
    from: '2026-01-01',
    to: '2026-01-31',
    version: 4,
    partitions: 31,
    tasks: 32,
    jobs: [
      {
        job: 'daily',
        operator: 'sql',
        output: 'silver.daily',
        mode: 'partitions',
        grain: 'day',
        partitions: DAYS,
        estimatedRows: 1_234_567,
        estimatedBytes: 5 * 1024 * 1024 + 300_000,
        inputsMissing: [],
      },
      {
        job: 'totals',
        operator: 'sql',
        output: 'gold.totals',
        mode: 'full',
        grain: null,
        partitions: [],
        estimatedRows: null,
        estimatedBytes: 812,
        inputsMissing: ['silver.extra'],
      },
    ],
    datasets: ['silver.daily', 'gold.totals'],
    confirmAbove: 60,
    needsConfirmation: false,
    ...overrides,
  };
}

const at = (second: number) => new Date(Date.UTC(2026, 1, 1, 0, 0, second)).toISOString();

function jobRun(jobId: string, partition: string | null, status: JobRunRecord['status'], n = 0): JobRunRecord {
  const finished = ['succeeded', 'failed', 'cancelled'].includes(status);
  return {
    id: `${jobId}-${partition ?? 'whole'}`,
    runId: 'run-1',
    jobId,
    partition,
    operator: 'sql',
    operatorVersion: 1,
    status,
    attempt: status === 'pending' || status === 'queued' ? 0 : 1,
    upstream: [],
    queuedAt: null,
    startedAt: status === 'pending' || status === 'queued' ? null : at(n),
    finishedAt: finished ? at(n + 1) : null,
    durationMs: finished ? 1000 : null,
    nextAttemptAt: null,
    rowsRead: 0,
    rowsWritten: status === 'succeeded' ? 2 : 0,
    rowsUpdated: 0,
    rowsDeleted: 0,
    rowsQuarantined: 0,
    deltaVersion: status === 'succeeded' ? n : null,
    commitSkipped: status === 'succeeded' ? false : null,
    inputVersions: null,
    metrics: null,
    progress: null,
    error: status === 'failed' ? { code: 'BAD_DAY', message: `day ${partition} is bad`, errorClass: 'user' } : null,
    logExcerpt: null,
  };
}

function runOf(status: RunWithJobs['status'], jobs: JobRunRecord[]): RunWithJobs {
  return {
    id: 'run-1',
    workspace: 'ws',
    pipelineId: 'p-1',
    pipeline: 'events',
    version: 4,
    sequence: 7,
    status,
    trigger: 'backfill',
    triggerDetails: null,
    triggerKey: null,
    actor: 'cli:test',
    selection: null,
    resumedFrom: null,
    backfill: { from: '2026-01-01', to: '2026-01-31', partitions: 31 },
    createdAt: at(0),
    startedAt: at(0),
    finishedAt: status === 'running' ? null : at(40),
    durationMs: status === 'running' ? null : 40_000,
    error: null,
    jobCounts: {},
    jobs,
  } as RunWithJobs;
}

/**
 * A session whose preview is given and whose backfill "runs" as `events` says: each partition of `daily` queued,
 * running, then succeeded (one failed with `failDay`), and `totals` once after them.
 */
function fakeSession(shown: BackfillPreview, failDay?: string) {
  const started: BackfillRequest[] = [];
  const starts: Array<{ works: boolean; workspace: string; writes?: boolean }> = [];
  const final = [
    ...DAYS.map((day, i) => jobRun('daily', day, day === failDay ? 'failed' : 'succeeded', i)),
    jobRun('totals', null, failDay === undefined ? 'succeeded' : 'upstream_failed', 32),
  ];
  const finalRun = runOf(failDay === undefined ? 'succeeded' : 'failed', final);
  const runs = {
    async startBackfill(request: BackfillRequest) {
      started.push(request);
      return runOf('queued', [...DAYS.map((day) => jobRun('daily', day, 'queued')), jobRun('totals', null, 'pending')]);
    },
    async watch(_workspace: string, _id: string, onEvent: (event: RunStreamEvent) => void) {
      onEvent({ type: 'run', data: runOf('queued', []) });
      for (const day of DAYS) onEvent({ type: 'job', data: jobRun('daily', day, 'queued') });
      onEvent({ type: 'job', data: jobRun('totals', null, 'pending') });
      DAYS.forEach((day, i) => {
        onEvent({ type: 'job', data: jobRun('daily', day, 'running', i) });
        onEvent({ type: 'job', data: final[i]! });
      });
      onEvent({ type: 'job', data: final.at(-1)! });
      onEvent({ type: 'run', data: finalRun });
      onEvent({ type: 'end', data: { status: finalRun.status } });
    },
    get: async () => finalRun,
    cancel: async () => finalRun,
  } as unknown as RunService;
  const starter: BackfillSessionStarter = async (_config, options) => {
    starts.push(options);
    return { runs, preview: async () => shown, close: async () => undefined };
  };
  return { starter, started, starts };
}

function capture(answer?: string, isTTY = false) {
  let text = '';
  let errors = '';
  const questions: string[] = [];
  const io: BackfillCommandIo = {
    out: { isTTY, columns: 120, write: (chunk: string) => void (text += chunk) },
    err: { write: (chunk: string) => void (errors += chunk) },
    signals: new EventEmitter() as unknown as BackfillCommandIo['signals'],
    exit: () => undefined,
    ask:
      answer === undefined
        ? undefined
        : async (question) => {
            questions.push(question);
            return answer;
          },
  };
  return { io, questions, text: () => text, errors: () => errors };
}

const ARGS = ['events', '--from', '2026-01-01', '--to', '2026-01-31', '--workspace', 'ws'];

describe('assay backfill', () => {
  test('--preview prints the jobs, partitions, estimates and rewritten datasets, and starts nothing', async () => {
    const session = fakeSession(preview());
    const out = capture();
    assert.equal(await backfillCommand([...ARGS, '--preview'], session.starter, out.io), 0);
    const lines = out.text().trimEnd().split('\n');
    assert.equal(lines[0], 'Backfill of events v4 from 2026-01-01 to 2026-01-31:');
    assert.match(
      lines[1]!,
      /^job +operator +mode +grain +partitions +rows read \(est\.\) +bytes read \(est\.\) +missing/,
    );
    assert.match(lines[3]!, /^daily +sql +by partition +day +31: 2026-01-01 … 2026-01-31 +1,234,567 +5\.3 MiB +-$/);
    assert.match(lines[4]!, /^totals +sql +whole +- +- +unknown +812 B +silver\.extra$/);
    assert.deepEqual(lines.slice(5), [
      'Rewrites: silver.daily (31 partitions), gold.totals (whole)',
      'Total: 31 partition job run(s), 32 job run(s) in all; inputs not written yet are not in the estimates',
    ]);
    assert.deepEqual(session.started, [], 'a preview starts nothing');
    assert.deepEqual(
      session.starts,
      [{ works: false, workspace: 'ws', writes: false }],
      'works no jobs, writes nothing',
    );

    const json = capture();
    assert.equal(await backfillCommand([...ARGS, '--preview', '--json'], session.starter, json.io), 0);
    assert.equal(JSON.parse(json.text()).partitions, 31);
  });

  test('without a terminal and without --yes it refuses with BACKFILL_CONFIRMATION_REQUIRED', async () => {
    const session = fakeSession(preview({ partitions: 92, tasks: 93, needsConfirmation: true }));
    const out = capture();
    await assert.rejects(backfillCommand(ARGS, session.starter, out.io), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'BACKFILL_CONFIRMATION_REQUIRED');
      assert.match(error.message, /92 partitions, more than pipelines\.backfillConfirmAbove \(60\).*run with --yes/);
      return true;
    });
    assert.match(out.text(), /it starts only when confirmed/, 'the preview was shown first');
    assert.deepEqual(session.started, []);
    await assert.rejects(backfillCommand(ARGS, fakeSession(preview()).starter, capture().io), /no terminal to ask/);
  });

  test('it asks, says when the threshold is passed, and starts the previewed version confirmed', async () => {
    const refused = fakeSession(preview({ partitions: 92, needsConfirmation: true }));
    const no = capture('n');
    assert.equal(await backfillCommand(ARGS, refused.starter, no.io), 1);
    assert.match(
      no.questions[0]!,
      /^This backfill has 92 partitions, more than pipelines\.backfillConfirmAbove \(60\)/,
    );
    assert.match(no.text(), /Backfill cancelled: nothing was started\.\n$/);
    assert.deepEqual(refused.started, []);

    const accepted = fakeSession(preview());
    const yes = capture('y');
    const args = [...ARGS, '--job', 'daily', '--direction', 'only'];
    assert.equal(await backfillCommand(args, accepted.starter, yes.io), 0);
    assert.match(yes.questions[0]!, /^Start the backfill of events from 2026-01-01 to 2026-01-31 \(31 partitions/);
    assert.equal(accepted.started.length, 1);
    const [request] = accepted.started;
    assert.deepEqual(
      [request!.version, request!.confirm, request!.select, request!.from, request!.to],
      [4, true, { job: 'daily', direction: 'only' }, '2026-01-01', '2026-01-31'],
    );
    assert.match(yes.text(), /^backfill run run-1 of events v4 started: 31 partition job run\(s\), 32 job run\(s\)/m);
    assert.match(yes.text(), /a server or worker runs it \(assay runs show run-1\)/);
  });

  test('--watch shows a job of many partitions as one job, and exits 1 naming the failed partition', async () => {
    const session = fakeSession(preview(), '2026-01-05');
    const out = capture();
    assert.equal(await backfillCommand([...ARGS, '--yes', '--watch'], session.starter, out.io), 1);
    assert.deepEqual(session.starts, [{ works: true, workspace: 'ws', writes: true }]);
    const daily = out
      .text()
      .split('\n')
      .filter((line) => line.startsWith('daily:') || line.startsWith('daily['));
    assert.equal(daily[0], 'daily: running: 0/31 day partitions, 1 running');
    assert.ok(daily.includes('daily[2026-01-05]: failed: BAD_DAY day 2026-01-05 is bad'), daily.join('\n'));
    assert.ok(daily.includes('daily: running: 4/31 day partitions'), 'a line at every tenth');
    assert.equal(daily.at(-1), 'daily: failed in 31.0 s: 30/31 day partitions succeeded, 1 failed');
    assert.ok(daily.length <= 14, `not a line per partition:\n${daily.join('\n')}`);
    assert.match(out.text(), /^totals: upstream_failed$/m);
    assert.match(out.text(), /^run run-1 of events v4 failed in 40\.0 s$/m);
    assert.equal(out.errors(), 'daily[2026-01-05]: BAD_DAY: day 2026-01-05 is bad\n');
  });

  test('on a terminal a job of many partitions is one line with a bar of its finished partitions', async () => {
    const session = fakeSession(preview());
    const out = capture(undefined, true);
    assert.equal(await backfillCommand([...ARGS, '--yes', '--watch'], session.starter, out.io), 0);
    const block = out.text().split('\u001b[0J').at(-1)!;
    assert.match(block, /^ {2}✔ daily +succeeded in 31\.0 s: 31\/31 day partitions, 62 row\(s\) written$/m);
    assert.match(block, /^ {2}✔ totals +succeeded/m);
    assert.doesNotMatch(out.text(), /\[2026-/, 'no partition has a line of its own');
  });

  test('while it runs, the terminal line of a partitioned job has a bar and counts its partitions', async () => {
    let text = '';
    const progress = createRunProgress(
      { isTTY: true, columns: 120, write: (chunk: string) => void (text += chunk) },
      { write: () => undefined },
      () => Date.parse(at(20)),
    );
    DAYS.forEach((day, i) => {
      const status = i < 12 ? 'succeeded' : i === 12 ? 'failed' : i < 15 ? 'running' : 'queued';
      progress.onEvent({ type: 'job', data: jobRun('daily', day, status, i) });
    });
    progress.onEvent({ type: 'job', data: jobRun('totals', null, 'pending') });
    await sleep(150);
    const block = text.split('\u001b[0J').at(-1)!.split('\n');
    assert.deepEqual(block.slice(0, 2), [
      '  ▸ daily   [████████░░░░░░░░░░░░] 13/31 day partitions, 2 running, 1 failed 20.0 s',
      '  · totals  pending',
    ]);
  });

  test('bad flags are usage errors', async () => {
    const { starter } = fakeSession(preview());
    const io = capture().io;
    await assert.rejects(backfillCommand(['events', '--from', '2026-01-01'], starter, io), /Usage: assay backfill/);
    await assert.rejects(backfillCommand([...ARGS, '--direction', 'only'], starter, io), /--direction needs --job/);
    await assert.rejects(
      backfillCommand([...ARGS, '--job', 'daily', '--direction', 'sideways'], starter, io),
      /--direction must be one of only, downstream, upstream/,
    );
    await assert.rejects(backfillCommand([...ARGS, '--pipeline-version', '0'], starter, io), /--pipeline-version/);
  });
});

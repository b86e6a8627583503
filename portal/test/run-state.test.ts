/// <reference types="node" />
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { layoutDag } from '../src/lib/runs/run-layout.ts';
import { applyEvent, fromSnapshot, MAX_LOG_LINES, restart } from '../src/lib/runs/run-state.ts';
import type { JobRun, LogLine, RunWithJobs } from '../src/lib/runs/run-types.ts';

const job = (jobId: string, upstream: string[], extra: Partial<JobRun> = {}): JobRun => ({
  id: `id-${jobId}`,
  runId: 'run-1',
  jobId,
  partition: null,
  operator: 'sql',
  operatorVersion: 1,
  status: 'queued',
  attempt: 0,
  upstream,
  queuedAt: null,
  startedAt: null,
  finishedAt: null,
  durationMs: null,
  nextAttemptAt: null,
  rowsRead: 0,
  rowsWritten: 0,
  rowsUpdated: 0,
  rowsDeleted: 0,
  rowsQuarantined: 0,
  deltaVersion: null,
  commitSkipped: null,
  inputVersions: null,
  metrics: null,
  progress: null,
  error: null,
  logExcerpt: null,
  ...extra,
});

const snapshot = (jobs: JobRun[]): RunWithJobs => ({
  id: 'run-1',
  workspace: 'default',
  pipeline: 'orders',
  pipelineId: 'p-1',
  version: 1,
  sequence: 1,
  status: 'running',
  trigger: 'manual',
  triggerDetails: null,
  triggerKey: null,
  actor: null,
  selection: null,
  resumedFrom: null,
  backfill: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: null,
  durationMs: null,
  error: null,
  jobCounts: {},
  jobs,
});

const line = (message: string): LogLine => ({
  jobId: 'land',
  partition: null,
  attempt: 1,
  at: '2026-01-01T00:00:01.000Z',
  level: 'info',
  message,
});

describe('the run state the live view folds from the stream', () => {
  test('a job event replaces the job run with the same id and adds new ones in arrival order', () => {
    const start = fromSnapshot(snapshot([job('land', [])]));
    const next = applyEvent(applyEvent(start, { type: 'job', data: job('land', [], { status: 'running' }) }), {
      type: 'job',
      data: job('clean', ['land']),
    });
    assert.deepEqual(
      next.jobs.map((j) => [j.jobId, j.status]),
      [
        ['land', 'running'],
        ['clean', 'queued'],
      ],
    );
  });

  test('progress lands on the job of the same id and partition', () => {
    const start = fromSnapshot(snapshot([job('land', []), job('clean', ['land'])]));
    const next = applyEvent(start, { type: 'progress', data: { jobId: 'clean', partition: null, done: 3, total: 9 } });
    assert.deepEqual(
      next.jobs.map((j) => j.progress),
      [null, { done: 3, total: 9 }],
    );
  });

  test('a reconnect starts the log over, so the replayed history is not doubled', () => {
    let state = fromSnapshot(snapshot([job('land', [])]));
    state = applyEvent(state, { type: 'log', data: line('job started') });
    state = applyEvent(state, { type: 'end', data: { status: 'succeeded' } });
    assert.equal(state.run?.status, 'succeeded');
    state = restart(state);
    assert.deepEqual(state.logs, []);
    assert.equal(state.ended, undefined);
    state = applyEvent(state, { type: 'log', data: line('job started') });
    assert.deepEqual(
      state.logs.map((l) => l.message),
      ['job started'],
    );
  });

  test(`the log keeps the last ${MAX_LOG_LINES} lines`, () => {
    let state = fromSnapshot(snapshot([]));
    for (let i = 0; i <= MAX_LOG_LINES; i++) state = applyEvent(state, { type: 'log', data: line(`line ${i}`) });
    assert.equal(state.logs.length, MAX_LOG_LINES);
    assert.equal(state.logs[0]?.message, 'line 1');
  });
});

describe('the DAG layout', () => {
  test('columns follow the dependency depth; edges join upstream to downstream', () => {
    const layout = layoutDag([
      job('land', []),
      job('customers', []),
      job('clean', ['land']),
      job('report', ['clean', 'customers']),
    ]);
    assert.deepEqual(
      layout.nodes.map((n) => [n.key, n.column, n.row]),
      [
        ['land', 0, 0],
        ['customers', 0, 1],
        ['clean', 1, 0],
        ['report', 2, 0],
      ],
    );
    assert.deepEqual(
      layout.edges.map((e) => `${e.from.key}>${e.to.key}`),
      ['land>clean', 'clean>report', 'customers>report'],
    );
    assert.deepEqual([layout.columns, layout.rows], [3, 2]);
  });

  test('upstream jobs outside a subset run are left out; partitions key as job[partition]', () => {
    const layout = layoutDag([
      job('clean', ['land'], { id: 'a', partition: '2026-01-01' }),
      job('report', ['clean[2026-01-01]'], { id: 'b' }),
    ]);
    assert.deepEqual(
      layout.nodes.map((n) => [n.key, n.column]),
      [
        ['clean[2026-01-01]', 0],
        ['report', 1],
      ],
    );
    assert.equal(layout.edges.length, 1);
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { JobSpec } from '../document/pipeline-document.ts';
import { planBackfill } from './backfill-plan.ts';
import { partitionOfKey, partitionsCovering } from './partition-range.ts';

const code = (expected: string) => (error: { code?: string; message?: string }) => {
  assert.equal(error.code, expected, error.message);
  return true;
};

describe('partition ranges', () => {
  test('days and months covering a range, both ends inclusive, across month and leap-year ends', () => {
    assert.deepEqual(
      partitionsCovering('day', '2024-02-28', '2024-03-01').map((p) => [p.key, p.start, p.end]),
      [
        ['2024-02-28', '2024-02-28', '2024-02-29'],
        ['2024-02-29', '2024-02-29', '2024-03-01'],
        ['2024-03-01', '2024-03-01', '2024-03-02'],
      ],
    );
    assert.deepEqual(
      partitionsCovering('month', '2025-12-15', '2026-02-01').map((p) => [p.key, p.start, p.end]),
      [
        ['2025-12', '2025-12-01', '2026-01-01'],
        ['2026-01', '2026-01-01', '2026-02-01'],
        ['2026-02', '2026-02-01', '2026-03-01'],
      ],
    );
    assert.equal(partitionsCovering('day', '2026-03-29', '2026-03-29').length, 1, 'one day: one partition');
    assert.deepEqual(partitionOfKey('month', '2026-02'), { key: '2026-02', start: '2026-02-01', end: '2026-03-01' });
  });

  test('bad ranges and keys are refused with their codes', () => {
    assert.throws(() => partitionsCovering('day', '2026-02-30', '2026-03-01'), code('BACKFILL_RANGE_INVALID'));
    assert.throws(() => partitionsCovering('day', '2026-3-1', '2026-03-02'), code('BACKFILL_RANGE_INVALID'));
    assert.throws(() => partitionsCovering('day', '2026-03-02', '2026-03-01'), code('BACKFILL_RANGE_INVALID'));
    assert.throws(() => partitionOfKey('month', '2026-13'), code('BACKFILL_PARTITION_INVALID'));
    assert.throws(() => partitionOfKey('day', '2026-03'), code('BACKFILL_PARTITION_INVALID'));
    assert.throws(() => partitionOfKey('day', '2026-02-30'), code('BACKFILL_PARTITION_INVALID'));
  });
});

const job = (id: string, rest: Partial<JobSpec> = {}): JobSpec => ({ id, operator: 'sql', ...rest });
const JOBS: JobSpec[] = [
  job('ingest', { operator: 'ingest', output: 'bronze.orders' }),
  job('daily', {
    inputs: ['bronze.orders'],
    output: 'silver.daily',
    partitions: { column: 'day' },
  }),
  job('monthly', {
    inputs: ['silver.daily'],
    output: 'gold.monthly',
    partitions: { column: 'month', grain: 'month' },
  }),
  job('totals', { inputs: ['silver.daily'], output: 'gold.totals' }),
];

describe('backfill plans', () => {
  test('partition-aware jobs and their downstream: days feed their month, a whole job waits for all', () => {
    const plan = planBackfill({ jobs: JOBS }, { from: '2026-01-30', to: '2026-02-02' });
    const byKey = new Map(plan.tasks.map((task) => [task.key, task.upstream]));
    // The ingest job upstream of every partition-aware job does not run.
    assert.deepEqual(
      [...byKey.keys()],
      [
        'daily[2026-01-30]',
        'daily[2026-01-31]',
        'daily[2026-02-01]',
        'daily[2026-02-02]',
        'monthly[2026-01]',
        'monthly[2026-02]',
        'totals',
      ],
    );
    assert.deepEqual(byKey.get('daily[2026-01-30]'), []);
    assert.deepEqual(byKey.get('monthly[2026-01]'), ['daily[2026-01-30]', 'daily[2026-01-31]']);
    assert.deepEqual(byKey.get('monthly[2026-02]'), ['daily[2026-02-01]', 'daily[2026-02-02]']);
    assert.equal(byKey.get('totals')!.length, 4);
    assert.equal(plan.partitions, 6);
  });

  test('a selection decides the jobs; a whole job in it runs once and partitions wait for it', () => {
    const plan = planBackfill(
      { jobs: JOBS },
      { from: '2026-01-01', to: '2026-01-02', select: { job: 'monthly', direction: 'upstream' } },
    );
    assert.deepEqual(
      plan.tasks.map((task) => [task.key, task.upstream]),
      [
        ['ingest', []],
        ['daily[2026-01-01]', ['ingest']],
        ['daily[2026-01-02]', ['ingest']],
        ['monthly[2026-01]', ['daily[2026-01-01]', 'daily[2026-01-02]']],
      ],
    );
  });

  test('without a partition-aware job, or with too many partitions, nothing is planned', () => {
    assert.throws(
      () =>
        planBackfill(
          { jobs: JOBS },
          { from: '2026-01-01', to: '2026-01-02', select: { job: 'totals', direction: 'only' } },
        ),
      code('BACKFILL_NOT_PARTITIONED'),
    );
    assert.throws(
      () => planBackfill({ jobs: JOBS }, { from: '1990-01-01', to: '2026-01-01' }),
      code('BACKFILL_TOO_LARGE'),
    );
  });
});

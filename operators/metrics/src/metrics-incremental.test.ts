import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { defineOperator, Type, type OutputWriteRequest } from '@assay/sdk';
import { createJobTestKit, sortedRows, type JobTestKit } from '@assay/sdk/testing';
import { metricsOperator } from './index.ts';

let kit: JobTestKit;
let sequence = 0;

/** An upstream job for the fixtures: writes its SQL to its output as told (merges rewrite only some files). */
const upstream = defineOperator({
  type: 'fixture-write',
  version: 1,
  title: 'Fixture write',
  category: 'utility',
  config: Type.Object({ request: Type.Unknown() }),
  output: 'table',
  async run(ctx, config) {
    await ctx.output!.write(config.request as OutputWriteRequest);
    return {};
  },
});

const ORDER = (rows: string) => `SELECT id::INTEGER AS id, day::DATE AS day, region, customer,
  amount::DECIMAL(10,2) AS amount, status FROM (VALUES ${rows}) AS t(id, day, region, customer, amount, status)`;

const CONFIG = {
  measures: [
    { name: 'revenue', type: 'sum', column: 'amount' },
    { name: 'orders', type: 'count' },
    { name: 'customers', type: 'count_distinct', column: 'customer' },
    { name: 'avg_amount', type: 'avg', column: 'amount' },
    { name: 'per_order', type: 'ratio', numerator: 'revenue', denominator: 'orders' },
  ],
  dimensions: ['region'],
  time: { column: 'day', grain: 'day' },
  filters: ["status <> 'void'"],
};

before(async () => {
  kit = await createJobTestKit();
});
after(() => kit?.close());

/**
 * Runs the incremental job, then a full recompute of the same config into a reference table, and checks that the
 * two hold the same rows: whatever the incremental run skipped, it did not miss anything.
 */
async function refresh(config: Record<string, unknown> = CONFIG, input = 'bronze.orders', output = 'gold.daily') {
  const runSequence = ++sequence;
  const result = await kit.runJob(
    { id: 'daily', operator: metricsOperator, config, inputs: [input], output },
    { runSequence },
  );
  await kit.runJob(
    {
      id: 'reference',
      operator: metricsOperator,
      config: { ...config, incremental: false },
      inputs: [input],
      output: `${output}_ref`,
    },
    { runSequence },
  );
  assert.deepEqual(
    sortedRows(await kit.rows(output)),
    sortedRows(await kit.rows(`${output}_ref`)),
    'same as a full recompute',
  );
  return result;
}

/** Applies changes to bronze.orders as a CDC merge would: rows upserted by id, or deleted where `status = 'gone'`. */
async function merge(rows: string) {
  await kit.writeDataset('bronze.order_changes', ORDER(rows), { mode: 'overwrite' });
  await kit.runJob(
    {
      id: 'orders_cdc',
      operator: upstream,
      config: {
        request: {
          sql: 'SELECT * FROM bronze.order_changes',
          mode: 'merge',
          keys: ['id'],
          deleteWhen: "status = 'gone'",
        },
      },
      inputs: ['bronze.order_changes'],
      output: 'bronze.orders',
    },
    { runSequence: ++sequence },
  );
}

const stored = async (period: string) =>
  sortedRows((await kit.rows('gold.daily')).filter((row) => row.period === period));

describe('metrics operator: incremental refresh', () => {
  test('the first run computes every period', async () => {
    // One file per day, as daily loads land.
    await kit.writeDataset(
      'bronze.orders',
      ORDER(`(1, '2026-03-01', 'north', 'c1', 10, 'ok'), (2, '2026-03-01', 'south', 'c2', 20, 'ok')`),
    );
    await kit.writeDataset(
      'bronze.orders',
      ORDER(`(3, '2026-03-02', 'north', 'c1', 30, 'ok'), (4, '2026-03-02', 'north', 'c3', 50, 'ok')`),
    );
    await kit.writeDataset('bronze.orders', ORDER(`(5, '2026-03-03', 'south', 'c2', 5, 'ok')`));
    const first = await refresh();
    assert.deepEqual(first.metrics, { incremental: 0 });
    assert.equal(first.rowsWritten, 4);
  });

  test('rows appended to one day recompute that day alone, whole: distinct counts and averages stay exact', async () => {
    await kit.writeDataset('bronze.orders', ORDER(`(6, '2026-03-02', 'north', 'c1', 70, 'ok')`));
    const result = await refresh();
    assert.deepEqual(result.metrics, { incremental: 1, periodsRecomputed: 1 });
    assert.equal(result.rowsWritten, 1, 'only the one group of 2026-03-02 was written');
    // c1 ordered again: still 2 customers (not 2 + 1), and the average is over all three orders.
    assert.deepEqual(await stored('2026-03-02'), [
      {
        period: '2026-03-02',
        region: 'north',
        revenue: '150.00',
        orders: '3',
        customers: '2',
        avg_amount: 50,
        per_order: 50,
      },
    ]);
  });

  test('an unchanged input writes nothing', async () => {
    const before = await kit.version('gold.daily');
    const result = await refresh();
    assert.equal(result.rowsWritten, 0);
    assert.deepEqual(result.metrics, { incremental: 1, periodsRecomputed: 0 });
    assert.equal(await kit.version('gold.daily'), before);
  });

  test('changes the filters drop touch no period; the state still moves on past them', async () => {
    const before = await kit.version('gold.daily');
    await kit.writeDataset('bronze.orders', ORDER(`(7, '2026-03-03', 'north', 'c9', 1000, 'void')`));
    const quiet = await refresh();
    assert.deepEqual(quiet.metrics, { incremental: 1, periodsRecomputed: 0 });
    assert.equal(await kit.version('gold.daily'), before);
    await kit.writeDataset('bronze.orders', ORDER(`(8, '2026-03-01', 'north', 'c4', 2, 'ok')`));
    const next = await refresh();
    assert.deepEqual(next.metrics, { incremental: 1, periodsRecomputed: 1 }, 'only 2026-03-01, not the void row’s day');
  });

  test('a merge that deletes a group’s last row removes the group from its period; updates move rows between periods', async () => {
    // Order 2 was the only south order of 2026-03-01.
    await merge(`(2, '2026-03-01', 'south', 'c2', 20, 'gone')`);
    const deleted = await refresh();
    assert.equal(deleted.metrics.incremental, 1);
    assert.deepEqual(
      (await stored('2026-03-01')).map((row) => row.region),
      ['north'],
    );
    // Order 4 moves from 2026-03-02 to 2026-03-03: both days are recomputed.
    await merge(`(4, '2026-03-03', 'north', 'c3', 50, 'ok')`);
    const moved = await refresh();
    assert.equal(moved.metrics.incremental, 1);
    assert.ok(moved.metrics.periodsRecomputed! >= 2);
    assert.deepEqual(await stored('2026-03-02'), [
      {
        period: '2026-03-02',
        region: 'north',
        revenue: '100.00',
        orders: '2',
        customers: '1',
        avg_amount: 50,
        per_order: 50,
      },
    ]);
  });

  test('a period that lost all its rows is recomputed in full, so it disappears', async () => {
    await merge(`(5, '2026-03-03', 'south', 'c2', 5, 'gone'), (4, '2026-03-03', 'north', 'c3', 50, 'gone')`);
    const result = await refresh();
    assert.deepEqual(result.metrics, { incremental: 0 });
    assert.deepEqual(await stored('2026-03-03'), []);
  });

  test('a changed config, a write by someone else, or incremental: false recompute everything', async () => {
    const changed = { ...CONFIG, measures: [...CONFIG.measures, { name: 'top', type: 'max', column: 'amount' }] };
    const reconfigured = await refresh(changed);
    assert.deepEqual(reconfigured.metrics, { incremental: 0 });
    assert.ok('top' in (await kit.rows('gold.daily'))[0]!);

    // Another job appends a stray row to the output: the next run does not trust its state and rebuilds.
    await kit.runJob(
      {
        id: 'stray',
        operator: upstream,
        config: { request: { sql: 'SELECT * FROM gold.daily LIMIT 1', mode: 'append' } },
        inputs: ['gold.daily'],
        output: 'gold.daily',
      },
      { runSequence: ++sequence },
    );
    await kit.writeDataset('bronze.orders', ORDER(`(9, '2026-03-04', 'west', 'c5', 8, 'ok')`));
    const rebuilt = await refresh(changed);
    assert.deepEqual(rebuilt.metrics, { incremental: 0 });

    await kit.writeDataset('bronze.orders', ORDER(`(10, '2026-03-04', 'west', 'c6', 9, 'ok')`));
    const forced = await refresh({ ...changed, incremental: false });
    assert.deepEqual(forced.metrics, { incremental: 0 });
    // Turning incremental back on keeps the state the full run committed.
    await kit.writeDataset('bronze.orders', ORDER(`(11, '2026-03-04', 'west', 'c6', 1, 'ok')`));
    const resumed = await refresh(changed);
    assert.deepEqual(resumed.metrics, { incremental: 1, periodsRecomputed: 1 });
  });

  test('a retried attempt of a committed run writes nothing again', async () => {
    await kit.writeDataset('bronze.orders', ORDER(`(12, '2026-03-05', 'west', 'c6', 4, 'ok')`));
    const job = {
      id: 'daily',
      operator: metricsOperator,
      config: CONFIG,
      inputs: ['bronze.orders'],
      output: 'gold.daily',
    };
    const runSequence = ++sequence;
    const first = await kit.runJob(job, { runSequence });
    const version = await kit.version('gold.daily');
    const retry = await kit.runJob(job, { runSequence, attempt: 2 });
    assert.ok(first.rowsWritten > 0);
    // The first attempt's state was committed with its write: the retry finds the input unchanged.
    assert.equal(retry.rowsWritten, 0);
    assert.equal(await kit.version('gold.daily'), version);
    assert.deepEqual(await stored('2026-03-05'), [
      {
        period: '2026-03-05',
        region: 'west',
        revenue: '4.00',
        orders: '1',
        customers: '1',
        avg_amount: 4,
        per_order: 4,
      },
    ]);
  });
});

describe('metrics operator: incremental refresh of instants by month in a time zone', () => {
  test('a touched month is recomputed with the rows that fall in it locally, also across the UTC day boundary', async () => {
    const EVENTS = (rows: string) =>
      `SELECT ts::TIMESTAMPTZ AS ts, kind, v::INTEGER AS v FROM (VALUES ${rows}) AS t(ts, kind, v)`;
    // 23:30 UTC on 31 January is 1 February in Oslo.
    await kit.writeDataset(
      'bronze.events',
      EVENTS(`('2026-01-31 23:30:00+00', 'a', 1), ('2026-01-15 12:00:00+00', 'a', 2)`),
    );
    await kit.writeDataset('bronze.events', EVENTS(`('2026-02-10 12:00:00+00', 'b', 4)`));
    const config = {
      measures: [
        { name: 'total', type: 'sum', column: 'v' },
        { name: 'kinds', type: 'count_distinct', column: 'kind' },
      ],
      time: { column: 'ts', grain: 'month', timeZone: 'Europe/Oslo' },
    };
    await refresh(config, 'bronze.events', 'gold.monthly');
    await kit.writeDataset('bronze.events', EVENTS(`('2026-02-28 23:30:00+00', 'b', 8)`));
    const result = await refresh(config, 'bronze.events', 'gold.monthly');
    assert.deepEqual(result.metrics, { incremental: 1, periodsRecomputed: 1 });
    assert.deepEqual(
      sortedRows(await kit.rows('gold.monthly')),
      sortedRows([
        { period: '2026-01-01', total: '2', kinds: '1' },
        { period: '2026-02-01', total: '5', kinds: '2' },
        { period: '2026-03-01', total: '8', kinds: '1' },
      ]),
    );
  });
});

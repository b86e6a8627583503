import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createJobTestKit, sortedRows, type JobTestKit } from '@assay/sdk/testing';
import plugin, { metricsOperator } from './index.ts';

let kit: JobTestKit;
let sequence = 0;

const SALES = `SELECT * FROM (VALUES
  (1, DATE '2026-01-05', 'north', 'c1', 10.00, 2, 'paid', true),
  (2, DATE '2026-01-05', 'north', 'c1', 20.00, 1, 'paid', false),
  (3, DATE '2026-01-05', 'north', 'c2', NULL, 3, 'paid', false),
  (4, DATE '2026-01-05', 'south', 'c3', 5.00, 1, 'cancelled', false),
  (5, DATE '2026-01-06', 'north', 'c2', 7.50, 1, 'paid', true)
) AS t(id, sold_on, region, customer, amount, qty, status, gift)`;

before(async () => {
  kit = await createJobTestKit();
  await kit.writeDataset(
    'bronze.sales',
    `SELECT id::INTEGER AS id, sold_on, region, customer, amount::DECIMAL(10,2) AS amount, qty::INTEGER AS qty,
       status, gift, CAST(sold_on AS TIMESTAMP) + INTERVAL 12 HOUR AS paid_local FROM (${SALES})`,
  );
});
after(() => kit?.close());

const job = (config: Record<string, unknown>, output = 'gold.metrics', inputs = ['bronze.sales']) => ({
  id: output.replace('.', '_'),
  operator: metricsOperator,
  config,
  inputs,
  output,
});
const run = (config: Record<string, unknown>, output?: string, inputs?: string[]) =>
  kit.runJob(job(config, output, inputs), { runSequence: ++sequence });

const DAY = { column: 'sold_on', grain: 'day' };

describe('metrics operator: measures', () => {
  test('every measure type by day and dimension, one row per period × region; the output is partitioned by period', async () => {
    const result = await run(
      {
        measures: [
          { name: 'revenue', type: 'sum', column: 'amount' },
          { name: 'units', type: 'sum', column: 'qty' },
          { name: 'orders', type: 'count' },
          { name: 'priced', type: 'count', column: 'amount' },
          { name: 'customers', type: 'count_distinct', column: 'customer' },
          { name: 'avg_amount', type: 'avg', column: 'amount' },
          { name: 'min_amount', type: 'min', column: 'amount' },
          { name: 'max_amount', type: 'max', column: 'amount' },
          { name: 'first_day', type: 'min', column: 'sold_on' },
          { name: 'per_unit', type: 'ratio', numerator: 'revenue', denominator: 'units' },
          { name: 'line_value', type: 'expression', sql: 'sum(amount * qty)' },
          { name: 'nothing', type: 'expression', sql: 'sum(qty) - sum(qty)' },
          { name: 'per_nothing', type: 'ratio', numerator: 'revenue', denominator: 'nothing' },
          { name: 'paid_revenue', type: 'sum', column: 'amount', filter: "status = 'paid'" },
          { name: 'gift_customers', type: 'count_distinct', column: 'customer', filter: 'gift' },
        ],
        dimensions: ['region'],
        time: DAY,
      },
      'gold.measures',
    );
    assert.equal(result.rowsWritten, 3);
    assert.deepEqual(result.metrics, { incremental: 0 });
    const row = (period: string, region: string, values: Record<string, unknown>) => ({ period, region, ...values });
    assert.deepEqual(
      sortedRows(await kit.rows('gold.measures')),
      sortedRows([
        // NULL amounts: counted by count(*), not by count(amount), ignored by sum, avg, min and max.
        row('2026-01-05', 'north', {
          revenue: '30.00',
          units: '6',
          orders: '3',
          priced: '2',
          customers: '2',
          avg_amount: 15,
          min_amount: '10.00',
          max_amount: '20.00',
          first_day: '2026-01-05',
          per_unit: 5,
          line_value: '40.00',
          nothing: '0',
          per_nothing: null,
          paid_revenue: '30.00',
          gift_customers: '1',
        }),
        row('2026-01-05', 'south', {
          revenue: '5.00',
          units: '1',
          orders: '1',
          priced: '1',
          customers: '1',
          avg_amount: 5,
          min_amount: '5.00',
          max_amount: '5.00',
          first_day: '2026-01-05',
          per_unit: 5,
          line_value: '5.00',
          nothing: '0',
          per_nothing: null,
          paid_revenue: null,
          gift_customers: '0',
        }),
        row('2026-01-06', 'north', {
          revenue: '7.50',
          units: '1',
          orders: '1',
          priced: '1',
          customers: '1',
          avg_amount: 7.5,
          min_amount: '7.50',
          max_amount: '7.50',
          first_day: '2026-01-06',
          per_unit: 7.5,
          line_value: '7.50',
          nothing: '0',
          per_nothing: null,
          paid_revenue: '7.50',
          gift_customers: '1',
        }),
      ]),
    );
    assert.deepEqual(await kit.layout('gold.measures'), { partitionColumns: ['period'], files: 2 });
  });

  test('filters: every predicate must hold; several dimensions; a custom period column', async () => {
    await run(
      {
        measures: [{ name: 'orders', type: 'count' }],
        dimensions: ['region', 'customer'],
        time: { ...DAY, periodColumn: 'sale_day' },
        filters: ["status <> 'cancelled'", 'amount IS NOT NULL'],
      },
      'gold.filtered',
    );
    assert.deepEqual(
      sortedRows(await kit.rows('gold.filtered')),
      sortedRows([
        { sale_day: '2026-01-05', region: 'north', customer: 'c1', orders: '2' },
        { sale_day: '2026-01-06', region: 'north', customer: 'c2', orders: '1' },
      ]),
    );
    assert.deepEqual((await kit.layout('gold.filtered')).partitionColumns, ['sale_day']);
  });
});

describe('metrics operator: time grains, fiscal years and time zones', () => {
  before(async () => {
    await kit.writeDataset(
      'bronze.days',
      `SELECT d::DATE AS day FROM (VALUES ('2025-12-31'), ('2026-01-05'), ('2026-01-11'), ('2026-01-12'),
         ('2026-03-31'), ('2026-04-01')) AS t(d)`,
    );
  });
  const counts = async (time: Record<string, unknown>) => {
    const output = `gold.grain_${++sequence}`;
    await run({ measures: [{ name: 'n', type: 'count' }], time: { column: 'day', ...time } }, output, ['bronze.days']);
    return Object.fromEntries(
      (await kit.rows(output)).map((r) => [String(r.period), Number(r.n)]).sort(([a], [b]) => (a! < b! ? -1 : 1)),
    );
  };

  const cases: Array<[string, Record<string, unknown>, Record<string, number>]> = [
    [
      'week (ISO, from Monday)',
      { grain: 'week' },
      { '2025-12-29': 1, '2026-01-05': 2, '2026-01-12': 1, '2026-03-30': 2 },
    ],
    ['month', { grain: 'month' }, { '2025-12-01': 1, '2026-01-01': 3, '2026-03-01': 1, '2026-04-01': 1 }],
    ['quarter', { grain: 'quarter' }, { '2025-10-01': 1, '2026-01-01': 4, '2026-04-01': 1 }],
    ['year', { grain: 'year' }, { '2025-01-01': 1, '2026-01-01': 5 }],
    // A fiscal year from February: quarters Nov–Jan, Feb–Apr, ...
    [
      'fiscal quarter from February',
      { grain: 'quarter', fiscalYearStartMonth: 2 },
      { '2025-11-01': 4, '2026-02-01': 2 },
    ],
    ['fiscal year from April', { grain: 'year', fiscalYearStartMonth: 4 }, { '2025-04-01': 5, '2026-04-01': 1 }],
  ];
  for (const [name, time, expected] of cases) {
    test(`${name}: the period is its first day`, async () => {
      assert.deepEqual(await counts(time), expected);
    });
  }

  test('time zones: instants are cut into days and months in the zone (UTC without one); a plain TIMESTAMP is UTC', async () => {
    await kit.writeDataset(
      'bronze.events',
      `SELECT ts::TIMESTAMPTZ AS ts, timezone('UTC', ts::TIMESTAMPTZ) AS utc FROM (VALUES
         ('2026-01-05 22:30:00+00'), ('2026-01-05 23:30:00+00'), ('2026-02-01 03:00:00+00')) AS t(ts)`,
    );
    const periods = async (time: Record<string, unknown>) => {
      const output = `gold.zone_${++sequence}`;
      await run({ measures: [{ name: 'n', type: 'count' }], time }, output, ['bronze.events']);
      return Object.fromEntries((await kit.rows(output)).map((r) => [String(r.period), Number(r.n)]));
    };
    assert.deepEqual(await periods({ column: 'ts', grain: 'day' }), { '2026-01-05': 2, '2026-02-01': 1 });
    // Oslo is UTC+1 in winter: 23:30 UTC is past midnight there.
    assert.deepEqual(await periods({ column: 'ts', grain: 'day', timeZone: 'Europe/Oslo' }), {
      '2026-01-05': 1,
      '2026-01-06': 1,
      '2026-02-01': 1,
    });
    // New York is UTC-5: 03:00 UTC on 1 February is still January there.
    assert.deepEqual(await periods({ column: 'ts', grain: 'month', timeZone: 'America/New_York' }), {
      '2026-01-01': 3,
    });
    assert.deepEqual(await periods({ column: 'utc', grain: 'day' }), { '2026-01-05': 2, '2026-02-01': 1 });
    assert.deepEqual(await periods({ column: 'utc', grain: 'day', timeZone: 'Europe/Oslo' }), {
      '2026-01-05': 1,
      '2026-01-06': 1,
      '2026-02-01': 1,
    });
  });
});

describe('metrics operator: bad input (nothing is written)', () => {
  const REVENUE = { name: 'revenue', type: 'sum', column: 'amount' };
  const refused = async (
    config: Record<string, unknown>,
    expected: { code: string; path?: string; message?: RegExp; details?: Record<string, unknown> },
  ) => {
    await assert.rejects(
      run(config, 'gold.refused'),
      (error: { code?: string; message?: string; details?: Record<string, unknown> }) => {
        assert.equal(error.code, expected.code, error.message);
        if (expected.path !== undefined) assert.equal(error.details?.path, expected.path);
        if (expected.message !== undefined) assert.match(error.message!, expected.message);
        for (const [key, value] of Object.entries(expected.details ?? {}))
          assert.deepEqual(error.details?.[key], value);
        return true;
      },
    );
    assert.equal(await kit.version('gold.refused'), undefined, 'nothing was written');
  };

  test('a sum or avg over a non-numeric column is METRICS_MEASURE_NOT_NUMERIC naming the column and its type', async () => {
    await refused(
      { measures: [REVENUE, { name: 'spend', type: 'sum', column: 'customer' }], time: DAY },
      {
        code: 'METRICS_MEASURE_NOT_NUMERIC',
        path: 'config.measures[1].column',
        message: /"customer", which is VARCHAR/,
        details: { column: 'customer', type: 'VARCHAR' },
      },
    );
    await refused(
      { measures: [{ name: 'mean', type: 'avg', column: 'gift' }], time: DAY },
      { code: 'METRICS_MEASURE_NOT_NUMERIC', details: { column: 'gift', type: 'BOOLEAN' } },
    );
    // min and max also take dates (tested above), but not booleans.
    await refused(
      { measures: [{ name: 'lowest', type: 'min', column: 'gift' }], time: DAY },
      { code: 'METRICS_MEASURE_NOT_NUMERIC', path: 'config.measures[0].column' },
    );
  });

  test('an unknown column is METRICS_COLUMN_MISSING with its config path', async () => {
    await refused(
      { measures: [{ name: 'x', type: 'sum', column: 'nope' }], time: DAY },
      { code: 'METRICS_COLUMN_MISSING', path: 'config.measures[0].column', message: /has no column "nope"/ },
    );
    await refused(
      { measures: [REVENUE], dimensions: ['region', 'country'], time: DAY },
      { code: 'METRICS_COLUMN_MISSING', path: 'config.dimensions[1]' },
    );
    await refused(
      { measures: [REVENUE], time: { column: 'sold_at', grain: 'day' } },
      { code: 'METRICS_COLUMN_MISSING', path: 'config.time.column' },
    );
  });

  test('an invalid grain, or fields that do not fit together, are JOB_CONFIG_INVALID with the path', async () => {
    await refused(
      { measures: [REVENUE], time: { column: 'sold_on', grain: 'hour' } },
      {
        code: 'JOB_CONFIG_INVALID',
        path: 'config.time.grain',
      },
    );
    await refused(
      { measures: [REVENUE], time: { ...DAY, fiscalYearStartMonth: 4 } },
      {
        code: 'JOB_CONFIG_INVALID',
        path: 'config.time.fiscalYearStartMonth',
      },
    );
    await refused(
      { measures: [{ name: 'x', type: 'sum' }], time: DAY },
      {
        code: 'JOB_CONFIG_INVALID',
        path: 'config.measures[0].column',
      },
    );
    await refused(
      { measures: [{ name: 'x', type: 'count', sql: 'count(*)' }], time: DAY },
      {
        code: 'JOB_CONFIG_INVALID',
        path: 'config.measures[0].sql',
      },
    );
    await refused(
      { measures: [REVENUE, { name: 'r', type: 'ratio', numerator: 'revenue', denominator: 'units' }], time: DAY },
      {
        code: 'JOB_CONFIG_INVALID',
        path: 'config.measures[1].denominator',
      },
    );
    await refused(
      { measures: [{ name: 'bad name', type: 'count' }], time: DAY },
      {
        code: 'JOB_CONFIG_INVALID',
        path: 'config.measures.0.name',
      },
    );
  });

  test('time column and zone problems have their own codes', async () => {
    await refused(
      { measures: [REVENUE], time: { column: 'region', grain: 'day' } },
      { code: 'METRICS_TIME_COLUMN_INVALID', details: { column: 'region', type: 'VARCHAR' } },
    );
    await refused(
      { measures: [REVENUE], time: { ...DAY, timeZone: 'Europe/Oslo' } },
      { code: 'METRICS_TIME_ZONE_NOT_APPLICABLE', path: 'config.time.timeZone' },
    );
    await refused(
      {
        measures: [{ name: 'n', type: 'count' }],
        time: { column: 'paid_local', grain: 'day', timeZone: 'Mars/Olympus' },
      },
      { code: 'METRICS_TIME_ZONE_INVALID', path: 'config.time.timeZone', message: /Mars\/Olympus/ },
    );
  });

  test('SQL in filters and expressions is checked first: SQL_INVALID naming the field', async () => {
    await refused(
      { measures: [REVENUE], time: DAY, filters: ['amount > 0', 'missing = 1'] },
      {
        code: 'SQL_INVALID',
        path: 'config.filters[1]',
        message: /missing/,
      },
    );
    await refused(
      { measures: [REVENUE], time: DAY, filters: ['amount'] },
      {
        code: 'SQL_INVALID',
        path: 'config.filters[0]',
        message: /not a condition/,
      },
    );
    await refused(
      { measures: [{ name: 'x', type: 'expression', sql: 'amount * 2' }], time: DAY },
      {
        code: 'SQL_INVALID',
        path: 'config.measures[0].sql',
        message: /GROUP BY|aggregate/,
      },
    );
    await refused(
      { measures: [{ ...REVENUE, filter: 'status =' }], time: DAY },
      {
        code: 'SQL_INVALID',
        path: 'config.measures[0].filter',
      },
    );
  });

  test('two output columns with one name are METRICS_NAME_CONFLICT', async () => {
    await refused(
      { measures: [{ name: 'region', type: 'count' }], dimensions: ['region'], time: DAY },
      {
        code: 'METRICS_NAME_CONFLICT',
        path: 'config.measures[0].name',
      },
    );
    await refused(
      { measures: [{ name: 'period', type: 'count' }], time: DAY },
      {
        code: 'METRICS_NAME_CONFLICT',
      },
    );
  });
});

test('the plugin contributes the metrics operator', () => {
  assert.equal(plugin.id, 'operator-metrics');
  assert.deepEqual(
    plugin.operators?.map((o) => [o.type, o.version, o.category, o.output]),
    [['metrics', 1, 'gold', 'table']],
  );
});

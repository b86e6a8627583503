import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createJobTestKit, sortedRows, type JobTestKit } from '@assay/sdk/testing';
import plugin, { snapshotOperator } from './index.ts';

let kit: JobTestKit;
let sequence = 0;

const DIM = `SELECT customer_id::INTEGER AS customer_id, city, valid_from::DATE AS valid_from,
  valid_to::DATE AS valid_to, is_current FROM (VALUES
  (1, 'oslo', '2026-01-01', '2026-02-15', false),
  (1, 'bergen', '2026-02-15', NULL, true),
  (2, 'rome', '2026-01-10', '2026-03-01', false),
  (3, 'lima', '2026-02-01', NULL, true)
) AS t(customer_id, city, valid_from, valid_to, is_current)`;

before(async () => {
  kit = await createJobTestKit();
  await kit.writeDataset('silver.dim_customer', DIM);
});
after(() => kit?.close());

type Config = Record<string, unknown>;
const job = (config: Config, output: string, input = 'silver.dim_customer', partitions?: { column: string }) => ({
  id: output.replace('.', '_'),
  operator: snapshotOperator,
  config,
  inputs: [input],
  output,
  ...(partitions === undefined ? {} : { partitions }),
});
const run = (config: Config, output: string, input?: string) =>
  kit.runJob(job(config, output, input), { runSequence: ++sequence });

/** `{ day: ['1 bergen', ...] }`: who was where on each snapshot day. */
const byDay = async (output: string, column = 'snapshot_date') => {
  const days: Record<string, string[]> = {};
  for (const row of await kit.rows(output)) {
    (days[String(row[column])] ??= []).push(`${String(row.customer_id)} ${String(row.city)}`);
  }
  for (const list of Object.values(days)) list.sort();
  return days;
};

describe('snapshot operator: SCD2 dimensions', () => {
  test('as of one day: the versions valid at its end (open end NULL), stamped, partitioned by snapshot_date', async () => {
    const result = await run({ asOf: '2026-02-15' }, 'gold.customers_asof');
    assert.equal(result.rowsWritten, 3);
    assert.deepEqual(
      sortedRows(await kit.rows('gold.customers_asof')),
      sortedRows([
        // Oslo ended on 2026-02-15 (valid_to is exclusive): Bergen holds at the end of that day.
        {
          snapshot_date: '2026-02-15',
          customer_id: 1,
          city: 'bergen',
          valid_from: '2026-02-15',
          valid_to: null,
          is_current: true,
        },
        {
          snapshot_date: '2026-02-15',
          customer_id: 2,
          city: 'rome',
          valid_from: '2026-01-10',
          valid_to: '2026-03-01',
          is_current: false,
        },
        {
          snapshot_date: '2026-02-15',
          customer_id: 3,
          city: 'lima',
          valid_from: '2026-02-01',
          valid_to: null,
          is_current: true,
        },
      ]),
    );
    assert.deepEqual(await kit.layout('gold.customers_asof'), { partitionColumns: ['snapshot_date'], files: 1 });
  });

  test('custom column names, timestamps and a far-future open end; a change during the day counts at its end', async () => {
    await kit.writeDataset(
      'silver.dim_store',
      `SELECT customer_id::INTEGER AS customer_id, city, start_at::TIMESTAMP AS start_at, end_at::TIMESTAMP AS end_at
       FROM (VALUES (1, 'oslo', '2026-01-01 00:00:00', '2026-02-15 10:00:00'),
                    (1, 'bergen', '2026-02-15 10:00:00', '9999-12-31 00:00:00')) AS t(customer_id, city, start_at, end_at)`,
    );
    const config = { validFrom: 'start_at', validTo: 'end_at', range: { from: '2026-02-14', to: '2026-02-16' } };
    await run(config, 'gold.stores_daily', 'silver.dim_store');
    assert.deepEqual(await byDay('gold.stores_daily'), {
      '2026-02-14': ['1 oslo'],
      '2026-02-15': ['1 bergen'],
      '2026-02-16': ['1 bergen'],
    });
  });

  test('a time zone moves the end of the day for TIMESTAMP WITH TIME ZONE columns', async () => {
    await kit.writeDataset(
      'silver.dim_zoned',
      `SELECT 1 AS customer_id, city, vf::TIMESTAMPTZ AS valid_from, vt::TIMESTAMPTZ AS valid_to FROM (VALUES
         ('oslo', '2026-01-01 00:00:00+00', '2026-02-15 23:30:00+00'),
         ('bergen', '2026-02-15 23:30:00+00', NULL)) AS t(city, vf, vt)`,
    );
    await run({ asOf: '2026-02-15' }, 'gold.zoned_utc', 'silver.dim_zoned');
    // Without a zone the day ends at midnight UTC: the move at 23:30 UTC is in.
    assert.deepEqual(await byDay('gold.zoned_utc'), { '2026-02-15': ['1 bergen'] });
    // 23:30 UTC is 00:30 the next day in Oslo: the move had not happened by Oslo's midnight.
    await run({ asOf: '2026-02-15', timeZone: 'Europe/Oslo' }, 'gold.zoned_oslo', 'silver.dim_zoned');
    assert.deepEqual(await byDay('gold.zoned_oslo'), { '2026-02-15': ['1 oslo'] });
    // In New York (UTC-5) the day ends at 05:00 UTC on the 16th: the move is in.
    await run({ asOf: '2026-02-15', timeZone: 'America/New_York' }, 'gold.zoned_ny', 'silver.dim_zoned');
    assert.deepEqual(await byDay('gold.zoned_ny'), { '2026-02-15': ['1 bergen'] });
  });

  test('periodic snapshots: month ends, month starts and week ends (Sundays) of a range', async () => {
    const days = async (range: Config) => {
      const output = `gold.periodic_${++sequence}`;
      await run({ range: { from: '2026-01-01', to: '2026-03-31', ...range } }, output);
      return Object.keys(await byDay(output)).sort();
    };
    const monthEnds = `gold.month_ends`;
    await run({ range: { from: '2026-01-01', to: '2026-03-31', every: 'month' } }, monthEnds);
    assert.deepEqual(await byDay(monthEnds), {
      '2026-01-31': ['1 oslo', '2 rome'],
      '2026-02-28': ['1 bergen', '2 rome', '3 lima'],
      '2026-03-31': ['1 bergen', '3 lima'],
    });
    assert.deepEqual(await days({ every: 'month', at: 'start' }), ['2026-01-01', '2026-02-01', '2026-03-01']);
    const sundays = await days({ every: 'week', to: '2026-01-31' });
    assert.deepEqual(sundays, ['2026-01-04', '2026-01-11', '2026-01-18', '2026-01-25']);
    const mondays = await days({ every: 'week', at: 'start', to: '2026-01-20' });
    assert.deepEqual(mondays, ['2026-01-05', '2026-01-12', '2026-01-19']);
  });

  test('re-running a day replaces its snapshot and leaves the other days as they are', async () => {
    const output = 'gold.customers_daily';
    await run({ range: { from: '2026-02-14', to: '2026-02-15' } }, output);
    await kit.writeDataset(
      'silver.dim_customer',
      `SELECT 4 AS customer_id, 'quito' AS city, DATE '2026-02-15' AS valid_from, NULL::DATE AS valid_to, true AS is_current`,
    );
    const rerun = await run({ asOf: '2026-02-15' }, output);
    assert.equal(rerun.rowsWritten, 4);
    assert.deepEqual(await byDay(output), {
      '2026-02-14': ['1 oslo', '2 rome', '3 lima'],
      '2026-02-15': ['1 bergen', '2 rome', '3 lima', '4 quito'],
    });
    // A day whose snapshot is now empty disappears (the table is rewritten, since no partition replaces it).
    const emptied = await run({ asOf: '2026-02-14', filter: 'customer_id > 100' }, output);
    assert.equal(emptied.metrics.emptied, 1);
    assert.deepEqual(await byDay(output), { '2026-02-15': ['1 bergen', '2 rome', '3 lima', '4 quito'] });
  });

  test('columns keeps some columns, filter drops rows, snapshotColumn names the stamp', async () => {
    await run(
      { asOf: '2026-02-28', columns: ['customer_id', 'city'], filter: 'is_current', snapshotColumn: 'as_of' },
      'gold.current_cities',
    );
    assert.deepEqual(
      sortedRows(await kit.rows('gold.current_cities')),
      sortedRows([
        { as_of: '2026-02-28', customer_id: 1, city: 'bergen' },
        { as_of: '2026-02-28', customer_id: 3, city: 'lima' },
        { as_of: '2026-02-28', customer_id: 4, city: 'quito' },
      ]),
    );
    assert.deepEqual((await kit.layout('gold.current_cities')).partitionColumns, ['as_of']);
  });

  test('asOf today and yesterday are UTC days (the default is today)', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    await run({ columns: ['customer_id'] }, 'gold.today');
    await run({ asOf: 'yesterday', columns: ['customer_id'] }, 'gold.yesterday');
    const days = async (output: string) => [...new Set((await kit.rows(output)).map((r) => r.snapshot_date))];
    assert.deepEqual(await days('gold.today'), [today]);
    assert.deepEqual(await days('gold.yesterday'), [yesterday]);
  });
});

describe('snapshot operator: facts and other tables', () => {
  before(async () => {
    await kit.writeDataset(
      'silver.orders',
      `SELECT id::INTEGER AS id, day::DATE AS order_day, placed::TIMESTAMPTZ AS placed_at, amount::INTEGER AS amount
       FROM (VALUES (1, '2026-02-14', '2026-02-14 12:00:00+00', 10), (2, '2026-02-15', '2026-02-15 23:30:00+00', 20),
                    (3, '2026-02-16', '2026-02-16 08:00:00+00', 30)) AS t(id, day, placed, amount)`,
    );
  });
  const ids = async (output: string) => {
    const days: Record<string, number[]> = {};
    for (const row of await kit.rows(output)) (days[String(row.snapshot_date)] ??= []).push(Number(row.id));
    for (const list of Object.values(days)) list.sort();
    return days;
  };

  test('as of a day: the rows dated on or before it', async () => {
    await run(
      { source: 'table', dateColumn: 'order_day', range: { from: '2026-02-14', to: '2026-02-16' } },
      'gold.orders_to_date',
      'silver.orders',
    );
    assert.deepEqual(await ids('gold.orders_to_date'), {
      '2026-02-14': [1],
      '2026-02-15': [1, 2],
      '2026-02-16': [1, 2, 3],
    });
    await run(
      { source: 'table', dateColumn: 'placed_at', asOf: '2026-02-15', timeZone: 'Europe/Oslo' },
      'gold.orders_oslo',
      'silver.orders',
    );
    assert.deepEqual(await ids('gold.orders_oslo'), { '2026-02-15': [1] }, 'order 2 was placed on the 16th in Oslo');
  });

  test('without a date column: a copy of the table stamped with each day', async () => {
    const result = await run(
      { source: 'table', range: { from: '2026-02-01', to: '2026-02-02' } },
      'gold.orders_copy',
      'silver.orders',
    );
    assert.equal(result.rowsWritten, 6);
    assert.deepEqual(await ids('gold.orders_copy'), { '2026-02-01': [1, 2, 3], '2026-02-02': [1, 2, 3] });
  });
});

describe('snapshot operator: partition runs (backfills)', () => {
  const day = (key: string) => {
    const next = new Date(Date.parse(`${key}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    return { key, start: key, end: next };
  };
  const partitioned = (config: Config, output: string, column = 'snapshot_date') =>
    job(config, output, 'silver.dim_customer', { column });

  test('a relative asOf snapshots each day of the partition; a retry commits nothing again', async () => {
    const daily = partitioned({ asOf: 'yesterday' }, 'gold.backfilled');
    const runSequence = ++sequence;
    const first = await kit.runJob(daily, { runSequence, partition: day('2026-02-14') });
    assert.equal(first.rowsWritten, 3);
    await kit.runJob(daily, { runSequence, partition: { key: '2026-03', start: '2026-03-01', end: '2026-03-03' } });
    assert.deepEqual(await byDay('gold.backfilled'), {
      '2026-02-14': ['1 oslo', '2 rome', '3 lima'],
      '2026-03-01': ['1 bergen', '3 lima', '4 quito'],
      '2026-03-02': ['1 bergen', '3 lima', '4 quito'],
    });
    const retry = await kit.runJob(daily, { runSequence, attempt: 2, partition: day('2026-02-14') });
    assert.equal(retry.skipped, true);
  });

  test('a range or a fixed day keeps its own dates inside the partition; a partition without one is emptied', async () => {
    const monthly = partitioned(
      { range: { from: '2026-01-01', to: '2026-12-31', every: 'month' } },
      'gold.month_end_backfill',
    );
    await kit.runJob(monthly, {
      runSequence: ++sequence,
      partition: { key: '2026-02', start: '2026-02-01', end: '2026-03-01' },
    });
    assert.deepEqual(Object.keys(await byDay('gold.month_end_backfill')), ['2026-02-28']);
    const fixed = partitioned({ asOf: '2026-02-14' }, 'gold.backfilled');
    const outside = await kit.runJob(fixed, { runSequence: ++sequence, partition: day('2026-03-01') });
    assert.equal(outside.rowsWritten, 0);
    assert.deepEqual(Object.keys(await byDay('gold.backfilled')).sort(), ['2026-02-14', '2026-03-02']);
  });

  test('the partition column must be the snapshot column: SNAPSHOT_PARTITION_COLUMN_MISMATCH', async () => {
    await assert.rejects(
      kit.runJob(partitioned({ asOf: 'today' }, 'gold.mismatch', 'day'), {
        runSequence: ++sequence,
        partition: day('2026-02-14'),
      }),
      (error: { code?: string }) => error.code === 'SNAPSHOT_PARTITION_COLUMN_MISMATCH',
    );
    assert.equal(await kit.version('gold.mismatch'), undefined);
    assert.equal(snapshotOperator.partitions?.unsupported?.({} as never), undefined);
  });
});

describe('snapshot operator: bad input (nothing is written)', () => {
  const refused = async (
    config: Config,
    expected: { code: string; path?: string; message?: RegExp },
    input?: string,
  ) => {
    await assert.rejects(
      run(config, 'gold.refused', input),
      (error: { code?: string; message?: string; details?: { path?: string } }) => {
        assert.equal(error.code, expected.code, error.message);
        if (expected.path !== undefined) assert.equal(error.details?.path, expected.path);
        if (expected.message !== undefined) assert.match(error.message!, expected.message);
        return true;
      },
    );
    assert.equal(await kit.version('gold.refused'), undefined, 'nothing was written');
  };

  test('missing or mistyped SCD2 and date columns', async () => {
    await refused(
      { asOf: '2026-02-15', validFrom: 'start_date' },
      { code: 'SNAPSHOT_COLUMN_MISSING', path: 'config.validFrom', message: /no column "start_date"/ },
    );
    await refused(
      { asOf: '2026-02-15', validTo: 'city' },
      { code: 'SNAPSHOT_COLUMN_TYPE_INVALID', path: 'config.validTo', message: /VARCHAR/ },
    );
    await refused(
      { asOf: '2026-02-15', columns: ['customer_id', 'country'] },
      { code: 'SNAPSHOT_COLUMN_MISSING', path: 'config.columns[1]' },
    );
    await refused(
      { source: 'table', asOf: '2026-02-15', dateColumn: 'nope' },
      { code: 'SNAPSHOT_COLUMN_MISSING', path: 'config.dateColumn' },
    );
    await refused(
      { asOf: '2026-02-15', snapshotColumn: 'city' },
      { code: 'SNAPSHOT_COLUMN_CONFLICT', path: 'config.snapshotColumn' },
    );
  });

  test('dates and fields that do not fit together are JOB_CONFIG_INVALID with the path', async () => {
    await refused({ asOf: 'tomorrow' }, { code: 'JOB_CONFIG_INVALID', path: 'config.asOf' });
    await refused({ asOf: '2026-02-30' }, { code: 'JOB_CONFIG_INVALID', path: 'config.asOf' });
    await refused(
      { asOf: '2026-02-15', range: { from: '2026-02-01', to: '2026-02-02' } },
      { code: 'JOB_CONFIG_INVALID', path: 'config.range' },
    );
    await refused(
      { range: { from: '2026-02-10', to: '2026-02-01' } },
      { code: 'JOB_CONFIG_INVALID', path: 'config.range.to' },
    );
    await refused(
      { range: { from: '2026-02-01', to: '2026-02-02', every: 'hour' } },
      { code: 'JOB_CONFIG_INVALID', path: 'config.range.every' },
    );
    await refused(
      { asOf: '2026-02-15', dateColumn: 'valid_from' },
      { code: 'JOB_CONFIG_INVALID', path: 'config.dateColumn' },
    );
    await refused(
      { source: 'table', asOf: '2026-02-15', validFrom: 'valid_from' },
      { code: 'JOB_CONFIG_INVALID', path: 'config.validFrom' },
    );
    await refused(
      { range: { from: '2000-01-01', to: '2099-12-31' } },
      { code: 'SNAPSHOT_RANGE_TOO_LARGE', path: 'config.range' },
    );
  });

  test('SQL and time zone problems', async () => {
    await refused(
      { asOf: '2026-02-15', filter: 'nope = 1' },
      { code: 'SQL_INVALID', path: 'config.filter', message: /nope/ },
    );
    await refused(
      { asOf: '2026-02-15', filter: 'city' },
      { code: 'SQL_INVALID', path: 'config.filter', message: /not a condition/ },
    );
    await refused(
      { asOf: '2026-02-15', timeZone: 'Mars/Olympus' },
      { code: 'SNAPSHOT_TIME_ZONE_INVALID', path: 'config.timeZone' },
      'silver.dim_zoned',
    );
    await refused(
      { asOf: '2026-02-15', timeZone: 'Europe/Oslo' },
      { code: 'SNAPSHOT_TIME_ZONE_NOT_APPLICABLE', path: 'config.timeZone' },
    );
  });
});

test('the plugin contributes the snapshot operator, which can run by partition', () => {
  assert.equal(plugin.id, 'operator-snapshot');
  assert.deepEqual(
    plugin.operators?.map((o) => [o.type, o.version, o.category, o.output, o.partitions !== undefined]),
    [['snapshot', 1, 'gold', 'table', true]],
  );
});

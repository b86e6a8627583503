import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createJobTestKit, sortedRows, type JobTestKit } from '@assay/sdk/testing';
import plugin, { factOperator } from './index.ts';

let kit: JobTestKit;

// SCD2 with NULL as the open end. Versions are valid from valid_from up to, not including, valid_to.
const PRODUCTS = `SELECT product_sk::BIGINT AS product_sk, sku, category, valid_from, valid_to FROM (VALUES
  (1, 'A', 'toys', TIMESTAMP '2026-01-01', TIMESTAMP '2026-01-10'),
  (2, 'A', 'games', TIMESTAMP '2026-01-10', NULL),
  (3, 'B', 'food', TIMESTAMP '2026-01-05', NULL)
) AS t(product_sk, sku, category, valid_from, valid_to)`;

// Other names, DATE validity and a far-future open end.
const STORES = `SELECT * FROM (VALUES
  (10, 'S1', 'north', DATE '2025-01-01', DATE '2026-01-08'),
  (11, 'S1', 'south', DATE '2026-01-08', DATE '9999-12-31'),
  (20, 'S2', 'east', DATE '2025-01-01', DATE '9999-12-31')
) AS t(store_key, store_code, region, eff_from, eff_to)`;

const SALES = (extra = '') => `SELECT * FROM (VALUES
  (1, 1, DATE '2026-01-02', TIMESTAMP '2026-01-02 10:00', 'A', 'S1', 2, '10.50'),
  (1, 2, DATE '2026-01-02', TIMESTAMP '2026-01-02 10:00', 'B', 'S1', 1, '3.25'),
  (2, 1, DATE '2026-01-10', TIMESTAMP '2026-01-10 00:00', 'A', 'S2', 1, '12'),
  (3, 1, DATE '2026-01-12', TIMESTAMP '2026-01-12 09:30', 'Z', 'S1', 5, '1'),
  (4, 1, DATE '2026-01-08', TIMESTAMP '2026-01-08 12:00', 'B', NULL, 1, '2')${extra}
) AS t(order_id, line, sale_date, sold_at, product_sku, store, qty, amount)`;

const INPUTS = ['silver.sales', 'silver.dim_product', 'silver.dim_store'];

const PRODUCT = {
  dataset: 'silver.dim_product',
  businessKey: ['sku'],
  sourceKey: ['product_sku'],
  surrogateKey: 'product_sk',
  keyColumn: 'product_key',
};
const STORE = {
  dataset: 'silver.dim_store',
  businessKey: ['store_code'],
  sourceKey: ['store'],
  surrogateKey: 'store_key',
  validFrom: 'eff_from',
  validTo: 'eff_to',
};

const base = (extra: Record<string, unknown> = {}) => ({
  source: 'silver.sales',
  eventTime: 'sold_at',
  dimensions: [PRODUCT, STORE],
  attributes: ['order_id', 'line', 'sale_date'],
  measures: [
    { name: 'quantity', column: 'qty' },
    { name: 'amount', type: 'DECIMAL(10,2)' },
  ],
  grain: ['order_id', 'line'],
  ...extra,
});

const fact = (
  order: number,
  line: number,
  day: string,
  product: string,
  store: number,
  quantity: number,
  amount: string,
) => ({
  order_id: order,
  line,
  sale_date: day,
  product_key: product,
  store_key: store,
  quantity,
  amount,
});

// BIGINT keys come back as text, INTEGER ones as numbers.
const EXPECTED = [
  fact(1, 1, '2026-01-02', '1', 10, 2, '10.50'),
  // B's first version starts on 2026-01-05: a late-arriving member, so the unknown key.
  fact(1, 2, '2026-01-02', '-1', 10, 1, '3.25'),
  // Exactly at the change: the new version (valid_to is exclusive).
  fact(2, 1, '2026-01-10', '2', 20, 1, '12.00'),
  // Z is in no version at all; S1 changed region on 2026-01-08.
  fact(3, 1, '2026-01-12', '-1', 11, 5, '1.00'),
  // No store: unknown.
  fact(4, 1, '2026-01-08', '3', -1, 1, '2.00'),
];

before(async () => {
  kit = await createJobTestKit();
  await kit.writeDataset('silver.dim_product', PRODUCTS);
  await kit.writeDataset('silver.dim_store', STORES);
  await kit.writeDataset('silver.sales', SALES());
});
after(() => kit?.close());

const factJob = (config: Record<string, unknown>, output: string, inputs = INPUTS) => ({
  id: output.replace('.', '_'),
  operator: factOperator,
  config,
  inputs,
  output,
});

const without = <T extends object>(value: T, field: keyof T) =>
  Object.fromEntries(Object.entries(value).filter(([name]) => name !== field));

const code =
  (expected: string, path?: string) => (error: { code?: string; message?: string; details?: { path?: string } }) => {
    assert.equal(error.code, expected, error.message);
    if (path !== undefined) assert.equal(error.details?.path, path);
    return true;
  };

describe('fact: point-in-time lookups (outputs compared as multisets)', () => {
  test('keys of the version valid at the event time; unknown and late members get -1 and are counted', async () => {
    const result = await kit.runJob(factJob(base(), 'gold.fct_sales'));
    assert.equal(result.rowsWritten, 5);
    const rows = await kit.rows('gold.fct_sales');
    assert.deepEqual(Object.keys(rows[0]!), [
      'order_id',
      'line',
      'sale_date',
      'product_key',
      'store_key',
      'quantity',
      'amount',
    ]);
    assert.deepEqual(sortedRows(rows), sortedRows(EXPECTED));
    assert.deepEqual(result.metrics, {
      rows: 5,
      'unknown.dim_product': 2,
      'late.dim_product': 1,
      'unknown.dim_store': 1,
      'late.dim_store': 0,
      'grain.duplicate_keys': 0,
      quarantined: 0,
    });
    // A full refresh replaces the table on the next run.
    await kit.runJob(factJob(base({ attributes: ['order_id', 'line'], measures: [] }), 'gold.fct_sales'), {
      runSequence: 2,
    });
    assert.deepEqual(Object.keys((await kit.rows('gold.fct_sales'))[0]!), [
      'order_id',
      'line',
      'product_key',
      'store_key',
    ]);
  });

  test('the unknown key is configurable, per fact and per dimension', async () => {
    await kit.runJob(
      factJob(base({ unknownKey: 0, dimensions: [PRODUCT, { ...STORE, unknownKey: -99 }] }), 'gold.fct_unknown'),
    );
    const keys = Object.fromEntries(
      (await kit.rows('gold.fct_unknown')).map((row) => [
        `${row.order_id}.${row.line}`,
        [row.product_key, row.store_key],
      ]),
    );
    assert.deepEqual(keys, {
      '1.1': ['1', 10],
      '1.2': ['0', 10],
      '2.1': ['2', 20],
      '3.1': ['0', 11],
      '4.1': ['3', -99],
    });
  });

  test('validToInclusive, and a dimension looked up at its own event time column', async () => {
    // Versions that end on the last day they are valid, looked up by the sale's date.
    await kit.writeDataset(
      'silver.dim_closed',
      `SELECT * FROM (VALUES (1, 'A', DATE '2026-01-01', DATE '2026-01-09'), (2, 'A', DATE '2026-01-10', NULL))
       AS t(sk, sku, valid_from, valid_to)`,
    );
    await kit.writeDataset(
      'silver.closed_sales',
      `SELECT * FROM (VALUES (1, DATE '2026-01-09', TIMESTAMP '2026-01-09 23:00', 'A'), (2, DATE '2026-01-10', TIMESTAMP '2026-01-10 01:00', 'A'))
       AS t(id, day, at_time, sku)`,
    );
    const dimension = { dataset: 'silver.dim_closed', businessKey: ['sku'], surrogateKey: 'sk' };
    const run = (extra: Record<string, unknown>, output: string) =>
      kit.runJob(
        factJob(
          {
            source: 'silver.closed_sales',
            eventTime: 'at_time',
            dimensions: [{ ...dimension, ...extra }],
            attributes: ['id'],
            grain: ['id'],
          },
          output,
          ['silver.closed_sales', 'silver.dim_closed'],
        ),
      );
    await run({ validToInclusive: true, eventTime: 'day' }, 'gold.closed');
    assert.deepEqual(sortedRows(await kit.rows('gold.closed')), [
      { id: 1, sk: 1 },
      { id: 2, sk: 2 },
    ]);
    // Half-open, the last day of a version is a gap.
    await run({ eventTime: 'day' }, 'gold.closed_open');
    assert.deepEqual(sortedRows(await kit.rows('gold.closed_open')), [
      { id: 1, sk: -1 },
      { id: 2, sk: 2 },
    ]);
    // With the timestamp, 23:00 on the 9th is after the version ended at midnight (a DATE's start).
    await run({ validToInclusive: true }, 'gold.closed_at');
    assert.deepEqual(sortedRows(await kit.rows('gold.closed_at')), [
      { id: 1, sk: -1 },
      { id: 2, sk: 2 },
    ]);
  });
});

describe('fact: unknown members and the grain', () => {
  test('onUnknown quarantine sets the rows aside with the dimension, time and key; a dimension may override', async () => {
    const result = await kit.runJob(
      factJob(base({ dimensions: [{ ...PRODUCT, onUnknown: 'quarantine' }, STORE] }), 'gold.fct_q'),
    );
    assert.equal(result.rowsQuarantined, 2);
    assert.deepEqual(
      sortedRows(await kit.rows('gold.fct_q')),
      sortedRows(EXPECTED.filter((row) => row.product_key !== '-1')),
    );
    const quarantined = await kit.quarantined('gold.fct_q');
    assert.deepEqual(
      sortedRows(
        quarantined.map(({ rule, reason, column, row }) => ({
          rule,
          reason,
          column,
          order_id: row.order_id,
          keys: Object.keys(row).length,
        })),
      ),
      sortedRows([
        {
          rule: 'fact.unknown.dim_product',
          reason: 'no version of silver.dim_product at 2026-01-02 10:00:00+00 for sku=B',
          column: 'product_sku',
          order_id: 1,
          keys: 8,
        },
        {
          rule: 'fact.unknown.dim_product',
          reason: 'no version of silver.dim_product at 2026-01-12 09:30:00+00 for sku=Z',
          column: 'product_sku',
          order_id: 3,
          keys: 8,
        },
      ]),
    );
    // The fact-wide setting applies to dimensions that do not override it.
    const everywhere = await kit.runJob(factJob(base({ onUnknown: 'quarantine' }), 'gold.fct_q_all'));
    assert.equal(everywhere.rowsQuarantined, 3);
    assert.equal((await kit.rows('gold.fct_q_all')).length, 2);
  });

  test('onUnknown fail is FACT_UNKNOWN_MEMBER with a sample key and time; nothing is written', async () => {
    await assert.rejects(
      kit.runJob(factJob(base({ dimensions: [PRODUCT, { ...STORE, onUnknown: 'fail' }] }), 'gold.fct_fail')),
      (error: { code?: string; message?: string; details?: Record<string, unknown> }) => {
        assert.equal(error.code, 'FACT_UNKNOWN_MEMBER');
        assert.equal(error.details?.path, 'config.dimensions[1]');
        assert.match(error.message!, /\(dim_store\): 1 row\(s\) have no version of silver\.dim_store/);
        assert.deepEqual(error.details?.sample, { store: null, sold_at: '2026-01-08 12:00:00+00' });
        return true;
      },
    );
    assert.equal(await kit.version('gold.fct_fail'), undefined);
  });

  test('a grain held twice is FACT_GRAIN_VIOLATION naming a sample key; nothing is written', async () => {
    await assert.rejects(
      kit.runJob(factJob(base({ grain: ['sale_date', 'store_key'] }), 'gold.fct_grain')),
      (error: { code?: string; message?: string; details?: Record<string, unknown> }) => {
        assert.equal(error.code, 'FACT_GRAIN_VIOLATION');
        assert.match(
          error.message!,
          /The grain \(sale_date, store_key\) is not unique: 1 key\(s\) have 2 rows, e\.g\. \(sale_date="2026-01-02", store_key=10\)/,
        );
        assert.deepEqual(error.details?.sample, { sale_date: '2026-01-02', store_key: 10 });
        return true;
      },
    );
    assert.equal(await kit.version('gold.fct_grain'), undefined);
    assert.deepEqual(await kit.quarantined('gold.fct_grain'), []);
  });

  test('onGrainViolation quarantine sets every row of a duplicated grain aside and writes the rest', async () => {
    const result = await kit.runJob(
      factJob(base({ grain: ['sale_date', 'store_key'], onGrainViolation: 'quarantine' }), 'gold.fct_grain_q'),
    );
    assert.equal(result.rowsQuarantined, 2);
    assert.equal(result.metrics['grain.duplicate_keys'], 1);
    assert.deepEqual(
      sortedRows(await kit.rows('gold.fct_grain_q')),
      sortedRows(EXPECTED.filter((row) => row.order_id !== 1)),
    );
    const quarantined = await kit.quarantined('gold.fct_grain_q');
    assert.deepEqual(
      quarantined.map(({ rule, reason, column }) => ({ rule, reason, column })),
      [1, 2].map(() => ({
        rule: 'fact.grain',
        reason: '2 rows share the grain sale_date=2026-01-02, store_key=10',
        column: null,
      })),
    );
    assert.deepEqual(quarantined.map(({ row }) => row.line).sort(), [1, 2]);
  });

  test('rows quarantined for an unknown member do not count against the grain', async () => {
    const result = await kit.runJob(
      factJob(
        base({ grain: ['sale_date', 'store_key'], dimensions: [{ ...PRODUCT, onUnknown: 'quarantine' }, STORE] }),
        'gold.fct_both',
      ),
    );
    assert.equal(result.metrics['grain.duplicate_keys'], 0);
    assert.equal(result.rowsQuarantined, 2);
    assert.equal((await kit.rows('gold.fct_both')).length, 3);
  });
});

describe('fact: write modes and partitions', () => {
  test('append adds the rows of each run', async () => {
    const job = factJob(base({ write: { mode: 'append' } }), 'gold.fct_appended');
    await kit.runJob(job, { runSequence: 1 });
    await kit.runJob(job, { runSequence: 2 });
    assert.deepEqual(sortedRows(await kit.rows('gold.fct_appended')), sortedRows([...EXPECTED, ...EXPECTED]));
  });

  test('overwrite_partitions by a DATE attribute replaces only the days present in the rows', async () => {
    await kit.writeDataset('silver.sales_days', SALES());
    const job = factJob(
      base({ source: 'silver.sales_days', write: { mode: 'overwrite_partitions', partitionColumn: 'sale_date' } }),
      'gold.fct_days',
      ['silver.sales_days', 'silver.dim_product', 'silver.dim_store'],
    );
    await kit.runJob(job, { runSequence: 1 });
    assert.deepEqual(await kit.layout('gold.fct_days'), { partitionColumns: ['sale_date'], files: 4 });
    // The source now has only a corrected 2026-01-02 (one line) and a new day.
    await kit.writeDataset(
      'silver.sales_days',
      `SELECT * FROM (VALUES
        (1, 1, DATE '2026-01-02', TIMESTAMP '2026-01-02 10:00', 'A', 'S1', 3, '15'),
        (5, 1, DATE '2026-01-13', TIMESTAMP '2026-01-13 10:00', 'A', 'S2', 1, '9')
      ) AS t(order_id, line, sale_date, sold_at, product_sku, store, qty, amount)`,
      { mode: 'overwrite' },
    );
    await kit.runJob(job, { runSequence: 2 });
    assert.deepEqual(
      sortedRows(await kit.rows('gold.fct_days')),
      sortedRows([
        fact(1, 1, '2026-01-02', '1', 10, 3, '15.00'),
        ...EXPECTED.filter((row) => row.sale_date !== '2026-01-02'),
        fact(5, 1, '2026-01-13', '2', 20, 1, '9.00'),
      ]),
    );
  });

  test('a partition column that is not an attribute is the event time’s date', async () => {
    await kit.runJob(
      factJob(
        base({ attributes: ['order_id', 'line'], write: { partitionColumn: 'event_date' } }),
        'gold.fct_by_event',
      ),
    );
    const rows = await kit.rows('gold.fct_by_event');
    assert.deepEqual(Object.keys(rows[0]!)[0], 'event_date');
    assert.deepEqual((await kit.layout('gold.fct_by_event')).partitionColumns, ['event_date']);
    assert.deepEqual(rows.map((row) => row.event_date).sort(), [
      '2026-01-02',
      '2026-01-02',
      '2026-01-08',
      '2026-01-10',
      '2026-01-12',
    ]);
  });

  test('a backfill partition run reads the day’s source rows, all of each dimension, and replaces only that day', async () => {
    await kit.writeDataset('silver.sales_bf', SALES());
    const job = {
      ...factJob(base({ source: 'silver.sales_bf' }), 'gold.fct_bf', [
        'silver.sales_bf',
        'silver.dim_product',
        'silver.dim_store',
      ]),
      partitions: { column: 'sale_date' },
    };
    await kit.runJob(job, { runSequence: 1 });
    assert.deepEqual((await kit.layout('gold.fct_bf')).partitionColumns, ['sale_date']);
    // A late row for 2026-01-10 arrives; its product changed long before: the dimension is read whole.
    await kit.writeDataset(
      'silver.sales_bf',
      `SELECT * FROM (VALUES (9, 1, DATE '2026-01-10', TIMESTAMP '2026-01-10 18:00', 'B', 'S1', 4, '8'))
       AS t(order_id, line, sale_date, sold_at, product_sku, store, qty, amount)`,
    );
    const day = await kit.runJob(job, {
      runSequence: 2,
      partition: { key: '2026-01-10', start: '2026-01-10', end: '2026-01-11' },
    });
    assert.equal(day.rowsWritten, 2);
    assert.equal(day.metrics.rows, 2, 'only the partition’s source rows');
    assert.equal(day.rowsRead, 8, 'two source rows, and the six rows of the dimensions');
    assert.deepEqual(
      sortedRows(await kit.rows('gold.fct_bf')),
      sortedRows([...EXPECTED, fact(9, 1, '2026-01-10', '3', 11, 4, '8.00')]),
    );
    // A source the job does not narrow (inputs: {}) is filtered to the partition by the operator itself.
    const whole = await kit.runJob(
      { ...job, partitions: { column: 'sale_date', inputs: {} } },
      { runSequence: 3, partition: { key: '2026-01-02', start: '2026-01-02', end: '2026-01-03' } },
    );
    assert.equal(whole.rowsRead, 12, 'the six source rows and both dimensions, whole');
    assert.deepEqual([whole.metrics.rows, whole.rowsWritten], [2, 2]);
    assert.equal((await kit.rows('gold.fct_bf')).length, 6);
    assert.equal(factOperator.partitions?.unsupported, undefined, 'every mode can run by partition');
  });
});

describe('fact: bad inputs and config (nothing is written)', () => {
  const refused = async (config: Record<string, unknown>, expected: string, path?: string, inputs = INPUTS) => {
    await assert.rejects(kit.runJob(factJob(config, 'gold.refused', inputs)), code(expected, path));
    assert.equal(await kit.version('gold.refused'), undefined);
  };

  test('missing source columns are FACT_COLUMN_MISSING at their field', async () => {
    await refused(base({ eventTime: 'sold' }), 'FACT_COLUMN_MISSING', 'config.eventTime');
    await refused(base({ attributes: ['order_id', 'region'] }), 'FACT_COLUMN_MISSING', 'config.attributes[1]');
    await refused(
      base({ dimensions: [{ ...PRODUCT, sourceKey: ['sku'] }, STORE] }),
      'FACT_COLUMN_MISSING',
      'config.dimensions[0].sourceKey[0]',
    );
    await refused(
      base({ dimensions: [PRODUCT, without(STORE, 'sourceKey')] }),
      'FACT_COLUMN_MISSING',
      'config.dimensions[1].businessKey[0]',
    );
    await refused(base({ measures: [{ name: 'net' }] }), 'FACT_COLUMN_MISSING', 'config.measures[0].column');
    await refused(
      base({ dimensions: [{ ...PRODUCT, eventTime: 'when' }, STORE] }),
      'FACT_COLUMN_MISSING',
      'config.dimensions[0].eventTime',
    );
  });

  test('a dimension without SCD2 validity columns is FACT_DIMENSION_NOT_SCD2; missing key columns FACT_DIMENSION_COLUMN_MISSING', async () => {
    await kit.writeDataset('silver.dim_plain', `SELECT 1 AS store_key, 'S1' AS store_code, 'north' AS region`);
    await assert.rejects(
      kit.runJob(
        factJob(base({ dimensions: [PRODUCT, { ...STORE, dataset: 'silver.dim_plain' }] }), 'gold.refused', [
          'silver.sales',
          'silver.dim_product',
          'silver.dim_plain',
        ]),
      ),
      (error: { code?: string; message?: string; details?: Record<string, unknown> }) => {
        assert.equal(error.code, 'FACT_DIMENSION_NOT_SCD2');
        assert.equal(error.details?.path, 'config.dimensions[1].validFrom');
        assert.deepEqual(error.details?.missing, ['eff_from', 'eff_to']);
        assert.match(
          error.message!,
          /silver\.dim_plain has no "eff_from" or "eff_to" column, so it is not an SCD2 dimension/,
        );
        return true;
      },
    );
    // Default names, and the dimension has them under other names.
    await refused(
      base({ dimensions: [PRODUCT, without(STORE, 'validFrom')] }),
      'FACT_DIMENSION_NOT_SCD2',
      'config.dimensions[1].validFrom',
    );
    await refused(
      base({ dimensions: [PRODUCT, { ...STORE, validTo: 'region' }] }),
      'FACT_DIMENSION_NOT_SCD2',
      'config.dimensions[1].validTo',
    );
    await refused(
      base({ dimensions: [{ ...PRODUCT, surrogateKey: 'id' }, STORE] }),
      'FACT_DIMENSION_COLUMN_MISSING',
      'config.dimensions[0].surrogateKey',
    );
    await refused(
      base({ dimensions: [{ ...PRODUCT, businessKey: ['code'] }, STORE] }),
      'FACT_DIMENSION_COLUMN_MISSING',
      'config.dimensions[0].businessKey[0]',
    );
  });

  test('inputs, names and shapes', async () => {
    await refused(base({ source: 'silver.orders' }), 'FACT_SOURCE_NOT_INPUT', 'config.source');
    await refused(
      base({ dimensions: [PRODUCT, { ...STORE, dataset: 'silver.dim_x' }] }),
      'FACT_DIMENSION_NOT_INPUT',
      'config.dimensions[1].dataset',
    );
    await refused(base({ dimensions: [PRODUCT] }), 'FACT_INPUT_UNUSED', 'config.dimensions');
    await refused(
      base({ dimensions: [PRODUCT, { ...STORE, name: 'dim_product' }] }),
      'FACT_DIMENSION_DUPLICATE',
      'config.dimensions[1]',
    );
    await refused(
      base({ dimensions: [{ ...PRODUCT, sourceKey: ['product_sku', 'store'] }, STORE] }),
      'FACT_KEY_MISMATCH',
      'config.dimensions[0].sourceKey',
    );
    await refused(base({ eventTime: 'product_sku' }), 'FACT_EVENT_TIME_INVALID', 'config.eventTime');
    await refused(
      base({ dimensions: [{ ...PRODUCT, keyColumn: 'line' }, STORE] }),
      'FACT_COLUMN_CONFLICT',
      'config.dimensions[0].keyColumn',
    );
    await refused(base({ grain: ['order_id', 'product_sku'] }), 'FACT_GRAIN_COLUMN_UNKNOWN', 'config.grain[1]');
    await refused(base({ grain: [] }), 'JOB_CONFIG_INVALID', 'config.grain');
  });

  test('measures: numbers pass through, text needs a type that casts every value', async () => {
    await refused(base({ measures: [{ name: 'amount' }] }), 'FACT_MEASURE_NOT_NUMERIC', 'config.measures[0].column');
    await refused(
      base({ measures: [{ name: 'amount', type: 'DECIMAL(10,2)); DROP TABLE x; --' }] }),
      'FACT_TYPE_INVALID',
      'config.measures[0].type',
    );
    await refused(
      base({ measures: [{ name: 'amount', type: 'MONEY' }] }),
      'FACT_TYPE_INVALID',
      'config.measures[0].type',
    );
    await refused(
      base({
        measures: [
          { name: 'quantity', column: 'qty' },
          { name: 'amount', type: 'DATE' },
        ],
      }),
      'FACT_MEASURE_CAST_FAILED',
      'config.measures[1].type',
    );
  });

  test('partitions: a DATE column, required for overwrite_partitions, the same as the job’s', async () => {
    await refused(
      base({ write: { mode: 'overwrite_partitions' } }),
      'JOB_CONFIG_INVALID',
      'config.write.partitionColumn',
    );
    await refused(
      base({ write: { partitionColumn: 'order_id' } }),
      'FACT_PARTITION_COLUMN_INVALID',
      'config.write.partitionColumn',
    );
    await assert.rejects(
      kit.runJob(
        {
          ...factJob(base({ write: { partitionColumn: 'event_date' } }), 'gold.refused'),
          partitions: { column: 'sale_date' },
        },
        { partition: { key: '2026-01-02', start: '2026-01-02', end: '2026-01-03' } },
      ),
      code('FACT_PARTITION_MISMATCH', 'config.write.partitionColumn'),
    );
    assert.equal(await kit.version('gold.refused'), undefined);
  });

  test('an unknown key of another type is FACT_UNKNOWN_KEY_INVALID; overlapping versions FACT_DIMENSION_OVERLAP', async () => {
    await refused(
      base({ dimensions: [{ ...PRODUCT, unknownKey: 'n/a' }, STORE] }),
      'FACT_UNKNOWN_KEY_INVALID',
      'config.dimensions[0]',
    );
    await kit.writeDataset(
      'silver.dim_overlap',
      `SELECT * FROM (VALUES
        (10, 'S1', DATE '2025-01-01', DATE '2026-01-08'), (11, 'S1', DATE '2026-01-05', NULL),
        (20, 'S2', DATE '2025-01-01', NULL), (21, 'S2', DATE '2025-06-01', NULL)
      ) AS t(store_key, store_code, eff_from, eff_to)`,
    );
    await assert.rejects(
      kit.runJob(
        factJob(base({ dimensions: [PRODUCT, { ...STORE, dataset: 'silver.dim_overlap' }] }), 'gold.refused', [
          'silver.sales',
          'silver.dim_product',
          'silver.dim_overlap',
        ]),
      ),
      (error: { code?: string; message?: string; details?: Record<string, unknown> }) => {
        assert.equal(error.code, 'FACT_DIMENSION_OVERLAP');
        assert.equal(error.details?.versions, 2);
        assert.deepEqual(error.details?.sample, { store_code: 'S1' });
        return true;
      },
    );
    // Inclusive ends make versions that touch overlap: STORES ends one version on the day the next starts.
    await refused(
      base({ dimensions: [PRODUCT, { ...STORE, validToInclusive: true }] }),
      'FACT_DIMENSION_OVERLAP',
      'config.dimensions[1]',
    );
    assert.equal(await kit.version('gold.refused'), undefined);
  });
});

test('the plugin contributes the fact operator, which declares partition support', () => {
  assert.equal(plugin.id, 'operator-fact');
  assert.deepEqual(
    plugin.operators?.map((o) => [o.type, o.version, o.category, o.output, o.partitions !== undefined]),
    [['fact', 1, 'gold', 'table', true]],
  );
});

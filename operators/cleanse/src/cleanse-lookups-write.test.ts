import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createJobTestKit, sortedRows, type JobTestKit } from '@assay/sdk/testing';
import { byId, cleanseJob, quarantinedRows, rejectsWith } from './cleanse-test-kit.ts';

let kit: JobTestKit;

const SALES = `SELECT * FROM (VALUES
  (1, ' p1 ', 10, 2),
  (2, 'P2', 20, 1),
  (3, 'P9', 10, 5),
  (4, NULL, 10, 1)
) AS t(id, sku, store, qty)`;
const INPUTS = ['bronze.sales', 'bronze.products', 'bronze.stores', 'bronze.departments'];
const SKU = { column: 'sku', steps: [{ op: 'trim' }, { op: 'case', to: 'upper' }] };
const PRODUCTS = (extra: Record<string, unknown> = {}) => ({
  dataset: 'bronze.products',
  keys: [{ column: 'sku' }],
  columns: [{ column: 'name', as: 'product' }, { column: 'category' }],
  ...extra,
});

before(async () => {
  kit = await createJobTestKit();
  await kit.writeDataset('bronze.sales', SALES);
  await kit.writeDataset(
    'bronze.products',
    `SELECT * FROM (VALUES ('P1', 'Pen', 'office'), ('P2', 'Mug', 'kitchen'), ('P3', 'Cup', 'kitchen')) AS t(sku, name, category)`,
  );
  // VARCHAR ids against the sales' INTEGER store: compared as text.
  await kit.writeDataset(
    'bronze.stores',
    `SELECT * FROM (VALUES ('10', 'north'), ('20', 'south')) AS t(store_id, region)`,
  );
  await kit.writeDataset(
    'bronze.departments',
    `SELECT * FROM (VALUES ('office', 'B2B'), ('kitchen', 'home')) AS t(category, department)`,
  );
});
after(() => kit?.close());

describe('cleanse: lookup enrichment', () => {
  test('left join with renamed columns, keys of other names and types, chained lookups; keep_null', async () => {
    const result = await kit.runJob(
      cleanseJob(
        {
          columns: [SKU],
          lookups: [
            PRODUCTS(),
            {
              dataset: 'bronze.stores',
              keys: [{ column: 'store', referenceColumn: 'store_id' }],
              columns: [{ column: 'region' }],
            },
            // Joins on a column the first lookup added.
            { dataset: 'bronze.departments', keys: [{ column: 'category' }], columns: [{ column: 'department' }] },
          ],
        },
        'silver.enriched',
        INPUTS,
      ),
    );
    assert.deepEqual(
      byId(await kit.rows('silver.enriched')),
      byId([
        { id: 1, sku: 'P1', store: 10, qty: 2, product: 'Pen', category: 'office', region: 'north', department: 'B2B' },
        {
          id: 2,
          sku: 'P2',
          store: 20,
          qty: 1,
          product: 'Mug',
          category: 'kitchen',
          region: 'south',
          department: 'home',
        },
        { id: 3, sku: 'P9', store: 10, qty: 5, product: null, category: null, region: 'north', department: null },
        { id: 4, sku: null, store: 10, qty: 1, product: null, category: null, region: 'north', department: null },
      ]),
    );
    assert.equal(result.rowsQuarantined, 0);
    assert.equal(result.metrics['cleanse.sku.lookup.unmatched'], 2);
    assert.equal(result.metrics['cleanse.store.lookup.unmatched'], 0);
    assert.equal(result.metrics['cleanse.category.lookup.unmatched'], 2);
  });

  test('inner join drops the rows without a match (counted, not quarantined)', async () => {
    const result = await kit.runJob(
      cleanseJob({ columns: [SKU], lookups: [PRODUCTS({ join: 'inner' })] }, 'silver.inner', INPUTS),
    );
    assert.deepEqual((await kit.rows('silver.inner')).map((r) => r.id).sort(), [1, 2]);
    assert.equal(result.metrics['cleanse.sku.lookup.dropped'], 2);
    assert.deepEqual(await kit.quarantined('silver.inner'), []);
  });

  test('onNoMatch quarantine: rows without a match go to quarantine as they came in', async () => {
    const result = await kit.runJob(
      cleanseJob({ columns: [SKU], lookups: [PRODUCTS({ onNoMatch: 'quarantine' })] }, 'silver.matched', INPUTS),
    );
    assert.deepEqual((await kit.rows('silver.matched')).map((r) => r.id).sort(), [1, 2]);
    const reason = { _rule: 'cleanse.sku.lookup', _reason: 'sku: no match in bronze.products', _column: 'sku' };
    assert.deepEqual(
      await quarantinedRows(kit, 'silver.matched'),
      byId([
        { id: 3, sku: 'P9', store: 10, qty: 5, ...reason },
        { id: 4, sku: null, store: 10, qty: 1, ...reason },
      ]),
    );
    assert.equal(result.rowsQuarantined, 2);
    assert.equal(result.metrics['cleanse.sku.lookup'], 2);
  });

  test('onNoMatch fail: CLEANSE_LOOKUP_NO_MATCH naming how many rows, before anything is written', async () => {
    await assert.rejects(
      kit.runJob(cleanseJob({ columns: [SKU], lookups: [PRODUCTS({ onNoMatch: 'fail' })] }, 'silver.strict', INPUTS)),
      (error: { code?: string; message?: string; details?: Record<string, unknown> }) => {
        assert.equal(error.code, 'CLEANSE_LOOKUP_NO_MATCH', error.message);
        assert.match(error.message!, /2 row\(s\) of bronze\.sales have no match in bronze\.products on sku/);
        assert.equal(error.details?.rows, 2);
        assert.equal(error.details?.path, 'config.lookups[0].onNoMatch');
        return true;
      },
    );
    assert.equal(await kit.version('silver.strict'), undefined, 'nothing written');
    assert.deepEqual(await kit.quarantined('silver.strict'), [], 'nothing quarantined');
    // Every row matching: the same job succeeds.
    await kit.writeDataset('bronze.sales_ok', `SELECT * FROM (VALUES (1, 'p1'), (2, 'P3')) AS t(id, sku)`);
    const ok = await kit.runJob(
      cleanseJob({ columns: [SKU], lookups: [PRODUCTS({ onNoMatch: 'fail' })] }, 'silver.strict', [
        'bronze.sales_ok',
        'bronze.products',
      ]),
    );
    assert.equal(ok.rowsWritten, 2);
  });

  test('a rejected row is not also failed for its lookup: the first rule decides', async () => {
    await kit.writeDataset('bronze.sales_bad', `SELECT * FROM (VALUES (1, 'P1'), (2, '???')) AS t(id, sku)`);
    const result = await kit.runJob(
      cleanseJob(
        {
          columns: [{ column: 'sku', steps: [{ op: 'regex_validate', pattern: 'P[0-9]+' }] }],
          lookups: [PRODUCTS({ onNoMatch: 'fail' })],
        },
        'silver.first_rule',
        ['bronze.sales_bad', 'bronze.products'],
      ),
    );
    assert.deepEqual([result.rowsWritten, result.rowsQuarantined], [1, 1]);
    assert.deepEqual(
      (await quarantinedRows(kit, 'silver.first_rule')).map((r) => r._rule),
      ['cleanse.sku.regex_validate'],
    );
  });
});

describe('cleanse: write modes', () => {
  const job = (write: Record<string, unknown>, output: string, input = 'bronze.orders', extra = {}) =>
    cleanseJob(
      { columns: [{ column: 'amount', steps: [{ op: 'currency' }] }], businessKey: ['id'], write, ...extra },
      output,
      [input],
    );
  const ORDERS = `SELECT * FROM (VALUES (1, '10.5'), (2, 'n/a'), (3, '7')) AS t(id, amount)`;

  test('full_refresh (the default) replaces the table and its schema', async () => {
    await kit.writeDataset('bronze.orders', ORDERS);
    await kit.runJob(job({}, 'silver.orders_full'), { runSequence: 1 });
    assert.deepEqual(
      sortedRows(await kit.rows('silver.orders_full')),
      sortedRows([
        { id: 1, amount: '10.50' },
        { id: 3, amount: '7.00' },
      ]),
    );
    // Another run with amount kept as text: the table takes the new rows and type.
    await kit.writeDataset('bronze.orders_text', `SELECT * FROM (VALUES (9, ' x ')) AS t(id, amount)`);
    await kit.runJob(
      cleanseJob({ columns: [{ column: 'amount', steps: [{ op: 'trim' }] }] }, 'silver.orders_full', [
        'bronze.orders_text',
      ]),
      { runSequence: 2 },
    );
    assert.deepEqual(await kit.rows('silver.orders_full'), [{ id: 9, amount: 'x' }]);
  });

  test('append adds the clean rows of each run once; a retried attempt writes and quarantines nothing again', async () => {
    const appended = job({ mode: 'append' }, 'silver.orders_append');
    await kit.runJob(appended, { runSequence: 1 });
    const retry = await kit.runJob(appended, { runSequence: 1, attempt: 2 });
    assert.equal(retry.skipped, true);
    assert.equal(retry.rowsQuarantined, 0);
    assert.equal((await kit.rows('silver.orders_append')).length, 2);
    assert.equal((await kit.quarantined('silver.orders_append')).length, 1, 'the n/a row once');
    await kit.runJob(appended, { runSequence: 2 });
    assert.equal((await kit.rows('silver.orders_append')).length, 4);
    assert.equal((await kit.quarantined('silver.orders_append')).length, 2);
  });

  test('merge upserts on the business key', async () => {
    await kit.runJob(job({ mode: 'merge' }, 'silver.orders_merge'), { runSequence: 1 });
    await kit.writeDataset('bronze.orders_changes', `SELECT * FROM (VALUES (1, '11'), (4, '$4')) AS t(id, amount)`);
    const merged = await kit.runJob(job({ mode: 'merge' }, 'silver.orders_merge', 'bronze.orders_changes'), {
      runSequence: 2,
    });
    assert.deepEqual([merged.rowsWritten, merged.rowsUpdated], [2, 1], 'one row updated, one inserted');
    assert.deepEqual(
      sortedRows(await kit.rows('silver.orders_merge')),
      sortedRows([
        { id: 1, amount: '11.00' },
        { id: 3, amount: '7.00' },
        { id: 4, amount: '4.00' },
      ]),
    );
  });

  test('write.partitionBy creates the output partitioned; config.input names the dataset to cleanse', async () => {
    await kit.runJob(
      cleanseJob(
        { input: 'bronze.sales', columns: [SKU], lookups: [PRODUCTS()], write: { partitionBy: ['category'] } },
        'silver.by_category',
        ['bronze.products', 'bronze.sales'],
      ),
    );
    assert.deepEqual(await kit.layout('silver.by_category'), { partitionColumns: ['category'], files: 3 });
    assert.equal((await kit.rows('silver.by_category')).length, 4);
  });

  test('partition runs (backfills) cleanse and replace one partition; a merge cannot run by partition', async () => {
    await kit.writeDataset(
      'bronze.daily',
      `SELECT * FROM (VALUES
        (DATE '2026-01-01', 1, 'p1'), (DATE '2026-01-01', 2, 'zz'),
        (DATE '2026-01-02', 3, 'P2'), (DATE '2026-01-02', 4, 'P2')
      ) AS t(day, id, sku)`,
    );
    const daily = (mode: string) => ({
      ...cleanseJob(
        { columns: [SKU], lookups: [PRODUCTS({ onNoMatch: 'quarantine' })], businessKey: ['id'], write: { mode } },
        'silver.daily',
        ['bronze.daily', 'bronze.products'],
      ),
      partitions: { column: 'day' },
    });
    await kit.runJob(daily('full_refresh'), { runSequence: 1 });
    assert.equal((await kit.rows('silver.daily')).length, 3);
    assert.deepEqual((await kit.layout('silver.daily')).partitionColumns, ['day']);
    const day = { key: '2026-01-01', start: '2026-01-01', end: '2026-01-02' };
    const partition = await kit.runJob(daily('full_refresh'), { runSequence: 2, partition: day });
    // The input is narrowed to the day; the reference (no day column) is read whole.
    assert.deepEqual([partition.rowsRead, partition.rowsWritten, partition.rowsQuarantined], [2, 1, 1]);
    assert.deepEqual((await kit.rows('silver.daily')).map((r) => r.id).sort(), [1, 3, 4]);
    await assert.rejects(
      kit.runJob(daily('merge'), { runSequence: 3, partition: day }),
      rejectsWith('JOB_PARTITIONS_UNSUPPORTED'),
    );
  });
});

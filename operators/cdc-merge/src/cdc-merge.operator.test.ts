import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createJobTestKit, sortedRows, type JobTestKit } from '@assay/sdk/testing';
import { changeLogSql, type ChangeRow } from './change-log-fixtures.ts';
import plugin, { cdcMergeOperator } from './index.ts';

let kit: JobTestKit;
before(async () => {
  kit = await createJobTestKit();
});
after(() => kit?.close());

const sequences = new Map<string, number>();
async function run(output: string, input: string, config: Record<string, unknown>) {
  const runSequence = (sequences.get(output) ?? 0) + 1;
  sequences.set(output, runSequence);
  return kit.runJob(
    { id: output.replace('.', '_'), operator: cdcMergeOperator, config, inputs: [input], output },
    { runSequence },
  );
}

const pick = (rows: Record<string, unknown>[], columns: string[]) =>
  sortedRows(rows.map((r) => Object.fromEntries(columns.map((c) => [c, r[c]]))));

/** A change of connector-postgres-cdc: images of PostgreSQL text output, position `<commit LSN>:<place>`. */
const pg = (
  op: ChangeRow['op'],
  lsn: number,
  place: number,
  images: { key?: object; before?: object; after?: object },
  time = `2024-05-01T10:00:${String(lsn % 60).padStart(2, '0')}Z`,
): ChangeRow => ({
  op,
  source_position: `${lsn.toString(16).toUpperCase().padStart(16, '0')}:${String(place).padStart(10, '0')}`,
  event_time: time,
  source_table: 'public.orders',
  tx_id: String(lsn),
  key: images.key === undefined ? null : JSON.stringify(images.key),
  before: images.before === undefined ? null : JSON.stringify(images.before),
  after: images.after === undefined ? null : JSON.stringify(images.after),
});

describe('cdc-merge: plugin', () => {
  test('declares the operator', () => {
    assert.equal(plugin.id, 'operator-cdc-merge');
    assert.deepEqual(
      plugin.operators?.map((o) => [o.type, o.version, o.category]),
      [['cdc-merge', 1, 'silver']],
    );
  });
});

describe('cdc-merge: connector-postgres-cdc change logs', () => {
  test('text images with casts, deletes by key-only before image, a key change deletes the old key', async () => {
    const order = (id: string, amount: string, at: string, status = 'new') => ({ id, amount, placed_at: at, status });
    await kit.writeDataset(
      'bronze.orders',
      changeLogSql([
        // Snapshot rows (op r, no before), then changes; REPLICA IDENTITY DEFAULT: no before for updates that
        // keep the key, the key columns for deletes and key changes.
        pg('r', 10, 0, { key: { id: '1' }, after: order('1', '1.50', '2024-05-01 09:00:00+00') }),
        pg('r', 10, 1, { key: { id: '2' }, after: order('2', '20.00', '2024-05-01 09:30:00+00') }),
        pg('r', 10, 2, { key: { id: '3' }, after: order('3', '3.33', '2024-05-01 09:45:00+02') }),
        pg('u', 20, 0, { key: { id: '1' }, after: order('1', '1.75', '2024-05-01 09:00:00+00', 'paid') }),
        pg('d', 21, 0, { key: { id: '2' }, before: { id: '2' } }),
        pg('u', 22, 0, {
          key: { id: '30' },
          before: { id: '3' },
          after: order('30', '3.33', '2024-05-01 09:45:00+02'),
        }),
      ]),
    );
    const result = await run('silver.orders', 'bronze.orders', {
      businessKey: ['id'],
      casts: { id: 'INTEGER', amount: 'DECIMAL(10,2)', placed_at: 'TIMESTAMPTZ' },
      auditColumns: false,
    });
    assert.equal(result.metrics.keyChanges, 1);
    assert.deepEqual(
      sortedRows(await kit.rows('silver.orders')),
      sortedRows([
        { id: 1, amount: '1.75', placed_at: '2024-05-01 09:00:00+00', status: 'paid', _cdc_op: 'u' },
        { id: 30, amount: '3.33', placed_at: '2024-05-01 07:45:00+00', status: 'new', _cdc_op: 'u' },
      ]),
    );
    // A later delete by key of a key the table has; an update of a key deleted meanwhile brings it back.
    await kit.writeDataset(
      'bronze.orders',
      changeLogSql([
        pg('d', 30, 0, { key: { id: '30' }, before: { id: '30' } }),
        pg('c', 31, 0, { key: { id: '2' }, after: order('2', '22.00', '2024-05-02 08:00:00+00') }),
      ]),
      { mode: 'append' },
    );
    const second = await run('silver.orders', 'bronze.orders', { businessKey: ['id'], auditColumns: false });
    assert.deepEqual([second.rowsWritten, second.rowsDeleted], [1, 1]);
    assert.deepEqual(pick(await kit.rows('silver.orders'), ['id', 'amount']), [
      { id: 1, amount: '1.75' },
      { id: 2, amount: '22.00' },
    ]);
  });

  test('soft deletes: flagged with the time of the delete, values kept, brought back by a later insert', async () => {
    await kit.writeDataset(
      'bronze.soft',
      changeLogSql([
        pg('c', 1, 0, { after: { id: '1', name: 'one' } }, '2024-05-01T10:00:00Z'),
        pg('c', 2, 0, { after: { id: '2', name: 'two' } }, '2024-05-01T10:01:00Z'),
        // Created and deleted in one batch: the table never had it, the before image gives its values.
        pg('c', 3, 0, { after: { id: '3', name: 'three' } }, '2024-05-01T10:02:00Z'),
        pg('d', 4, 0, { before: { id: '3' } }, '2024-05-01T10:03:00Z'),
      ]),
    );
    const config = { businessKey: ['id'], deletes: 'soft', deletedFlagColumn: 'gone', deletedAtColumn: 'gone_at' };
    await run('silver.soft', 'bronze.soft', config);
    const columns = ['id', 'name', 'gone', 'gone_at'];
    assert.deepEqual(
      pick(await kit.rows('silver.soft'), columns),
      sortedRows([
        { id: '1', name: 'one', gone: false, gone_at: null },
        { id: '2', name: 'two', gone: false, gone_at: null },
        { id: '3', name: null, gone: true, gone_at: '2024-05-01 10:03:00+00' },
      ]),
    );
    await kit.writeDataset(
      'bronze.soft',
      changeLogSql([
        pg('d', 5, 0, { before: { id: '1' } }, '2024-05-01T11:00:00Z'),
        pg('d', 6, 0, { before: { id: '3' } }, '2024-05-01T11:01:00Z'),
        pg('c', 7, 0, { after: { id: '2', name: 'two again' } }, '2024-05-01T11:02:00Z'),
      ]),
      { mode: 'append' },
    );
    await run('silver.soft', 'bronze.soft', config);
    assert.deepEqual(
      pick(await kit.rows('silver.soft'), columns),
      sortedRows([
        // Deleted: the row keeps what the table had.
        { id: '1', name: 'one', gone: true, gone_at: '2024-05-01 11:00:00+00' },
        { id: '2', name: 'two again', gone: false, gone_at: null },
        // Deleted again: it keeps the time it was first deleted.
        { id: '3', name: null, gone: true, gone_at: '2024-05-01 10:03:00+00' },
      ]),
    );
    await kit.writeDataset('bronze.soft', changeLogSql([pg('u', 8, 0, { after: { id: '1', name: 'back' } })]), {
      mode: 'append',
    });
    await run('silver.soft', 'bronze.soft', config);
    assert.deepEqual(pick(await kit.rows('silver.soft'), columns)[0], {
      id: '1',
      name: 'back',
      gone: false,
      gone_at: null,
    });
  });
});

describe('cdc-merge: ordering', () => {
  const plain = (op: string, position: string, id: number, v: string, time: string | null = null) => ({
    op,
    source_position: position,
    event_time: time,
    source_table: 't.t',
    tx_id: null,
    key: null,
    before: null,
    after: JSON.stringify({ id, v }),
  });

  test('the event time breaks ties of the position; eventTime null orders by the position alone', async () => {
    await kit.writeDataset(
      'bronze.ties',
      changeLogSql([
        plain('u', '0005', 1, 'later', '2024-01-01T00:00:02Z'),
        plain('u', '0005', 1, 'earlier', '2024-01-01T00:00:01Z'),
        plain('u', '0004', 1, 'lower position', '2024-01-01T00:00:09Z'),
        plain('u', '0007', 2, 'no time', null),
        plain('u', '0007', 2, 'with time', '2024-01-01T00:00:00Z'),
      ]),
    );
    await run('silver.ties', 'bronze.ties', { businessKey: ['id'] });
    assert.deepEqual(pick(await kit.rows('silver.ties'), ['id', 'v']), [
      { id: '1', v: 'later' },
      { id: '2', v: 'with time' },
    ]);
    await run('silver.ties_untimed', 'bronze.ties', { businessKey: ['id'], eventTime: null, include: ['v'] });
    const untimed = await kit.rows('silver.ties_untimed');
    assert.equal(untimed.length, 2);
    assert.equal('_cdc_event_time' in untimed[0]!, false);
    assert.equal(untimed.find((r) => r.id === '1')!.v === 'lower position', false, 'position 0005 beats 0004');
  });

  test('positionAs number compares text positions as integers; several position columns compare as a tuple', async () => {
    await kit.writeDataset(
      'bronze.numbers',
      changeLogSql([plain('u', '9', 1, 'nine'), plain('u', '10', 1, 'ten'), plain('u', '100', 2, 'x')]),
    );
    await run('silver.as_text', 'bronze.numbers', { businessKey: ['id'] });
    assert.equal((await kit.rows('silver.as_text')).find((r) => r.id === '1')!.v, 'nine', 'as text, "9" > "10"');
    await run('silver.as_number', 'bronze.numbers', { businessKey: ['id'], positionAs: 'number' });
    assert.equal((await kit.rows('silver.as_number')).find((r) => r.id === '1')!.v, 'ten');

    // A change log of its own: binlog file number and offset as BIGINT columns, a composite business key.
    const tuple = `SELECT * FROM (VALUES
      ('u', 1, 900, '{"shop":"a","sku":1,"qty":1}'), ('u', 2, 100, '{"shop":"a","sku":1,"qty":2}'),
      ('u', 1, 950, '{"shop":"a","sku":1,"qty":3}'), ('c', 1, 10, '{"shop":"b","sku":1,"qty":4}')
    ) AS t(op, binlog_file, binlog_pos, "after")`;
    await kit.writeDataset('bronze.tuple', tuple);
    const config = { businessKey: ['shop', 'sku'], position: ['binlog_file', 'binlog_pos'], eventTime: null };
    await run('silver.tuple', 'bronze.tuple', config);
    assert.deepEqual(
      pick(await kit.rows('silver.tuple'), ['shop', 'sku', 'qty', '_cdc_position']),
      sortedRows([
        { shop: 'a', sku: '1', qty: '2', _cdc_position: '2:100' },
        { shop: 'b', sku: '1', qty: '4', _cdc_position: '1:10' },
      ]),
    );
    // The stored position is the tuple (2, 100): (1, 999) is at or before it, (2, 101) after.
    await kit.writeDataset(
      'bronze.tuple',
      `SELECT * FROM (VALUES ('u', 1, 999, '{"shop":"b","sku":1,"qty":5}'), ('u', 2, 101, '{"shop":"a","sku":1,"qty":6}'))
        AS t(op, binlog_file, binlog_pos, "after")`,
      { mode: 'append' },
    );
    const next = await run('silver.tuple', 'bronze.tuple', config);
    assert.equal(next.metrics.changes, 1);
    assert.deepEqual(
      pick(await kit.rows('silver.tuple'), ['shop', 'qty']),
      sortedRows([
        { shop: 'a', qty: '6' },
        { shop: 'b', qty: '4' },
      ]),
    );
  });

  test('sourceTable applies the changes of one table of a shared change log', async () => {
    const of = (table: string, position: string, id: number) => ({
      ...plain('c', position, id, table),
      source_table: table,
    });
    await kit.writeDataset(
      'bronze.topics',
      changeLogSql([of('shop.customers', '1', 1), of('shop.orders', '2', 1), of('shop.customers', '3', 2)]),
    );
    await run('silver.topic_customers', 'bronze.topics', { businessKey: ['id'], sourceTable: 'shop.customers' });
    assert.deepEqual(pick(await kit.rows('silver.topic_customers'), ['id', 'v']), [
      { id: '1', v: 'shop.customers' },
      { id: '2', v: 'shop.customers' },
    ]);
  });
});

describe('cdc-merge: columns', () => {
  const doc = (op: string, position: string, after: object) => ({
    op,
    source_position: position,
    event_time: '2024-01-01T00:00:00Z',
    source_table: 'shop.items',
    tx_id: null,
    key: null,
    before: null,
    after: JSON.stringify(after),
  });
  const ITEMS = changeLogSql([
    doc('c', '1', { id: 1, name: 'pen', price: 1.5, stock: 10, active: true, tags: ['a'], meta: { x: 1 }, note: null }),
    doc('c', '2', { id: 2, name: 'ink', price: 2, stock: 0, active: false, tags: [], meta: {}, note: 'n' }),
  ]);

  test('all after fields by default, types inferred from the JSON values, nested values as JSON text', async () => {
    await kit.writeDataset('bronze.items', ITEMS);
    await run('silver.items', 'bronze.items', { businessKey: ['id'], auditColumns: false, deletes: 'soft' });
    const rows = await kit.rows('silver.items');
    assert.deepEqual(Object.keys(rows[0]!), [
      'id',
      'name',
      'price',
      'stock',
      'active',
      'tags',
      'meta',
      'note',
      'is_deleted',
      'deleted_at',
    ]);
    assert.deepEqual(
      sortedRows(rows),
      sortedRows(
        [
          { id: '1', name: 'pen', price: 1.5, stock: '10', active: true, tags: '["a"]', meta: '{"x":1}', note: null },
          { id: '2', name: 'ink', price: 2, stock: '0', active: false, tags: '[]', meta: '{}', note: 'n' },
        ].map((r) => ({ ...r, is_deleted: false, deleted_at: null })),
      ),
    );
  });

  test('include (in its order), exclude, types text; hard deletes without audit columns write only _cdc_op', async () => {
    await kit.writeDataset('bronze.items_cols', ITEMS);
    await run('silver.items_included', 'bronze.items_cols', {
      businessKey: ['id'],
      include: ['stock', 'name'],
      types: 'text',
      auditColumns: false,
    });
    assert.deepEqual(await kit.rows('silver.items_included').then((r) => Object.keys(r[0]!)), [
      'id',
      'stock',
      'name',
      '_cdc_op',
    ]);
    assert.deepEqual(pick(await kit.rows('silver.items_included'), ['id', 'stock']), [
      { id: '1', stock: '10' },
      { id: '2', stock: '0' },
    ]);
    await run('silver.items_excluded', 'bronze.items_cols', { businessKey: ['id'], exclude: ['tags', 'meta', 'note'] });
    assert.deepEqual(await kit.rows('silver.items_excluded').then((r) => Object.keys(r[0]!)), [
      'id',
      'name',
      'price',
      'stock',
      'active',
      '_cdc_op',
      '_cdc_position',
      '_cdc_event_time',
    ]);
  });

  test('onNewColumns ignore leaves out fields the table lacks; the table keeps its types', async () => {
    await kit.writeDataset('bronze.evolving', changeLogSql([doc('c', '1', { id: 1, name: 'a' })]));
    const config = { businessKey: ['id'], onNewColumns: 'ignore' };
    await run('silver.evolving', 'bronze.evolving', config);
    await kit.writeDataset('bronze.evolving', changeLogSql([doc('u', '2', { id: 1, name: 'b', colour: 'red' })]), {
      mode: 'append',
    });
    await run('silver.evolving', 'bronze.evolving', config);
    assert.deepEqual(pick(await kit.rows('silver.evolving'), ['id', 'name', 'colour']), [
      { id: '1', name: 'b', colour: undefined },
    ]);
  });
});

describe('cdc-merge: state', () => {
  const c = (position: string, id: number, v: string) => ({
    op: 'u',
    source_position: position,
    event_time: null,
    source_table: null,
    tx_id: null,
    key: null,
    before: null,
    after: JSON.stringify({ id, v }),
  });

  test('a change arriving after a later position was applied is skipped; other settings start over', async () => {
    await kit.writeDataset('bronze.late', changeLogSql([c('0010', 1, 'ten'), c('0020', 2, 'twenty')]));
    await run('silver.late', 'bronze.late', { businessKey: ['id'] });
    await kit.writeDataset('bronze.late', changeLogSql([c('0015', 1, 'late'), c('0030', 3, 'thirty')]), {
      mode: 'append',
    });
    const next = await run('silver.late', 'bronze.late', { businessKey: ['id'] });
    assert.deepEqual([next.rowsRead, next.metrics.changes], [1, 1], 'only the change after 0020 is read');
    assert.deepEqual(pick(await kit.rows('silver.late'), ['id', 'v']), [
      { id: '1', v: 'ten' },
      { id: '2', v: 'twenty' },
      { id: '3', v: 'thirty' },
    ]);
    // Another position setting: the stored position does not apply, the whole log is applied again (latest per key).
    const again = await run('silver.late', 'bronze.late', { businessKey: ['id'], positionAs: 'text' });
    assert.equal(again.metrics.changes, 4);
    assert.equal((await kit.rows('silver.late')).find((r) => r.id === '1')!.v, 'late');
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createJobTestKit, sortedRows, type JobTestKit } from '@assay/sdk/testing';
import plugin, { scd2Operator } from './index.ts';
import { assertRows, fixture, picked, scd2Job, version } from './scd2-testing.ts';

let kit: JobTestKit;
before(async () => {
  kit = await createJobTestKit();
});
after(() => kit?.close());

const COLUMNS = 'id, city, updated_at';
const row = (id: number, city: string, day: string) => `(${id}, '${city}', DATE '${day}')`;
const BY_DATE = { businessKey: ['id'], effectiveFrom: 'updated_at' };
let sequence = 0;

/** Writes the batch as the input's new version and runs the job on it. */
async function load(
  output: string,
  rows: string[],
  config: Record<string, unknown> = BY_DATE,
  input = 'bronze.customers',
) {
  await kit.writeDataset(input, fixture(COLUMNS, rows), { mode: 'overwrite' });
  return kit.runJob(scd2Job(config, output, input), { runSequence: ++sequence });
}

describe('scd2: versions from changes', () => {
  test('the plugin contributes the scd2 operator', () => {
    assert.equal(plugin.id, 'operator-scd2');
    assert.deepEqual(
      plugin.operators?.map((o) => [o.type, o.version, o.category]),
      [['scd2', 1, 'silver']],
    );
    assert.equal(scd2Operator.inputs?.max, 1);
  });

  test('a first load opens a version per key; a change closes it and opens the next', async () => {
    const out = 'silver.basic';
    const first = await load(out, [row(1, 'oslo', '2026-01-01'), row(2, 'rome', '2026-01-01')]);
    assert.equal(first.rowsWritten, 2);
    const rows = await kit.rows(out);
    assert.deepEqual(Object.keys(rows[0]!), [
      'sk',
      'id',
      'city',
      'updated_at',
      'valid_from',
      'valid_to',
      'is_current',
      '_hash',
    ]);
    await assertRows(kit, out, [version(1, 'oslo', '2026-01-01', null), version(2, 'rome', '2026-01-01', null)]);

    const second = await load(out, [row(1, 'bergen', '2026-01-05')]);
    assert.deepEqual([second.rowsWritten, second.rowsUpdated, second.rowsDeleted], [2, 1, 0]);
    assert.equal(second.metrics.changes, 2);
    await assertRows(kit, out, [
      version(1, 'oslo', '2026-01-01', '2026-01-05'),
      version(1, 'bergen', '2026-01-05', null),
      version(2, 'rome', '2026-01-01', null),
    ]);
    // A row equal to the current version, later, is no change.
    const same = await load(out, [row(2, 'rome', '2026-02-01')]);
    assert.equal(same.rowsWritten, 0);
    assert.equal(await kit.version(out), second.deltaVersion, 'nothing was committed');
  });

  test('three changes of one key in one batch become three versions in time order, whatever the input order', async () => {
    const out = 'silver.three';
    await load(out, [row(1, 'oslo', '2026-01-01')]);
    const batch = await load(out, [
      row(1, 'paris', '2026-01-09'),
      row(1, 'lima', '2026-01-03'),
      row(1, 'kyiv', '2026-01-07'),
      // Same values as the version before it: no version of its own.
      row(1, 'lima', '2026-01-04'),
    ]);
    assert.deepEqual([batch.rowsWritten, batch.rowsUpdated], [4, 1]);
    await assertRows(kit, out, [
      version(1, 'oslo', '2026-01-01', '2026-01-03'),
      version(1, 'lima', '2026-01-03', '2026-01-07'),
      version(1, 'kyiv', '2026-01-07', '2026-01-09'),
      version(1, 'paris', '2026-01-09', null),
    ]);
  });

  test('late rows are inserted where they belong: splitting a version, before the first, or merging with the next', async () => {
    const out = 'silver.late';
    await load(out, [row(1, 'oslo', '2026-01-01')]);
    await load(out, [row(1, 'bergen', '2026-01-05')]);
    const split = await load(out, [row(1, 'lima', '2026-01-03')]);
    assert.deepEqual([split.rowsWritten, split.rowsUpdated], [2, 1], 'oslo closed earlier, lima added');
    await assertRows(kit, out, [
      version(1, 'oslo', '2026-01-01', '2026-01-03'),
      version(1, 'lima', '2026-01-03', '2026-01-05'),
      version(1, 'bergen', '2026-01-05', null),
    ]);
    await load(out, [row(1, 'quito', '2025-12-01')]);
    // Bergen from the 4th, not the 5th: the version of the 5th is gone, the one of the 4th takes its place.
    const merged = await load(out, [row(1, 'bergen', '2026-01-04')]);
    assert.equal(merged.rowsDeleted, 1);
    await assertRows(kit, out, [
      version(1, 'quito', '2025-12-01', '2026-01-01'),
      version(1, 'oslo', '2026-01-01', '2026-01-03'),
      version(1, 'lima', '2026-01-03', '2026-01-04'),
      version(1, 'bergen', '2026-01-04', null),
    ]);
  });

  test('an identical re-run changes nothing: same input version (skipped early) or the same rows delivered again', async () => {
    const out = 'silver.rerun';
    const batch = [row(1, 'oslo', '2026-01-01'), row(1, 'lima', '2026-01-03'), row(2, 'rome', '2026-01-02')];
    const first = await load(out, batch);
    const before = await kit.rows(out);
    const again = await kit.runJob(scd2Job(BY_DATE, out), { runSequence: ++sequence });
    assert.equal(again.metrics.unchangedInput, 1);
    assert.equal(again.deltaVersion, first.deltaVersion);
    const redelivered = await load(out, batch);
    assert.equal(redelivered.metrics.changes, 0);
    assert.equal(redelivered.rowsWritten, 0);
    assert.equal(redelivered.deltaVersion, first.deltaVersion);
    assert.equal(await kit.version(out), first.deltaVersion, 'no new Delta version');
    assert.deepEqual(sortedRows(await kit.rows(out)), sortedRows(before));
    // The run that wrote nothing saved its state: the same input version again returns at once.
    const after = await kit.runJob(scd2Job(BY_DATE, out), { runSequence: ++sequence });
    assert.equal(after.metrics.unchangedInput, 1);
    const retry = await kit.runJob(scd2Job(BY_DATE, out), { runSequence: sequence, attempt: 2 });
    assert.equal(retry.rowsWritten, 0);
    assert.equal(await kit.version(out), first.deltaVersion);
  });
});

describe('scd2: ties on the effective time', () => {
  const tied = [row(3, 'a', '2026-01-01'), row(3, 'b', '2026-01-01')];

  test('rows of one key with the same time and different values: the highest row hash wins, in any input order', async () => {
    await load('silver.tie_ab', tied);
    await load('silver.tie_ba', [...tied].reverse());
    const shape = ['id', 'city', 'valid_from', 'valid_to', 'is_current', '_hash', 'sk'];
    const ab = await picked(kit, 'silver.tie_ab', shape);
    assert.equal(ab.length, 1, 'one version per key and time');
    assert.deepEqual(await picked(kit, 'silver.tie_ba', shape), ab);
    await load('silver.tie_a', [tied[0]!]);
    await load('silver.tie_b', [tied[1]!]);
    const hashOf = async (dataset: string) => BigInt(String((await kit.rows(dataset))[0]!._hash));
    const [a, b] = [await hashOf('silver.tie_a'), await hashOf('silver.tie_b')];
    assert.notEqual(a, b);
    assert.equal(ab[0]!.city, a > b ? 'a' : 'b', 'the row with the higher _hash won');
  });

  test('sequenceBy decides a tie before the hash; a batch row replaces history at the same time', async () => {
    const columns = 'id, city, updated_at, seq';
    const config = { ...BY_DATE, sequenceBy: 'seq', ignoreColumns: ['seq'] };
    for (const [winner, seqA, seqB] of [
      ['a', 2, 1],
      ['b', 1, 2],
    ] as const) {
      const out = `silver.seq_${winner}`;
      await kit.writeDataset(
        'bronze.sequenced',
        fixture(columns, [`(3, 'a', DATE '2026-01-01', ${seqA})`, `(3, 'b', DATE '2026-01-01', ${seqB})`]),
        { mode: 'overwrite' },
      );
      await kit.runJob(scd2Job(config, out, 'bronze.sequenced'), { runSequence: ++sequence });
      await assertRows(kit, out, [version(3, winner, '2026-01-01', null)]);
    }
    // A correction at the same time as the stored version replaces it in place.
    const fixed = await load('silver.tie_a', [row(3, 'c', '2026-01-01')]);
    assert.deepEqual([fixed.rowsWritten, fixed.rowsUpdated, fixed.rowsDeleted], [1, 1, 0]);
    await assertRows(kit, 'silver.tie_a', [version(3, 'c', '2026-01-01', null)]);
  });
});

describe('scd2: effective time, names and layout', () => {
  test('without effectiveFrom every row takes effect at the load time (the run’s start)', async () => {
    const out = 'silver.loaded';
    const config = { businessKey: ['id'], changeColumns: ['city'] };
    const started = Date.now();
    await load(out, [row(1, 'oslo', '2020-01-01'), row(2, 'rome', '2020-01-01')], config);
    const [first] = await kit.rows(out);
    const from = Date.parse(String(first!.valid_from));
    assert.ok(
      from >= started - 1000 && from <= Date.now(),
      `valid_from ${String(first!.valid_from)} is the run's start`,
    );
    await load(out, [row(1, 'bergen', '2020-01-01')], config);
    const rows = await kit.rows(out);
    const closed = rows.find((r) => r.city === 'oslo')!;
    const opened = rows.find((r) => r.city === 'bergen')!;
    assert.equal(closed.valid_to, opened.valid_from);
    assert.ok(Date.parse(String(opened.valid_from)) > from);
    assert.equal(rows.length, 3);
  });

  test('open end far in the future, own column names and a VARCHAR surrogate key', async () => {
    const out = 'silver.named';
    const config = {
      ...BY_DATE,
      openEnd: 'far_future',
      surrogateKeyType: 'varchar',
      columns: {
        validFrom: 'start_at',
        validTo: 'end_at',
        isCurrent: 'current',
        surrogateKey: 'customer_key',
        hash: 'row_hash',
      },
    };
    await load(out, [row(1, 'oslo', '2026-01-01')], config);
    await load(out, [row(1, 'lima', '2026-01-03')], config);
    await assertRows(kit, out, [
      { id: 1, city: 'oslo', start_at: '2026-01-01', end_at: '2026-01-03', current: false },
      { id: 1, city: 'lima', start_at: '2026-01-03', end_at: '9999-12-31', current: true },
    ]);
    for (const r of await kit.rows(out)) assert.match(String(r.customer_key), /^[0-9a-f]{32}$/);
    // The far-future end reads back as open: a late row still splits the current version.
    await load(out, [row(1, 'kyiv', '2026-01-05')], config);
    assert.equal((await kit.rows(out)).filter((r) => r.current === true).length, 1);
  });

  test('surrogate keys are deterministic: the same key and valid_from give the same BIGINT in any table', async () => {
    const batch = [row(1, 'oslo', '2026-01-01'), row(1, 'lima', '2026-01-03'), row(2, 'rome', '2026-01-02')];
    await load('silver.sk_one', batch);
    await load('silver.sk_two', [batch[0]!]);
    await load('silver.sk_two', [batch[1]!, batch[2]!]);
    const shape = ['sk', 'id', 'valid_from', 'valid_to', '_hash'];
    const one = await picked(kit, 'silver.sk_one', shape);
    assert.deepEqual(await picked(kit, 'silver.sk_two', shape), one);
    assert.equal(new Set(one.map((r) => r.sk)).size, 3);
    for (const r of one) assert.match(String(r.sk), /^-?\d+$/);
  });

  test('change detection: only changeColumns make versions; ignored, audit and excluded columns do not', async () => {
    const columns = 'id, city, name, _load_id, op, updated_at';
    const write = (rows: string[]) => kit.writeDataset('bronze.wide', fixture(columns, rows), { mode: 'overwrite' });
    const out = 'silver.compared';
    const config = { ...BY_DATE, excludeColumns: ['op'], ignoreColumns: ['name'] };
    await write([`(1, 'oslo', 'Ann', 'load-1', 'c', DATE '2026-01-01')`]);
    await kit.runJob(scd2Job(config, out, 'bronze.wide'), { runSequence: ++sequence });
    assert.ok(!('op' in (await kit.rows(out))[0]!), 'excluded columns are not written');
    // Only the ignored name, the audit column and the excluded op differ: no new version, the first values stay.
    await write([`(1, 'oslo', 'Anne', 'load-2', 'u', DATE '2026-01-02')`]);
    const kept = await kit.version(out);
    const ignored = await kit.runJob(scd2Job(config, out, 'bronze.wide'), { runSequence: ++sequence });
    assert.equal(ignored.rowsWritten, 0);
    assert.equal(await kit.version(out), kept, 'no new Delta version');
    await write([`(1, 'lima', 'Anna', 'load-3', 'u', DATE '2026-01-03')`]);
    await kit.runJob(scd2Job(config, out, 'bronze.wide'), { runSequence: ++sequence });
    await assertRows(kit, out, [
      { ...version(1, 'oslo', '2026-01-01', '2026-01-03'), name: 'Ann', _load_id: 'load-1' },
      { ...version(1, 'lima', '2026-01-03', null), name: 'Anna', _load_id: 'load-3' },
    ]);
    // changeColumns: the name alone is compared.
    const listed = { ...BY_DATE, excludeColumns: ['op'], changeColumns: ['name'] };
    await kit.runJob(scd2Job(listed, 'silver.listed', 'bronze.wide'), { runSequence: ++sequence });
    await write([`(1, 'rome', 'Anna', 'load-4', 'u', DATE '2026-01-04')`]);
    const listedVersion = await kit.version('silver.listed');
    const unlisted = await kit.runJob(scd2Job(listed, 'silver.listed', 'bronze.wide'), { runSequence: ++sequence });
    assert.equal(unlisted.rowsWritten, 0, 'a change of an unlisted column is no new version');
    assert.equal(await kit.version('silver.listed'), listedVersion);
  });

  test('history loaded again with other audit values stays as it is (the stored versions win ties of equal state)', async () => {
    const columns = 'id, city, name, _load_id, updated_at';
    const load = async (id: string) => {
      const rows = [`(1, 'oslo', 'Ann', '${id}', DATE '2026-01-01')`, `(1, 'lima', 'Ann', '${id}', DATE '2026-01-03')`];
      await kit.writeDataset('bronze.reloaded', fixture(columns, rows), { mode: 'overwrite' });
      return kit.runJob(scd2Job(BY_DATE, 'silver.reloaded', 'bronze.reloaded'), { runSequence: ++sequence });
    };
    const loaded = await load('load-1');
    // The row of the 1st is older than the current version, so the key is rebuilt: its events match the history.
    const again = await load('load-2');
    assert.equal(again.metrics.changes, 0);
    assert.equal(await kit.version('silver.reloaded'), loaded.deltaVersion, 'no new Delta version');
    await assertRows(kit, 'silver.reloaded', [
      { ...version(1, 'oslo', '2026-01-01', '2026-01-03'), _load_id: 'load-1' },
      { ...version(1, 'lima', '2026-01-03', null), _load_id: 'load-1' },
    ]);
  });

  test('a table the job creates is partitioned by is_current, unless partitionByCurrent is false', async () => {
    await load('silver.by_current', [row(1, 'oslo', '2026-01-01')]);
    await load('silver.by_current', [row(1, 'lima', '2026-01-02')]);
    assert.deepEqual(await kit.layout('silver.by_current'), { partitionColumns: ['is_current'], files: 2 });
    await load('silver.flat', [row(1, 'oslo', '2026-01-01')], { ...BY_DATE, partitionByCurrent: false });
    assert.deepEqual((await kit.layout('silver.flat')).partitionColumns, []);
  });
});

describe('scd2: business keys', () => {
  test('a key of several columns: versions per combination; a dimension of key columns only', async () => {
    const columns = 'tenant, id, city, updated_at';
    const write = (rows: string[]) => kit.writeDataset('bronze.tenants', fixture(columns, rows), { mode: 'overwrite' });
    const config = { businessKey: ['tenant', 'id'], effectiveFrom: 'updated_at' };
    await write([`('a', 1, 'oslo', DATE '2026-01-01')`, `('b', 1, 'rome', DATE '2026-01-01')`]);
    await kit.runJob(scd2Job(config, 'silver.tenants', 'bronze.tenants'), { runSequence: ++sequence });
    await write([`('a', 1, 'lima', DATE '2026-01-02')`, `('b', 1, 'rome', DATE '2026-01-03')`]);
    await kit.runJob(scd2Job(config, 'silver.tenants', 'bronze.tenants'), { runSequence: ++sequence });
    await assertRows(kit, 'silver.tenants', [
      { tenant: 'a', ...version(1, 'oslo', '2026-01-01', '2026-01-02') },
      { tenant: 'a', ...version(1, 'lima', '2026-01-02', null) },
      { tenant: 'b', ...version(1, 'rome', '2026-01-01', null) },
    ]);

    const keysOnly = { businessKey: ['tenant', 'id'], input: 'snapshot', excludeColumns: ['city', 'updated_at'] };
    const keysJob = scd2Job({ ...keysOnly, deletes: { policy: 'invalidate' } }, 'silver.members', 'bronze.tenants');
    await kit.runJob(keysJob, { runSequence: ++sequence });
    await write([`('a', 1, 'lima', DATE '2026-01-02')`]);
    await kit.runJob(keysJob, { runSequence: ++sequence });
    await assertRows(kit, 'silver.members', [
      { tenant: 'a', id: 1, is_current: true },
      { tenant: 'b', id: 1, is_current: false },
    ]);
  });

  test('with the load time, several rows of a key in one run tie: the highest sequenceBy is the version', async () => {
    const columns = 'id, city, seq';
    await kit.writeDataset('bronze.sequenced_load', fixture(columns, [`(1, 'a', 3)`, `(1, 'b', 7)`, `(1, 'c', 5)`]));
    const config = { businessKey: ['id'], sequenceBy: 'seq' };
    await kit.runJob(scd2Job(config, 'silver.sequenced_load', 'bronze.sequenced_load'), { runSequence: ++sequence });
    await assertRows(kit, 'silver.sequenced_load', [{ id: 1, city: 'b', seq: 7, is_current: true }]);
  });
});

describe('scd2: a change input that grows', () => {
  test('only the rows appended since the last run are applied; a rewritten input is read whole', async () => {
    const out = 'silver.appended';
    const input = 'bronze.appended';
    const job = scd2Job(BY_DATE, out, input);
    await kit.writeDataset(
      input,
      fixture(COLUMNS, [row(1, 'oslo', '2026-01-01'), `(NULL::INTEGER, 'x', DATE '2026-01-01')`]),
    );
    const first = await kit.runJob(job, { runSequence: ++sequence });
    assert.equal(first.metrics.incremental, 0);
    await kit.writeDataset(input, fixture(COLUMNS, [row(1, 'lima', '2026-01-03'), row(2, 'rome', '2026-01-02')]));
    const second = await kit.runJob(job, { runSequence: ++sequence });
    assert.deepEqual([second.metrics.incremental, second.rowsRead, second.rowsWritten], [1, 2, 3]);
    assert.equal((await kit.quarantined(out)).length, 1, 'the bad row of the first load is quarantined once');
    const expected = [
      version(1, 'oslo', '2026-01-01', '2026-01-03'),
      version(1, 'lima', '2026-01-03', null),
      version(2, 'rome', '2026-01-02', null),
    ];
    await assertRows(kit, out, expected);
    // Compacted or rewritten: every row is read again, and the history stays as it is.
    await kit.writeDataset(
      input,
      `SELECT * FROM (${fixture(COLUMNS, [row(1, 'oslo', '2026-01-01')])}) UNION ALL ` +
        fixture(COLUMNS, [row(1, 'lima', '2026-01-03'), row(2, 'rome', '2026-01-02')]),
      { mode: 'overwrite' },
    );
    const whole = await kit.runJob(job, { runSequence: ++sequence });
    assert.deepEqual([whole.metrics.incremental, whole.metrics.changes], [0, 0]);
    assert.equal(await kit.version(out), second.deltaVersion, 'no new Delta version');
    await assertRows(kit, out, expected);
    // That run committed nothing but saved its state, with the output's version: the next append is incremental.
    await kit.writeDataset(input, fixture(COLUMNS, [row(2, 'kyiv', '2026-01-04')]));
    const next = await kit.runJob(job, { runSequence: ++sequence });
    assert.deepEqual([next.metrics.incremental, next.rowsRead, next.metrics.changes], [1, 1, 2]);
  });
});

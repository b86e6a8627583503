import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createJobTestKit, type JobTestKit } from '@assay/sdk/testing';
import { assertRows, fixture, picked, scd2Job, version } from './scd2-testing.ts';

let kit: JobTestKit;
before(async () => {
  kit = await createJobTestKit();
});
after(() => kit?.close());

const row = (id: number, city: string | null, day: string, op = 'u') =>
  `(${id}, ${city === null ? 'NULL::VARCHAR' : `'${city}'`}, DATE '${day}', '${op}')`;
const config = (policy: string, extra: Record<string, unknown> = {}) => ({
  businessKey: ['id'],
  effectiveFrom: 'updated_at',
  excludeColumns: ['op'],
  deletes: { policy, when: "op = 'd'" },
  ...extra,
});
let sequence = 0;

async function load(output: string, rows: string[], settings: Record<string, unknown>) {
  await kit.writeDataset('bronze.changes', fixture('id, city, updated_at, op', rows), { mode: 'overwrite' });
  return kit.runJob(scd2Job(settings, output, 'bronze.changes'), { runSequence: ++sequence });
}

describe('scd2: deletes flagged in a change input', () => {
  test('invalidate closes the current version; a re-insert opens a new one after the gap (resurrection)', async () => {
    const out = 'silver.invalidated';
    const settings = config('invalidate');
    await load(out, [row(1, 'oslo', '2026-01-01', 'c'), row(2, 'rome', '2026-01-01', 'c')], settings);
    const deleted = await load(out, [row(1, null, '2026-01-05', 'd')], settings);
    assert.deepEqual([deleted.rowsWritten, deleted.rowsUpdated], [1, 1]);
    await assertRows(kit, out, [
      version(1, 'oslo', '2026-01-01', '2026-01-05'),
      version(2, 'rome', '2026-01-01', null),
    ]);
    // Deleting it again, or deleting a key never seen, changes nothing.
    const twice = await load(out, [row(1, null, '2026-01-06', 'd'), row(9, null, '2026-01-06', 'd')], settings);
    assert.equal(twice.metrics.changes, 0);
    assert.equal(await kit.version(out), deleted.deltaVersion, 'no new Delta version');
    const back = await load(out, [row(1, 'lima', '2026-01-09', 'c')], settings);
    assert.deepEqual([back.rowsWritten, back.rowsUpdated], [1, 0]);
    const history = [
      version(1, 'oslo', '2026-01-01', '2026-01-05'),
      version(1, 'lima', '2026-01-09', null),
      version(2, 'rome', '2026-01-01', null),
    ];
    await assertRows(kit, out, history);
    const again = await load(out, [row(1, null, '2026-01-05', 'd'), row(1, 'lima', '2026-01-09', 'c')], settings);
    assert.equal(again.metrics.changes, 0, 'the delete and the re-insert delivered again change nothing');
    assert.equal(await kit.version(out), back.deltaVersion);
    // A late delete closes the version it falls into; what came after it stays.
    await load(out, [row(2, 'kyiv', '2026-01-10')], settings);
    await load(out, [row(2, null, '2026-01-04', 'd')], settings);
    await assertRows(kit, out, [
      ...history.slice(0, 2),
      version(2, 'rome', '2026-01-01', '2026-01-04'),
      version(2, 'kyiv', '2026-01-10', null),
    ]);
  });

  test('new_record records a delete as a version flagged deleted (values kept); a re-insert closes it', async () => {
    const out = 'silver.tombstones';
    const settings = config('new_record');
    await load(out, [row(1, 'oslo', '2026-01-01', 'c')], settings);
    // Deleted and inserted again in one batch: both kept, in order.
    await load(out, [row(1, 'lima', '2026-01-07', 'c'), row(1, null, '2026-01-05', 'd')], settings);
    await assertRows(kit, out, [
      version(1, 'oslo', '2026-01-01', '2026-01-05', { is_deleted: false }),
      version(1, 'oslo', '2026-01-05', '2026-01-07', { is_deleted: true }),
      version(1, 'lima', '2026-01-07', null, { is_deleted: false }),
    ]);
    const deleted = await load(out, [row(1, null, '2026-01-09', 'd')], settings);
    assert.deepEqual([deleted.rowsWritten, deleted.rowsUpdated], [2, 1]);
    const current = (await kit.rows(out)).filter((r) => r.is_current === true);
    assert.deepEqual(
      current.map((r) => [r.city, r.is_deleted]),
      [['lima', true]],
    );
    const again = await load(out, [row(1, null, '2026-01-09', 'd')], settings);
    assert.equal(again.metrics.changes, 0);
    assert.equal(await kit.version(out), deleted.deltaVersion, 'no new Delta version');
  });

  test('a delete and a change at the same time: the delete wins the tie', async () => {
    const out = 'silver.delete_tie';
    const settings = config('invalidate');
    await load(out, [row(1, 'oslo', '2026-01-01', 'c')], settings);
    await load(out, [row(1, 'lima', '2026-01-05'), row(1, null, '2026-01-05', 'd')], settings);
    await assertRows(kit, out, [version(1, 'oslo', '2026-01-01', '2026-01-05')]);
  });

  test('ignore skips flagged rows', async () => {
    const out = 'silver.ignored';
    const first = await load(out, [row(1, 'oslo', '2026-01-01', 'c')], config('ignore'));
    const skipped = await load(
      out,
      [row(1, null, '2026-01-05', 'd'), row(2, 'rome', '2026-01-05', 'd')],
      config('ignore'),
    );
    assert.equal(skipped.rowsWritten, 0);
    assert.equal(await kit.version(out), first.deltaVersion, 'no new Delta version');
    await assertRows(kit, out, [version(1, 'oslo', '2026-01-01', null)]);
  });
});

describe('scd2: snapshots', () => {
  const snapshot = async (output: string, rows: string[], policy: string) => {
    await kit.writeDataset('bronze.snapshot', fixture('id, city', rows), { mode: 'overwrite' });
    const settings = { businessKey: ['id'], input: 'snapshot', deletes: { policy } };
    const started = Date.now();
    const result = await kit.runJob(scd2Job(settings, output, 'bronze.snapshot'), { runSequence: ++sequence });
    return { result, started, ended: Date.now() };
  };

  test('keys a snapshot lacks are deleted at the load time, and come back when a later snapshot has them', async () => {
    const out = 'silver.snapshots';
    await snapshot(out, [`(1, 'oslo')`, `(2, 'rome')`], 'invalidate');
    const gone = await snapshot(out, [`(1, 'oslo')`], 'invalidate');
    assert.deepEqual([gone.result.rowsWritten, gone.result.rowsUpdated], [1, 1]);
    const closed = (await kit.rows(out)).find((r) => r.id === 2)!;
    assert.equal(closed.is_current, false);
    const end = Date.parse(String(closed.valid_to));
    assert.ok(end >= gone.started - 1000 && end <= gone.ended, 'closed at the run’s start');
    const back = await snapshot(out, [`(1, 'oslo')`, `(2, 'rome')`], 'invalidate');
    assert.deepEqual([back.result.rowsWritten, back.result.rowsUpdated], [1, 0]);
    const key2 = (await kit.rows(out)).filter((r) => r.id === 2);
    assert.deepEqual(key2.map((r) => r.is_current).sort(), [false, true]);
    const again = await snapshot(out, [`(1, 'oslo')`, `(2, 'rome')`], 'invalidate');
    assert.equal(again.result.metrics.changes, 0, 'the same snapshot again changes nothing');
    assert.equal(await kit.version(out), back.result.deltaVersion, 'no new Delta version');
  });

  test('with deletes ignored, keys missing from a snapshot stay current', async () => {
    const out = 'silver.kept';
    await snapshot(out, [`(1, 'oslo')`, `(2, 'rome')`], 'ignore');
    const kept = await kit.version(out);
    const missing = await snapshot(out, [`(1, 'oslo')`], 'ignore');
    assert.equal(missing.result.rowsWritten, 0);
    assert.equal(await kit.version(out), kept, 'no new Delta version');
    assert.equal((await kit.rows(out)).filter((r) => r.is_current === true).length, 2);
  });

  test('a snapshot delete never replaces a version: with times after the load time it lands just after them', async () => {
    const out = 'silver.ahead';
    const settings = {
      businessKey: ['id'],
      input: 'snapshot',
      effectiveFrom: 'updated_at',
      deletes: { policy: 'invalidate' },
    };
    const write = (rows: string[]) =>
      kit.writeDataset('bronze.ahead', fixture('id, city, updated_at', rows), { mode: 'overwrite' });
    await write([`(1, 'oslo', DATE '2099-01-01')`, `(2, 'rome', DATE '2026-01-01')`]);
    await kit.runJob(scd2Job(settings, out, 'bronze.ahead'), { runSequence: ++sequence });
    await write([`(2, 'rome', DATE '2026-01-01')`]);
    await kit.runJob(scd2Job(settings, out, 'bronze.ahead'), { runSequence: ++sequence });
    await assertRows(kit, out, [
      version(1, 'oslo', '2099-01-01', '2099-01-02'),
      version(2, 'rome', '2026-01-01', null),
    ]);
  });

  test('new_record on a snapshot adds a deleted version for each missing key', async () => {
    const out = 'silver.snapshot_tombstones';
    await snapshot(out, [`(1, 'oslo')`, `(2, 'rome')`], 'new_record');
    await snapshot(out, [`(1, 'oslo')`], 'new_record');
    const key2 = await picked(kit, out, ['id', 'city', 'is_current', 'is_deleted']);
    assert.deepEqual(
      key2.filter((r) => r.id === 2),
      [
        { id: 2, city: 'rome', is_current: false, is_deleted: false },
        { id: 2, city: 'rome', is_current: true, is_deleted: true },
      ],
    );
  });
});

describe('scd2: restateFrom', () => {
  test('rebuilds history from the date from the input, keeps what came before, and applies once', async () => {
    const out = 'silver.restated';
    const settings = config('invalidate');
    await load(
      out,
      [
        row(1, 'oslo', '2026-01-01'),
        row(1, 'lima', '2026-01-05'),
        row(1, 'kyiv', '2026-01-10'),
        row(2, 'rome', '2026-01-01'),
        row(2, null, '2026-01-06', 'd'),
        row(3, 'pune', '2026-01-02'),
      ],
      settings,
    );
    const oslo = (await kit.rows(out)).find((r) => r.city === 'oslo')!;
    const restate = { ...settings, restateFrom: '2026-01-04' };
    const rebuilt = await load(
      out,
      // The input holds every change since the 4th; rows before it are left alone.
      [row(1, 'paris', '2026-01-07'), row(4, 'quito', '2026-01-08'), row(1, 'ignored', '2026-01-02')],
      restate,
    );
    assert.equal(rebuilt.metrics.restated, 1);
    const history = [
      version(1, 'oslo', '2026-01-01', '2026-01-07'),
      version(1, 'paris', '2026-01-07', null),
      version(2, 'rome', '2026-01-01', null),
      version(3, 'pune', '2026-01-02', null),
      version(4, 'quito', '2026-01-08', null),
    ];
    await assertRows(kit, out, history);
    const kept = (await kit.rows(out)).find((r) => r.city === 'oslo')!;
    assert.equal(kept.sk, oslo.sk, 'the version before the date is the same version');
    // The next batch with the setting left in place is applied normally: no second restatement.
    const next = await load(out, [row(1, 'bergen', '2026-01-20')], restate);
    assert.equal(next.metrics.restated, 0);
    await assertRows(kit, out, [
      version(1, 'oslo', '2026-01-01', '2026-01-07'),
      version(1, 'paris', '2026-01-07', '2026-01-20'),
      version(1, 'bergen', '2026-01-20', null),
      ...history.slice(2),
    ]);
  });
});

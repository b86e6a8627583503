import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createJobTestKit, type JobTestKit } from '@assay/sdk/testing';
import { assertRows, fixture, scd2Job } from './scd2-testing.ts';

let kit: JobTestKit;
before(async () => {
  kit = await createJobTestKit();
});
after(() => kit?.close());

const row = (id: number, city: string | null, day: string, op = 'u') =>
  `(${id}, ${city === null ? 'NULL::VARCHAR' : `'${city}'`}, DATE '${day}', '${op}')`;
const scd1 = (policy = 'ignore', extra: Record<string, unknown> = {}) => ({
  mode: 'scd1',
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

describe('scd1 mode: one row per key, changed in place', () => {
  test('changed keys are overwritten, new keys inserted, the surrogate key stays; the latest row of a batch wins', async () => {
    const out = 'silver.current';
    await load(out, [row(1, 'oslo', '2026-01-01'), row(2, 'rome', '2026-01-01')], scd1());
    const [before] = (await kit.rows(out)).filter((r) => r.id === 1);
    assert.deepEqual(Object.keys(before!), ['sk', 'id', 'city', 'updated_at', '_hash']);
    const changed = await load(
      out,
      [
        row(1, 'lima', '2026-01-05'),
        row(1, 'bergen', '2026-01-03'),
        row(3, 'pune', '2026-01-02'),
        row(2, 'rome', '2026-01-09'),
      ],
      scd1(),
    );
    assert.deepEqual([changed.rowsWritten, changed.rowsUpdated], [2, 1], 'rome at a later date is no change');
    await assertRows(kit, out, [
      { id: 1, city: 'lima', updated_at: '2026-01-05' },
      { id: 2, city: 'rome', updated_at: '2026-01-01' },
      { id: 3, city: 'pune', updated_at: '2026-01-02' },
    ]);
    const [after] = (await kit.rows(out)).filter((r) => r.id === 1);
    assert.equal(after!.sk, before!.sk);
    assert.notEqual(after!._hash, before!._hash);
    // A row older than the stored one changes nothing; the same batch again neither.
    const version = await kit.version(out);
    const late = await load(out, [row(1, 'kyiv', '2026-01-04')], scd1());
    assert.equal(late.rowsWritten, 0);
    assert.equal(await kit.version(out), version, 'no new Delta version');
    const again = await load(out, [row(1, 'lima', '2026-01-05'), row(3, 'pune', '2026-01-02')], scd1());
    assert.equal(again.metrics.changes, 0);
    assert.equal(await kit.version(out), version, 'no new Delta version');
  });

  test('invalidate removes a deleted key; a re-insert brings it back', async () => {
    const out = 'silver.current_removed';
    await load(out, [row(1, 'oslo', '2026-01-01'), row(2, 'rome', '2026-01-01')], scd1('invalidate'));
    const removed = await load(
      out,
      [row(1, null, '2026-01-02', 'd'), row(7, null, '2026-01-02', 'd')],
      scd1('invalidate'),
    );
    assert.equal(removed.rowsDeleted, 1);
    await assertRows(kit, out, [{ id: 2, city: 'rome' }]);
    await load(out, [row(1, 'lima', '2026-01-03')], scd1('invalidate'));
    await assertRows(kit, out, [
      { id: 1, city: 'lima' },
      { id: 2, city: 'rome' },
    ]);
  });

  test('new_record flags a deleted key (values kept), a re-insert clears the flag; snapshots delete missing keys', async () => {
    const out = 'silver.current_flagged';
    await load(out, [row(1, 'oslo', '2026-01-01'), row(2, 'rome', '2026-01-01')], scd1('new_record'));
    await load(out, [row(1, null, '2026-01-02', 'd')], scd1('new_record'));
    await assertRows(kit, out, [
      { id: 1, city: 'oslo', is_deleted: true },
      { id: 2, city: 'rome', is_deleted: false },
    ]);
    const flagged = await kit.version(out);
    const same = await load(out, [row(1, null, '2026-01-03', 'd')], scd1('new_record'));
    assert.equal(same.rowsWritten, 0, 'deleting a deleted key changes nothing');
    assert.equal(await kit.version(out), flagged, 'no new Delta version');
    await load(out, [row(1, 'oslo', '2026-01-04')], scd1('new_record'));
    await assertRows(kit, out, [
      { id: 1, city: 'oslo', is_deleted: false },
      { id: 2, city: 'rome', is_deleted: false },
    ]);

    const snapshot = { ...scd1('new_record'), input: 'snapshot' };
    const gone = await load(out, [row(1, 'oslo', '2026-01-04')], snapshot);
    assert.equal(gone.rowsUpdated, 1);
    await assertRows(kit, out, [
      { id: 1, city: 'oslo', is_deleted: false },
      { id: 2, city: 'rome', is_deleted: true },
    ]);
  });

  test('ignore skips flagged rows and keeps keys a snapshot lacks', async () => {
    const out = 'silver.current_kept';
    await load(out, [row(1, 'oslo', '2026-01-01'), row(2, 'rome', '2026-01-01')], scd1());
    const kept = await kit.version(out);
    const skipped = await load(out, [row(1, null, '2026-01-02', 'd')], { ...scd1(), input: 'snapshot' });
    assert.equal(skipped.rowsWritten, 0);
    assert.equal(await kit.version(out), kept, 'no new Delta version');
    await assertRows(kit, out, [
      { id: 1, city: 'oslo' },
      { id: 2, city: 'rome' },
    ]);
  });
});

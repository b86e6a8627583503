import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createJobTestKit, sortedRows, type JobTestKit } from '@assay/sdk/testing';
import { changeLogSql, debeziumRow, malformedRow, tombstoneRow, type DebeziumEvent } from './change-log-fixtures.ts';
import { cdcMergeOperator } from './index.ts';

let kit: JobTestKit;
before(async () => {
  kit = await createJobTestKit();
});
after(() => kit?.close());

type Row = { id: number; name: string; tier: string; balance: number; active: boolean };
const source = (lsn: number) => ({ lsn, schema: 'public', table: 'customers', txId: lsn, db: 'shop' });
let clock = 1_700_000_000_000;
const change = (op: DebeziumEvent['op'], lsn: number, before: Row | null, after: Row | null): DebeziumEvent => ({
  op,
  before,
  after,
  ts_ms: (clock += 1000),
  source: source(lsn),
});
const row = (id: number, name: string, tier: string, balance: number, active = true): Row => ({
  id,
  name,
  tier,
  balance,
  active,
});

// Source order: a snapshot (all at the snapshot's LSN, as Debezium gives it), then changes with rising LSNs, among
// them a delete and re-insert of a key, a key created and deleted, and several updates of one key.
const ann = row(1, 'Ann', 'gold', 10.5);
const bob = row(2, 'Bob', 'silver', 0);
const cy = row(3, 'Cy', 'bronze', 7.25);
const EVENTS: DebeziumEvent[] = [
  change('r', 100, null, ann),
  change('r', 100, null, bob),
  change('r', 100, null, cy),
  change('c', 200, null, row(4, 'Dee', 'silver', 1)),
  change('u', 210, ann, row(1, 'Ann B.', 'gold', 10.5)),
  change('d', 220, bob, null),
  change('u', 230, row(4, 'Dee', 'silver', 1), row(4, 'Dee', 'gold', 2)),
  change('c', 240, null, row(2, 'Bob', 'bronze', 3, false)),
  change('u', 250, cy, row(3, 'Cy', 'silver', 8)),
  change('d', 260, row(3, 'Cy', 'silver', 8), null),
  change('u', 270, row(1, 'Ann B.', 'gold', 10.5), row(1, 'Ann B.', 'gold', 99.75)),
  change('c', 280, null, row(5, 'Eve', 'gold', 5)),
  change('u', 290, row(5, 'Eve', 'gold', 5), row(5, 'Eve', 'silver', 6)),
  change('d', 300, row(5, 'Eve', 'silver', 6), null),
  change('u', 310, row(4, 'Dee', 'gold', 2), row(4, 'Dee', 'platinum', 2.5)),
];

/** The final table applying EVENTS one by one in source order must give, as the rows come back. */
const FINAL = sortedRows([
  { id: '1', name: 'Ann B.', tier: 'gold', balance: 99.75, active: true },
  { id: '2', name: 'Bob', tier: 'bronze', balance: 3, active: false },
  { id: '4', name: 'Dee', tier: 'platinum', balance: 2.5, active: true },
]);

const sequences = new Map<string, number>();
async function run(output: string, input: string, config: Record<string, unknown>) {
  const runSequence = (sequences.get(output) ?? 0) + 1;
  sequences.set(output, runSequence);
  return kit.runJob(
    { id: output.replace('.', '_'), operator: cdcMergeOperator, config, inputs: [input], output },
    { runSequence },
  );
}

const dataColumns = (rows: Record<string, unknown>[], drop: string[]) =>
  sortedRows(rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !drop.includes(k)))));

/** Batch A: events 0..8 delivered out of order, two redelivered, a tombstone and a malformed event among them. */
const batchA = () => {
  const order = [3, 0, 5, 8, 1, 7, 2, 6, 4];
  let transport = 0;
  return [
    ...order.map((i) => debeziumRow(EVENTS[i]!, ++transport)),
    debeziumRow(EVENTS[4]!, ++transport),
    tombstoneRow({ id: 2 }, ++transport),
    debeziumRow(EVENTS[6]!, ++transport),
    malformedRow('{"op": ', ++transport),
  ];
};
/** Batch B: events 9..14 out of order, with redeliveries of events batch A already applied (5) and of 12. */
const batchB = () => {
  const order = [13, 9, 14, 11, 10, 12];
  let transport = 100;
  return [
    debeziumRow(EVENTS[5]!, ++transport),
    ...order.map((i) => debeziumRow(EVENTS[i]!, ++transport)),
    debeziumRow(EVENTS[12]!, ++transport),
  ];
};

describe('cdc-merge: Debezium events, reordered and redelivered, give the table of source order', () => {
  for (const deletes of ['hard', 'soft'] as const) {
    test(`deletes ${deletes}: out-of-order batches with duplicates equal one-by-one application in source order`, async () => {
      const config = { businessKey: ['id'], deletes };
      const drop = ['_cdc_position', '_cdc_op', '_cdc_event_time', 'deleted_at'];

      // One change per run, in source order.
      const inOrder = `bronze.in_order_${deletes}`;
      for (const [i, event] of EVENTS.entries()) {
        await kit.writeDataset(inOrder, changeLogSql([debeziumRow(event, i + 1)]), { mode: 'append' });
        await run(`silver.in_order_${deletes}`, inOrder, config);
      }
      // Two batches, each out of order, with redeliveries, a tombstone and a malformed event.
      const shuffled = `bronze.shuffled_${deletes}`;
      const output = `silver.shuffled_${deletes}`;
      await kit.writeDataset(shuffled, changeLogSql(batchA()));
      const first = await run(output, shuffled, config);
      assert.equal(first.metrics.tombstones, 1);
      assert.equal(first.metrics.malformed, 1);
      await kit.writeDataset(shuffled, changeLogSql(batchB()), { mode: 'append' });
      const second = await run(output, shuffled, config);
      assert.equal(second.metrics.changes, 7, 'the redelivered event 5 was applied before: skipped');

      const ordered = await kit.rows(`silver.in_order_${deletes}`);
      const final = await kit.rows(output);
      const live = (rows: Record<string, unknown>[]) =>
        deletes === 'hard' ? rows : rows.filter((r) => r.is_deleted === false);
      assert.deepEqual(dataColumns(live(final), [...drop, 'is_deleted']), FINAL);
      assert.deepEqual(dataColumns(final, drop), dataColumns(ordered, drop));
      // The applied change of each key: the same op and event time whichever way the changes came.
      assert.deepEqual(
        dataColumns(final, ['_cdc_position']),
        dataColumns(ordered, ['_cdc_position']),
        'same ops, event times and deletion times',
      );
      if (deletes === 'soft') {
        const gone = sortedRows(final.filter((r) => r.is_deleted === true).map((r) => ({ id: r.id, name: r.name })));
        // Deleted rows keep their last values: Cy as updated at LSN 250, Eve as updated at 290.
        assert.deepEqual(
          gone,
          sortedRows([
            { id: '3', name: 'Cy' },
            { id: '5', name: 'Eve' },
          ]),
        );
        const cyRow = final.find((r) => r.id === '3')!;
        assert.deepEqual([cyRow.tier, cyRow.balance], ['silver', 8]);
        assert.equal(cyRow.deleted_at, cyRow._cdc_event_time, 'deleted at the time of the delete');
      }

      // Re-running the same batch applies nothing and does not write: the Delta version stays.
      const version = await kit.version(output);
      const again = await run(output, shuffled, config);
      assert.equal(again.rowsWritten, 0);
      assert.equal(await kit.version(output), version);
      // Redelivery of a whole batch (a new Bronze version, every change at or before the stored position): nothing.
      await kit.writeDataset(shuffled, changeLogSql(batchB()), { mode: 'append' });
      const redelivered = await run(output, shuffled, config);
      assert.equal(redelivered.metrics.changes, 0);
      assert.equal(redelivered.rowsWritten, 0);
      assert.equal(await kit.version(output), version, 'the Delta version is unchanged');
      assert.deepEqual(dataColumns(await kit.rows(output), []), dataColumns(final, []));
    });
  }

  test('MySQL binlog positions (file, position, row) order the changes across binlog files', async () => {
    const mysql = (file: string, pos: number, rowInEvent: number) => ({
      file,
      pos,
      row: rowInEvent,
      db: 'shop',
      table: 'customers',
    });
    const e = (op: DebeziumEvent['op'], src: Record<string, unknown>, after: Row | null, before: Row | null = null) =>
      ({ op, before, after, ts_ms: 1_700_000_000_000, source: src }) as DebeziumEvent;
    // All at the same ts_ms: only the binlog position orders them (file, then pos, then row within the event).
    const rows = [
      debeziumRow(e('u', mysql('mysql-bin.000002', 120, 0), row(1, 'second file', 'gold', 2)), 1),
      debeziumRow(e('c', mysql('mysql-bin.000001', 9000, 0), row(1, 'first', 'gold', 1)), 2),
      debeziumRow(e('u', mysql('mysql-bin.000002', 120, 1), row(2, 'row 1', 'gold', 1)), 3),
      debeziumRow(e('c', mysql('mysql-bin.000002', 120, 0), row(2, 'row 0', 'gold', 1)), 4),
      debeziumRow(e('u', mysql('mysql-bin.000001', 10000, 0), row(1, 'first, later', 'gold', 1)), 5),
    ];
    await kit.writeDataset('bronze.mysql', changeLogSql(rows));
    await run('silver.mysql', 'bronze.mysql', { businessKey: ['id'], auditColumns: false });
    assert.deepEqual(
      sortedRows((await kit.rows('silver.mysql')).map((r) => ({ id: r.id, name: r.name }))),
      sortedRows([
        { id: '1', name: 'second file' },
        { id: '2', name: 'row 1' },
      ]),
    );
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createJobTestKit, sortedRows, type JobTestKit } from '@assay/sdk/testing';
import { byId, cleanseJob, quarantinedRows } from './cleanse-test-kit.ts';

let kit: JobTestKit;

const READINGS = `SELECT * FROM (VALUES
  (1, 'a', 1, 20.5::DOUBLE, 'C', NULL, NULL, 4),
  (2, 'a', 2, NULL, NULL, 'ok', 'OSL', NULL),
  (3, 'b', 1, NULL, 'F', NULL, 'BGO', 1),
  (4, 'a', 3, NULL, 'C', 'ok', NULL, NULL),
  (5, 'b', 2, 70.0::DOUBLE, NULL, 'bad', 'BGO', 2),
  (6, 'b', 3, NULL, 'F', NULL, NULL, 3),
  (7, NULL, 4, 1.0::DOUBLE, 'C', NULL, 'OSL', 5)
) AS t(id, sensor, ts, temp, unit, status, site, qty)`;

// Input order is the order of the rows here: one data file, read in order.
const CUSTOMERS = `SELECT * FROM (VALUES
  (1, 'a1', 10), (1, 'a2', 30), (1, 'a3', 20),
  (2, 'b1', NULL), (2, 'b2', 5),
  (3, 'c1', 1), (3, 'c-bad', 99),
  (4, 'd1', 7)
) AS t(id, email, updated)`;

before(async () => {
  kit = await createJobTestKit();
  await kit.writeDataset('bronze.readings', READINGS);
  await kit.writeDataset('bronze.sensors', `SELECT * FROM (VALUES ('a', 'OSL'), ('b', 'BGO')) AS t(sensor, home)`);
  await kit.writeDataset('bronze.customers', CUSTOMERS);
});
after(() => kit?.close());

describe('cleanse: NULL handling', () => {
  test('reject, default (text and number), forward_fill by an order column within a partition, lookup', async () => {
    const result = await kit.runJob(
      cleanseJob(
        {
          columns: [
            { column: 'sensor', nulls: { action: 'reject' } },
            { column: 'temp', nulls: { action: 'forward_fill', orderBy: 'ts', partitionBy: ['sensor'] } },
            { column: 'unit', nulls: { action: 'default', value: 'C' } },
            { column: 'status', steps: [{ op: 'regex_validate', pattern: 'ok' }] },
            {
              column: 'site',
              nulls: { action: 'lookup', dataset: 'bronze.sensors', keys: [{ column: 'sensor' }], value: 'home' },
            },
            { column: 'qty', nulls: { action: 'default', value: 0 } },
          ],
        },
        'silver.readings',
        ['bronze.readings', 'bronze.sensors'],
      ),
    );
    assert.deepEqual(
      byId(await kit.rows('silver.readings')),
      byId([
        { id: 1, sensor: 'a', ts: 1, temp: 20.5, unit: 'C', status: null, site: 'OSL', qty: 4 },
        { id: 2, sensor: 'a', ts: 2, temp: 20.5, unit: 'C', status: 'ok', site: 'OSL', qty: 0 },
        // Nothing before it in its partition: the NULL stays.
        { id: 3, sensor: 'b', ts: 1, temp: null, unit: 'F', status: null, site: 'BGO', qty: 1 },
        { id: 4, sensor: 'a', ts: 3, temp: 20.5, unit: 'C', status: 'ok', site: 'OSL', qty: 0 },
        // Row 5 (70.0) was quarantined, so its value does not carry forward.
        { id: 6, sensor: 'b', ts: 3, temp: null, unit: 'F', status: null, site: 'BGO', qty: 3 },
      ]),
    );
    assert.deepEqual(
      (await quarantinedRows(kit, 'silver.readings')).map((r) => [r.id, r._rule, r._reason, r._column]),
      [
        [5, 'cleanse.status.regex_validate', 'status does not match the pattern ok', 'status'],
        [7, 'cleanse.sensor.null', 'sensor is null', 'sensor'],
      ],
    );
    assert.deepEqual(result.metrics, {
      'cleanse.rows_clean': 5,
      'cleanse.sensor.null': 1,
      'cleanse.status.regex_validate': 1,
      'cleanse.temp.filled': 2,
      'cleanse.unit.filled': 1,
      'cleanse.site.filled': 3,
      'cleanse.qty.filled': 2,
    });
  });

  test("a default takes the column's type after its steps (a DATE here)", async () => {
    await kit.writeDataset('bronze.births', `SELECT * FROM (VALUES (1, '03/02/2001'), (2, NULL)) AS t(id, born)`);
    await kit.runJob(
      cleanseJob(
        {
          columns: [
            {
              column: 'born',
              steps: [{ op: 'date', formats: ['%d/%m/%Y'] }],
              nulls: { action: 'default', value: '1900-01-01' },
            },
          ],
        },
        'silver.births',
        ['bronze.births'],
      ),
    );
    assert.deepEqual(byId(await kit.rows('silver.births')), [
      { id: 1, born: '2001-02-03' },
      { id: 2, born: '1900-01-01' },
    ]);
  });
});

describe('cleanse: dedupe on the business key', () => {
  // A rule rejects c-bad: rejected rows never compete for their key.
  const columns = [{ column: 'email', steps: [{ op: 'regex_validate', pattern: '[a-z][0-9]' }] }];
  const dedupe = async (name: string, keep: string, orderBy?: string) =>
    kit.runJob(
      cleanseJob(
        { columns, businessKey: ['id'], dedupe: { keep, ...(orderBy === undefined ? {} : { orderBy }) } },
        `silver.dedupe_${name}`,
        ['bronze.customers'],
      ),
    );
  const emails = async (name: string) => (await kit.rows(`silver.dedupe_${name}`)).map((r) => String(r.email)).sort();

  for (const [name, keep, orderBy, expected] of [
    ['first_input', 'first', undefined, ['a1', 'b1', 'c1', 'd1']],
    ['first_by', 'first', 'updated', ['a1', 'b2', 'c1', 'd1']],
    ['last_input', 'last', undefined, ['a3', 'b2', 'c1', 'd1']],
    ['last_by', 'last', 'updated', ['a2', 'b2', 'c1', 'd1']],
    ['latest_by', 'latest_by', 'updated', ['a2', 'b2', 'c1', 'd1']],
  ] as const) {
    test(`${keep}${orderBy === undefined ? ' (input order)' : ` by ${orderBy} (NULLs never win)`}`, async () => {
      const result = await dedupe(name, keep, orderBy);
      assert.deepEqual(await emails(name), expected);
      assert.equal(result.metrics['cleanse.id.dedupe.dropped'], 3, 'two of key 1 and one of key 2');
      assert.equal(result.rowsQuarantined, 1, 'c-bad, by its own rule');
    });
  }

  test('reject_all sends every row of a duplicated key to quarantine', async () => {
    const result = await dedupe('reject_all', 'reject_all');
    assert.deepEqual(await emails('reject_all'), ['c1', 'd1']);
    const quarantined = await quarantinedRows(kit, 'silver.dedupe_reject_all');
    assert.deepEqual(
      sortedRows(quarantined.map((r) => ({ email: r.email, rule: r._rule, column: r._column, reason: r._reason }))),
      sortedRows([
        ...['a1', 'a2', 'a3', 'b1', 'b2'].map((email) => ({
          email,
          rule: 'cleanse.id.dedupe',
          column: 'id',
          reason: 'id: the key has several rows',
        })),
        {
          email: 'c-bad',
          rule: 'cleanse.email.regex_validate',
          column: 'email',
          reason: 'email does not match the pattern [a-z][0-9]',
        },
      ]),
    );
    assert.equal(result.rowsQuarantined, 6);
    assert.equal(result.metrics['cleanse.id.dedupe'], 5);
  });

  test('the key is compared as standardized, over several columns', async () => {
    await kit.writeDataset(
      'bronze.codes',
      `SELECT * FROM (VALUES ('no', ' x', 1), ('no', 'X ', 2), ('se', 'x', 3), ('no', 'y', 4)) AS t(region, code, n)`,
    );
    await kit.runJob(
      cleanseJob(
        {
          columns: [{ column: 'code', steps: [{ op: 'trim' }, { op: 'case', to: 'upper' }] }],
          businessKey: ['region', 'code'],
          dedupe: { keep: 'latest_by', orderBy: 'n' },
        },
        'silver.codes',
        ['bronze.codes'],
      ),
    );
    assert.deepEqual(
      sortedRows(await kit.rows('silver.codes')),
      sortedRows([
        { region: 'no', code: 'X', n: 2 },
        { region: 'se', code: 'X', n: 3 },
        { region: 'no', code: 'Y', n: 4 },
      ]),
    );
  });
});

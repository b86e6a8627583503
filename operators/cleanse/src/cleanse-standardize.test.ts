import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createJobTestKit, sortedRows, type JobTestKit } from '@assay/sdk/testing';
import { byId, cleanseJob, columnTypes, quarantinedRows } from './cleanse-test-kit.ts';

let kit: JobTestKit;

before(async () => {
  kit = await createJobTestKit();
});
after(() => kit?.close());

/** Writes the fixture, runs a cleanse of it into `output` with these column rules; returns the run's result. */
async function cleanse(input: string, select: string, output: string, columns: unknown[]) {
  await kit.writeDataset(input, select);
  return kit.runJob(cleanseJob({ columns }, output, [input]));
}

describe('cleanse: standardization steps (outputs and quarantine compared as multisets)', () => {
  test('trim and case: upper, lower, title (each word capitalized, inner spacing kept)', async () => {
    const result = await cleanse(
      'bronze.names',
      `SELECT * FROM (VALUES
        (1, '  ann  LEE ', ' ab-12 ', 'Ann@Example.COM'),
        (2, 'BOB', 'cd-34', 'bob@example.com'),
        (3, NULL, NULL, NULL)
      ) AS t(id, name, code, email)`,
      'silver.names',
      [
        { column: 'name', steps: [{ op: 'trim' }, { op: 'case', to: 'title' }] },
        { column: 'code', steps: [{ op: 'trim' }, { op: 'case', to: 'upper' }] },
        { column: 'email', steps: [{ op: 'case', to: 'lower' }] },
      ],
    );
    assert.equal(result.rowsQuarantined, 0);
    assert.deepEqual(
      sortedRows(await kit.rows('silver.names')),
      sortedRows([
        { id: 1, name: 'Ann  Lee', code: 'AB-12', email: 'ann@example.com' },
        { id: 2, name: 'Bob', code: 'CD-34', email: 'bob@example.com' },
        { id: 3, name: null, code: null, email: null },
      ]),
    );
  });

  test('regex_validate rejects what does not match in full; regex_extract takes a group, NULL or reject on no match', async () => {
    const result = await cleanse(
      'bronze.contacts',
      `SELECT * FROM (VALUES
        (1, 'ann@example.com', 'SKU-0042 blue', 'order 17'),
        (2, 'not-an-email', 'SKU-7', 'none'),
        (3, 'CY@EXAMPLE.COM', 'sku-9', 'order 5'),
        (4, NULL, 'nothing', 'order 8'),
        (5, 'e@x.io', 'SKU-1', 'n/a'),
        (6, 'x ann@example.com', 'SKU-2', '3')
      ) AS t(id, email, sku, ref)`,
      'silver.contacts',
      [
        {
          column: 'email',
          steps: [{ op: 'regex_validate', pattern: '[a-z0-9.]+@[a-z0-9.]+\\.[a-z]+', ignoreCase: true }],
        },
        { column: 'sku', steps: [{ op: 'regex_extract', pattern: 'sku-([0-9]+)', group: 1, ignoreCase: true }] },
        { column: 'ref', steps: [{ op: 'regex_extract', pattern: '[0-9]+', onNoMatch: 'reject' }] },
      ],
    );
    assert.deepEqual(
      sortedRows(await kit.rows('silver.contacts')),
      sortedRows([
        { id: 1, email: 'ann@example.com', sku: '0042', ref: '17' },
        { id: 3, email: 'CY@EXAMPLE.COM', sku: '9', ref: '5' },
        { id: 4, email: null, sku: null, ref: '8' },
      ]),
    );
    const email = {
      _rule: 'cleanse.email.regex_validate',
      _reason: 'email does not match the pattern [a-z0-9.]+@[a-z0-9.]+\\.[a-z]+',
      _column: 'email',
    };
    assert.deepEqual(
      await quarantinedRows(kit, 'silver.contacts'),
      byId([
        // Row 2 fails both email and ref: it is quarantined once, by the first rule (columns in config order).
        { id: 2, email: 'not-an-email', sku: 'SKU-7', ref: 'none', ...email },
        { id: 6, email: 'x ann@example.com', sku: 'SKU-2', ref: '3', ...email },
        {
          id: 5,
          email: 'e@x.io',
          sku: 'SKU-1',
          ref: 'n/a',
          _rule: 'cleanse.ref.regex_extract',
          _reason: 'ref does not contain a match of the pattern [0-9]+',
          _column: 'ref',
        },
      ]),
    );
    assert.equal(result.rowsQuarantined, 3);
    assert.equal(result.metrics['cleanse.email.regex_validate'], 2);
    assert.equal(result.metrics['cleanse.ref.regex_extract'], 1);
  });

  test('phone_digits keeps the digits; minDigits/maxDigits reject the rest', async () => {
    await cleanse(
      'bronze.phones',
      `SELECT * FROM (VALUES
        (1, '+47 (22) 33-44-55', '555-0100'),
        (2, 'call me', '12'),
        (3, NULL, '0047 22 33 44 55 66 77 88'),
        (4, '22 33', NULL)
      ) AS t(id, mobile, office)`,
      'silver.phones',
      [
        { column: 'mobile', steps: [{ op: 'phone_digits' }] },
        { column: 'office', steps: [{ op: 'phone_digits', minDigits: 7, maxDigits: 12 }] },
      ],
    );
    assert.deepEqual(
      sortedRows(await kit.rows('silver.phones')),
      sortedRows([
        { id: 1, mobile: '4722334455', office: '5550100' },
        { id: 4, mobile: '2233', office: null },
      ]),
    );
    const office = {
      _rule: 'cleanse.office.phone_digits',
      _reason: 'office does not have 7 to 12 digits',
      _column: 'office',
    };
    assert.deepEqual(
      await quarantinedRows(kit, 'silver.phones'),
      byId([
        { id: 2, mobile: 'call me', office: '12', ...office },
        { id: 3, mobile: null, office: '0047 22 33 44 55 66 77 88', ...office },
      ]),
    );
  });

  test('dates: formats tried in order to DATE or TIMESTAMP; a value no format matches goes to quarantine', async () => {
    const result = await cleanse(
      'bronze.events',
      `SELECT * FROM (VALUES
        (1, '2024-01-31', '2024-01-31 08:30:00', DATE '2020-05-01'),
        (2, '31/01/2024', '31.01.2024 08:30', DATE '2021-06-02'),
        (3, 'Feb 29 2024', '2024-01-31T08:30:00', NULL),
        (4, '2024-13-01', '2024-01-31 08:30:00', NULL),
        (5, NULL, NULL, NULL)
      ) AS t(id, day, seen_at, since)`,
      'silver.events',
      [
        { column: 'day', steps: [{ op: 'date', formats: ['%Y-%m-%d', '%d/%m/%Y', '%b %d %Y'] }] },
        {
          column: 'seen_at',
          steps: [
            { op: 'date', formats: ['%Y-%m-%d %H:%M:%S', '%d.%m.%Y %H:%M', '%Y-%m-%dT%H:%M:%S'], type: 'timestamp' },
          ],
        },
        // Already a DATE: cast, no parsing.
        { column: 'since', steps: [{ op: 'date', formats: ['%Y'], type: 'timestamp' }] },
      ],
    );
    // Delta's timestamp is an instant: the lake stores a TIMESTAMP as UTC and reads it back with time zone.
    assert.deepEqual(await columnTypes(kit, 'silver.events'), {
      id: 'INTEGER',
      day: 'DATE',
      seen_at: 'TIMESTAMP WITH TIME ZONE',
      since: 'TIMESTAMP WITH TIME ZONE',
    });
    assert.deepEqual(
      byId(await kit.rows('silver.events')),
      byId([
        { id: 1, day: '2024-01-31', seen_at: '2024-01-31 08:30:00+00', since: '2020-05-01 00:00:00+00' },
        { id: 2, day: '2024-01-31', seen_at: '2024-01-31 08:30:00+00', since: '2021-06-02 00:00:00+00' },
        { id: 3, day: '2024-02-29', seen_at: '2024-01-31 08:30:00+00', since: null },
        { id: 5, day: null, seen_at: null, since: null },
      ]),
    );
    assert.equal(result.metrics['cleanse.day.date'], 1);
    const [rejected] = await quarantinedRows(kit, 'silver.events');
    assert.deepEqual(
      { id: rejected?.id, day: rejected?.day, rule: rejected?._rule, reason: rejected?._reason },
      {
        id: 4,
        day: '2024-13-01',
        rule: 'cleanse.day.date',
        reason: 'day matches none of the formats %Y-%m-%d, %d/%m/%Y, %b %d %Y',
      },
    );
  });

  test('a date format that matches nothing sends its rows to quarantine: the job still succeeds', async () => {
    const result = await cleanse(
      'bronze.never',
      `SELECT * FROM (VALUES (1, '2024-01-31'), (2, 'tomorrow'), (3, NULL)) AS t(id, day)`,
      'silver.never',
      [{ column: 'day', steps: [{ op: 'date', formats: ['%d.%m.%Y'] }] }],
    );
    assert.equal(result.rowsWritten, 1);
    assert.equal(result.rowsQuarantined, 2);
    assert.deepEqual(await kit.rows('silver.never'), [{ id: 3, day: null }]);
    assert.deepEqual(
      (await quarantinedRows(kit, 'silver.never')).map((r) => [r.id, r._rule]),
      [
        [1, 'cleanse.day.date'],
        [2, 'cleanse.day.date'],
      ],
    );
  });

  test('booleans: yes/no/true/false/1/0/y/n case-insensitively by default, or lists of ones own', async () => {
    await cleanse(
      'bronze.flags',
      `SELECT * FROM (VALUES
        (1, 'Yes', 'T', 1),
        (2, ' n ', 'f', 0),
        (3, 'TRUE', 'x', NULL),
        (4, '0', 'T', 1),
        (5, 'maybe', 'F', 0),
        (6, NULL, NULL, 1),
        (7, 'Y', 'F', 1),
        (8, 'false', 't', 0)
      ) AS t(id, active, member, opt_in)`,
      'silver.flags',
      [
        { column: 'active', steps: [{ op: 'boolean' }] },
        { column: 'member', steps: [{ op: 'boolean', trueValues: ['t'], falseValues: ['F'] }] },
        { column: 'opt_in', steps: [{ op: 'boolean' }] },
      ],
    );
    assert.deepEqual(
      sortedRows(await kit.rows('silver.flags')),
      sortedRows([
        { id: 1, active: true, member: true, opt_in: true },
        { id: 2, active: false, member: false, opt_in: false },
        { id: 4, active: false, member: true, opt_in: true },
        { id: 6, active: null, member: null, opt_in: true },
        { id: 7, active: true, member: false, opt_in: true },
        { id: 8, active: false, member: true, opt_in: false },
      ]),
    );
    assert.deepEqual((await columnTypes(kit, 'silver.flags')).active, 'BOOLEAN');
    assert.deepEqual(
      (await quarantinedRows(kit, 'silver.flags')).map((r) => [r.id, r._rule, r._reason]),
      [
        [3, 'cleanse.member.boolean', 'member is not a boolean (t, f)'],
        [5, 'cleanse.active.boolean', 'active is not a boolean (yes, true, 1, y, no, false, 0, n)'],
      ],
    );
  });

  test('currency: amounts in text or numbers rounded half away from zero to DECIMAL(precision, scale)', async () => {
    await cleanse(
      'bronze.payments',
      `SELECT * FROM (VALUES
        (1, '$1,234.565', '1.234,565 €', 2.675::DOUBLE),
        (2, '-0.005', '12,3', 10),
        (3, 'USD 99', NULL, NULL),
        (4, 'free', '1', 1),
        (5, '123456789012345678', '1', 1)
      ) AS t(id, price, eu_price, amount)`,
      'silver.payments',
      [
        { column: 'price', steps: [{ op: 'currency', scale: 2, precision: 10 }] },
        { column: 'eu_price', steps: [{ op: 'currency', scale: 1, decimalSeparator: ',' }] },
        { column: 'amount', steps: [{ op: 'currency' }] },
      ],
    );
    assert.deepEqual(
      sortedRows(await kit.rows('silver.payments')),
      sortedRows([
        { id: 1, price: '1234.57', eu_price: '1234.6', amount: '2.68' },
        { id: 2, price: '-0.01', eu_price: '12.3', amount: '10.00' },
        { id: 3, price: '99.00', eu_price: null, amount: null },
      ]),
    );
    const types = await columnTypes(kit, 'silver.payments');
    assert.deepEqual([types.price, types.eu_price, types.amount], ['DECIMAL(10,2)', 'DECIMAL(18,1)', 'DECIMAL(18,2)']);
    assert.deepEqual(
      (await quarantinedRows(kit, 'silver.payments')).map((r) => [r.id, r.price, r._rule, r._reason]),
      [
        [4, 'free', 'cleanse.price.currency', 'price is not an amount that fits DECIMAL(10, 2)'],
        [5, '123456789012345678', 'cleanse.price.currency', 'price is not an amount that fits DECIMAL(10, 2)'],
      ],
    );
  });

  test('map: listed values replaced (null allowed); the default replaces the others, without one they stay', async () => {
    await cleanse(
      'bronze.statuses',
      `SELECT * FROM (VALUES
        (1, 'A', 'web', 'north'),
        (2, 'C', 'WEB', 'N/A'),
        (3, 'X', 'shop', 'south'),
        (4, NULL, NULL, NULL),
        (5, 'A', 'phone', 'east')
      ) AS t(id, status, channel, region)`,
      'silver.statuses',
      [
        { column: 'status', steps: [{ op: 'map', values: { A: 'active', C: 'closed' }, default: 'unknown' }] },
        {
          column: 'channel',
          steps: [
            { op: 'case', to: 'lower' },
            { op: 'map', values: { web: 'online', shop: 'store' } },
          ],
        },
        { column: 'region', steps: [{ op: 'map', values: { 'N/A': null } }] },
      ],
    );
    assert.deepEqual(
      sortedRows(await kit.rows('silver.statuses')),
      sortedRows([
        { id: 1, status: 'active', channel: 'online', region: 'north' },
        { id: 2, status: 'closed', channel: 'online', region: null },
        { id: 3, status: 'unknown', channel: 'store', region: 'south' },
        { id: 4, status: null, channel: null, region: null },
        { id: 5, status: 'active', channel: 'phone', region: 'east' },
      ]),
    );
  });

  test('names and literals from the config are quoted: quotes in columns, patterns and map values', async () => {
    const column = `it's"odd"`;
    await cleanse(
      'bronze.quotes',
      `SELECT * FROM (VALUES (1, 'o''k'), (2, 'say "hi"'), (3, 'x')) AS t(id, "it's""odd""")`,
      'silver.quotes',
      [
        {
          column,
          steps: [
            { op: 'regex_validate', pattern: `[a-z'" ]+` },
            { op: 'map', values: { "o'k": "it's ok", 'say "hi"': 'hello' } },
          ],
        },
      ],
    );
    assert.deepEqual(byId(await kit.rows('silver.quotes')), [
      { id: 1, [column]: "it's ok" },
      { id: 2, [column]: 'hello' },
      { id: 3, [column]: 'x' },
    ]);
  });

  test('a row failing several rules is quarantined once, by the first: columns in order, steps then NULLs', async () => {
    const result = await cleanse(
      'bronze.multi',
      `SELECT * FROM (VALUES
        (1, ' ab ', '5'),
        (2, 'toolong', 'x'),
        (3, NULL, 'x'),
        (4, 'cd', 'y'),
        (5, 'zz', 'y')
      ) AS t(id, code, qty)`,
      'silver.multi',
      [
        {
          column: 'code',
          steps: [
            { op: 'trim' },
            { op: 'regex_validate', pattern: '[a-z]{2}' },
            { op: 'regex_validate', pattern: '[a-c].' },
          ],
          nulls: { action: 'reject' },
        },
        { column: 'qty', steps: [{ op: 'currency', scale: 0 }] },
      ],
    );
    assert.deepEqual(await kit.rows('silver.multi'), [{ id: 1, code: 'ab', qty: '5' }]);
    assert.deepEqual(
      (await quarantinedRows(kit, 'silver.multi')).map((r) => [r.id, r.code, r._rule, r._column]),
      [
        [2, 'toolong', 'cleanse.code.regex_validate', 'code'],
        [3, null, 'cleanse.code.null', 'code'],
        [4, 'cd', 'cleanse.qty.currency', 'qty'],
        [5, 'zz', 'cleanse.code.regex_validate_2', 'code'],
      ],
    );
    assert.deepEqual(
      [result.rowsRead, result.rowsWritten, result.rowsQuarantined],
      [5, 1, 4],
      'rows read, written, quarantined',
    );
    assert.deepEqual(result.metrics, {
      'cleanse.rows_clean': 1,
      'cleanse.code.regex_validate': 1,
      'cleanse.code.regex_validate_2': 1,
      'cleanse.code.null': 1,
      'cleanse.qty.currency': 1,
    });
  });
});

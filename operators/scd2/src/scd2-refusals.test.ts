import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createJobTestKit, type JobTestKit } from '@assay/sdk/testing';
import { assertRows, code, fixture, scd2Job, version } from './scd2-testing.ts';

let kit: JobTestKit;
before(async () => {
  kit = await createJobTestKit();
  await kit.writeDataset(
    'bronze.customers',
    fixture('id, city, updated_at', [`(1, 'oslo', DATE '2026-01-01')`, `(2, 'rome', DATE '2026-01-01')`]),
  );
});
after(() => kit?.close());

const BASE = { businessKey: ['id'], effectiveFrom: 'updated_at' };
let sequence = 0;
const run = (config: Record<string, unknown>, output = 'silver.refused', input = 'bronze.customers') =>
  kit.runJob(scd2Job(config, output, input), { runSequence: ++sequence });

describe('scd2: config that does not fit the input is refused before anything is written', () => {
  for (const [name, config, expected, path] of [
    [
      'a business key column the input lacks',
      { ...BASE, businessKey: ['customer_id'] },
      'SCD2_KEY_MISSING',
      'config.businessKey[0]',
    ],
    [
      'the second key column missing',
      { ...BASE, businessKey: ['id', 'region'] },
      'SCD2_KEY_MISSING',
      'config.businessKey[1]',
    ],
    [
      'an effective-time column the input lacks',
      { ...BASE, effectiveFrom: 'changed_at' },
      'SCD2_COLUMN_MISSING',
      'config.effectiveFrom',
    ],
    [
      'a change column the input lacks',
      { ...BASE, changeColumns: ['segment'] },
      'SCD2_COLUMN_MISSING',
      'config.changeColumns[0]',
    ],
    [
      'an excluded column the input lacks',
      { ...BASE, excludeColumns: ['op'] },
      'SCD2_COLUMN_MISSING',
      'config.excludeColumns[0]',
    ],
    [
      'a text effective time',
      { ...BASE, effectiveFrom: 'city' },
      'SCD2_EFFECTIVE_TIME_INVALID',
      'config.effectiveFrom',
    ],
    [
      'two output columns with one name',
      { ...BASE, columns: { validTo: 'valid_from' } },
      'SCD2_COLUMN_CONFLICT',
      'config.columns.validTo',
    ],
    [
      'an output name an input column has',
      { ...BASE, columns: { isCurrent: 'city' } },
      'SCD2_COLUMN_CONFLICT',
      'config.columns.isCurrent',
    ],
    [
      'a delete condition that does not bind',
      { ...BASE, deletes: { policy: 'invalidate', when: "op = 'd'" } },
      'SCD2_SQL_INVALID',
      'config.deletes.when',
    ],
    [
      'a delete condition that is no condition',
      { ...BASE, deletes: { policy: 'invalidate', when: 'city' } },
      'SCD2_SQL_INVALID',
      'config.deletes.when',
    ],
    [
      'a restate date that is no date',
      { ...BASE, restateFrom: 'last tuesday' },
      'SCD2_RESTATE_INVALID',
      'config.restateFrom',
    ],
    [
      'a restatement in scd1 mode',
      { ...BASE, mode: 'scd1', restateFrom: '2026-01-01' },
      'SCD2_CONFIG_INVALID',
      'config.restateFrom',
    ],
    ['excluding a key column', { ...BASE, excludeColumns: ['id'] }, 'SCD2_CONFIG_INVALID', 'config.excludeColumns[0]'],
    ['comparing a key column', { ...BASE, changeColumns: ['id'] }, 'SCD2_CONFIG_INVALID', 'config.changeColumns[0]'],
    ['a far-future date that is no date', { ...BASE, farFuture: 'never' }, 'SCD2_CONFIG_INVALID', 'config.farFuture'],
  ] as const) {
    test(`${expected}: ${name}`, async () => {
      await assert.rejects(run(config), code(expected, path));
      assert.equal(await kit.version('silver.refused'), undefined, 'nothing was written');
    });
  }

  test('SCD2_KEY_MISSING names the column and the input’s columns', async () => {
    await assert.rejects(run({ ...BASE, businessKey: ['customer_id'] }), (error: Error & { details?: unknown }) => {
      assert.match(
        error.message,
        /config\.businessKey\[0\] names "customer_id", which is not a column of bronze\.customers/,
      );
      assert.match(error.message, /id, city, updated_at/);
      return true;
    });
  });

  test('a config outside the schema is JOB_CONFIG_INVALID; the output cannot be the input (SCD2_OUTPUT_IS_INPUT)', async () => {
    await assert.rejects(run({ ...BASE, mode: 'scd3' }), code('JOB_CONFIG_INVALID'));
    await assert.rejects(run({ ...BASE, businessKey: [] }), code('JOB_CONFIG_INVALID'));
    await assert.rejects(run(BASE, 'bronze.customers'), code('SCD2_OUTPUT_IS_INPUT'));
  });

  test('an existing table must have the columns this config writes (SCD2_OUTPUT_INCOMPATIBLE)', async () => {
    const out = 'silver.fixed';
    await run(BASE, out);
    const created = await kit.version(out);
    await kit.writeDataset(
      'bronze.wider',
      fixture('id, city, segment, updated_at', [`(1, 'bergen', 'smb', DATE '2026-01-02')`]),
    );
    await assert.rejects(
      run(BASE, out, 'bronze.wider'),
      (error: { code?: string; details?: { missing?: string[] } }) => {
        assert.equal(error.code, 'SCD2_OUTPUT_INCOMPATIBLE');
        assert.deepEqual(error.details?.missing, ['segment']);
        return true;
      },
    );
    await assert.rejects(run({ ...BASE, mode: 'scd1' }, out), code('SCD2_OUTPUT_INCOMPATIBLE'));
    assert.equal(await kit.version(out), created);
    // Excluding the new column fits again.
    const fitted = await run({ ...BASE, excludeColumns: ['segment'] }, out, 'bronze.wider');
    assert.equal(fitted.rowsWritten, 2);
  });
});

describe('scd2: rows with a NULL business key or effective time', () => {
  const rows = [
    `(1, 'oslo', DATE '2026-01-01')`,
    `(NULL::INTEGER, 'rome', DATE '2026-01-01')`,
    `(3, 'lima', NULL::DATE)`,
  ];

  test('are quarantined with rule, reason and column by default; the other rows are written', async () => {
    await kit.writeDataset('bronze.dirty', fixture('id, city, updated_at', rows));
    const result = await run(BASE, 'silver.clean', 'bronze.dirty');
    assert.equal(result.rowsQuarantined, 2);
    await assertRows(kit, 'silver.clean', [version(1, 'oslo', '2026-01-01', null)]);
    const quarantined = await kit.quarantined('silver.clean');
    assert.deepEqual(quarantined.map((q) => [q.rule, q.reason, q.column, q.row.city]).sort(), [
      ['scd2.business_key.null', 'business key column "id" is NULL', 'id', 'rome'],
      ['scd2.effective_from.null', 'effective time column "updated_at" is NULL', 'updated_at', 'lima'],
    ]);
  });

  test('fail the run with invalidRows: fail, before anything is written or quarantined', async () => {
    await kit.writeDataset('bronze.dirty_keys', fixture('id, city, updated_at', rows.slice(0, 2)));
    await assert.rejects(
      run({ ...BASE, invalidRows: 'fail' }, 'silver.strict', 'bronze.dirty_keys'),
      (error: { code?: string; message?: string; details?: { column?: string; rows?: number } }) => {
        assert.equal(error.code, 'SCD2_KEY_NULL');
        assert.deepEqual([error.details?.column, error.details?.rows], ['id', 1]);
        assert.match(error.message!, /1 row\(s\) of bronze\.dirty_keys have a NULL business key/);
        return true;
      },
    );
    await kit.writeDataset('bronze.dirty_times', fixture('id, city, updated_at', [rows[0]!, rows[2]!]));
    await assert.rejects(
      run({ ...BASE, invalidRows: 'fail' }, 'silver.strict', 'bronze.dirty_times'),
      code('SCD2_EFFECTIVE_TIME_NULL', 'config.invalidRows'),
    );
    assert.equal(await kit.version('silver.strict'), undefined);
    assert.deepEqual(await kit.quarantined('silver.strict'), []);
  });
});

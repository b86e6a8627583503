import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createJobTestKit, type JobTestKit } from '@assay/sdk/testing';
import plugin, { cleanseOperator } from './index.ts';
import { cleanseJob, rejectsWith } from './cleanse-test-kit.ts';

let kit: JobTestKit;

const OUTPUT = 'silver.refused';
const INPUTS = ['bronze.people', 'bronze.countries'];
const COUNTRY = {
  dataset: 'bronze.countries',
  keys: [{ column: 'country', referenceColumn: 'code' }],
  columns: [{ column: 'name' }],
};

before(async () => {
  kit = await createJobTestKit();
  await kit.writeDataset(
    'bronze.people',
    `SELECT * FROM (VALUES (1, 'ann@example.com', 'NO', 3, '2024-01-01'), (2, 'bob@example.com', 'SE', NULL, NULL))
     AS t(id, email, country, qty, updated)`,
  );
  await kit.writeDataset(
    'bronze.countries',
    `SELECT * FROM (VALUES ('NO', 'Norway'), ('SE', 'Sweden')) AS t(code, name)`,
  );
});
after(() => kit?.close());

/** Runs a job that must be refused with `code` (and `path`), then checks nothing was written or quarantined. */
async function refused(
  config: Record<string, unknown>,
  code: string,
  path?: string,
  message?: RegExp,
  inputs = INPUTS,
) {
  await assert.rejects(
    kit.runJob(cleanseJob(config, OUTPUT, inputs)),
    rejectsWith(code, { ...(path === undefined ? {} : { path }), ...(message === undefined ? {} : { message }) }),
  );
  assert.equal(await kit.version(OUTPUT), undefined, 'nothing was written');
  assert.deepEqual(await kit.quarantined(OUTPUT), [], 'nothing was quarantined');
  assert.equal(await kit.version('bronze.people'), 0, 'the input is untouched');
}

describe('cleanse: a config naming what the input does not have (CLEANSE_COLUMN_MISSING)', () => {
  for (const [what, config, path] of [
    [
      'a configured column',
      { columns: [{ column: 'email' }, { column: 'emial', steps: [{ op: 'trim' }] }] },
      'config.columns[1].column',
    ],
    ['a business key column', { businessKey: ['ID', 'nope'] }, 'config.businessKey[1]'],
    [
      'the dedupe order',
      { businessKey: ['id'], dedupe: { keep: 'last', orderBy: 'changed' } },
      'config.dedupe.orderBy',
    ],
    [
      'a forward fill order',
      { columns: [{ column: 'qty', nulls: { action: 'forward_fill', orderBy: 'ts' } }] },
      'config.columns[0].nulls.orderBy',
    ],
    [
      'a lookup key',
      { lookups: [{ ...COUNTRY, keys: [{ column: 'land', referenceColumn: 'code' }] }] },
      'config.lookups[0].keys[0].column',
    ],
    [
      'a reference key',
      { lookups: [{ ...COUNTRY, keys: [{ column: 'country' }] }] },
      'config.lookups[0].keys[0].referenceColumn',
    ],
    [
      'a returned column',
      { lookups: [{ ...COUNTRY, columns: [{ column: 'capital' }] }] },
      'config.lookups[0].columns[0].column',
    ],
    ['a partition column', { write: { partitionBy: ['day'] } }, 'config.write.partitionBy[0]'],
  ] as const) {
    test(what, async () => {
      await refused(config, 'CLEANSE_COLUMN_MISSING', path);
    });
  }

  test('the message names the column, the dataset and what it has', async () => {
    await refused(
      { columns: [{ column: 'emial' }] },
      'CLEANSE_COLUMN_MISSING',
      'config.columns[0].column',
      /config\.columns\[0\]\.column names column "emial", which bronze\.people does not have \(it has: id, email, country, qty, updated\)/,
    );
  });
});

describe('cleanse: invalid patterns, formats and defaults (DuckDB says why)', () => {
  test("an invalid regex is CLEANSE_REGEX_INVALID with DuckDB's message", async () => {
    await refused(
      { columns: [{ column: 'email', steps: [{ op: 'trim' }, { op: 'regex_validate', pattern: '([a-z]+@' }] }] },
      'CLEANSE_REGEX_INVALID',
      'config.columns[0].steps[1].pattern',
      /config\.columns\[0\]\.steps\[1\]\.pattern is invalid: the pattern "\(\[a-z\]\+@": Invalid Input Error: missing \)/,
    );
    await refused(
      { columns: [{ column: 'email', steps: [{ op: 'regex_extract', pattern: '*x' }] }] },
      'CLEANSE_REGEX_INVALID',
      'config.columns[0].steps[0].pattern',
    );
  });

  test('a malformed date format is CLEANSE_DATE_FORMAT_INVALID (one that matches nothing is not an error)', async () => {
    await refused(
      { columns: [{ column: 'updated', steps: [{ op: 'date', formats: ['%Y-%m-%d', '%Q'] }] }] },
      'CLEANSE_DATE_FORMAT_INVALID',
      'config.columns[0].steps[0].formats',
      /Failed to parse format specifier %Q/,
    );
  });

  test("a default the column's type cannot hold is CLEANSE_DEFAULT_INVALID", async () => {
    await refused(
      { columns: [{ column: 'qty', nulls: { action: 'default', value: 'many' } }] },
      'CLEANSE_DEFAULT_INVALID',
      'config.columns[0].nulls.value',
      /Could not convert string 'many'/,
    );
  });
});

describe('cleanse: inputs and lookups', () => {
  test('a lookup dataset that is not among the inputs is CLEANSE_LOOKUP_DATASET_NOT_INPUT', async () => {
    await refused(
      { lookups: [COUNTRY] },
      'CLEANSE_LOOKUP_DATASET_NOT_INPUT',
      'config.lookups[0].dataset',
      /"bronze\.countries", which is not one of the job's inputs \(bronze\.people\)/,
      ['bronze.people'],
    );
    await refused(
      {
        columns: [
          {
            column: 'country',
            nulls: { action: 'lookup', dataset: 'bronze.codes', keys: [{ column: 'id' }], value: 'code' },
          },
        ],
      },
      'CLEANSE_LOOKUP_DATASET_NOT_INPUT',
      'config.columns[0].nulls.dataset',
    );
  });

  test('config.input must be one of the inputs (CLEANSE_INPUT_NOT_FOUND); by default the first no lookup reads', async () => {
    await refused({ input: 'bronze.nope' }, 'CLEANSE_INPUT_NOT_FOUND', 'config.input');
    await refused(
      { lookups: [{ ...COUNTRY, dataset: 'bronze.people' }] },
      'CLEANSE_INPUT_NOT_FOUND',
      'config.input',
      undefined,
      ['bronze.people'],
    );
    // The reference listed first: the input is still bronze.people.
    const result = await kit.runJob(
      cleanseJob({ lookups: [COUNTRY] }, 'silver.reordered', ['bronze.countries', 'bronze.people']),
    );
    assert.equal(result.rowsWritten, 2);
    assert.deepEqual((await kit.rows('silver.reordered')).map((r) => r.name).sort(), ['Norway', 'Sweden']);
  });

  test('a reference with several rows for one key is CLEANSE_LOOKUP_KEYS_NOT_UNIQUE', async () => {
    await kit.writeDataset('bronze.twice', `SELECT * FROM (VALUES ('NO', 'Norway'), ('NO', 'Noreg')) AS t(code, name)`);
    await refused(
      { lookups: [{ ...COUNTRY, dataset: 'bronze.twice' }] },
      'CLEANSE_LOOKUP_KEYS_NOT_UNIQUE',
      'config.lookups[0]',
      /bronze\.twice has several rows for 1 value\(s\) of code/,
      ['bronze.people', 'bronze.twice'],
    );
  });

  test('a returned column clashing with a column of the rows is CLEANSE_COLUMN_CONFLICT', async () => {
    await refused(
      { lookups: [{ ...COUNTRY, columns: [{ column: 'name', as: 'EMAIL' }] }] },
      'CLEANSE_COLUMN_CONFLICT',
      'config.lookups[0].columns[0]',
      /the rows already have "email"/,
    );
  });

  test('an input with a column the operator keeps for itself is CLEANSE_COLUMN_RESERVED', async () => {
    await kit.writeDataset('bronze.reserved', `SELECT 1 AS id, 'x' AS _rule`);
    await refused({}, 'CLEANSE_COLUMN_RESERVED', undefined, /column "_rule"/, ['bronze.reserved']);
  });
});

describe('cleanse: contradicting config (JOB_CONFIG_INVALID)', () => {
  for (const [what, config, path] of [
    ['dedupe without a business key', { dedupe: { keep: 'first' } }, 'config.businessKey'],
    ['merge without a business key', { write: { mode: 'merge' } }, 'config.businessKey'],
    ['latest_by without orderBy', { businessKey: ['id'], dedupe: { keep: 'latest_by' } }, 'config.dedupe.orderBy'],
    [
      'reject_all with orderBy',
      { businessKey: ['id'], dedupe: { keep: 'reject_all', orderBy: 'qty' } },
      'config.dedupe.orderBy',
    ],
    [
      'an inner join that quarantines',
      { lookups: [{ ...COUNTRY, join: 'inner', onNoMatch: 'quarantine' }] },
      'config.lookups[0].onNoMatch',
    ],
    ['a column configured twice', { columns: [{ column: 'email' }, { column: 'EMAIL' }] }, 'config.columns[1].column'],
    [
      'precision below scale',
      { columns: [{ column: 'qty', steps: [{ op: 'currency', scale: 4, precision: 3 }] }] },
      'config.columns[0].steps[0].precision',
    ],
    [
      'minDigits above maxDigits',
      { columns: [{ column: 'email', steps: [{ op: 'phone_digits', minDigits: 9, maxDigits: 5 }] }] },
      'config.columns[0].steps[0].minDigits',
    ],
  ] as const) {
    test(what, async () => {
      await refused(config, 'JOB_CONFIG_INVALID', path);
    });
  }

  test('the schema refuses unknown steps and fields before the operator runs', async () => {
    await refused({ columns: [{ column: 'email', steps: [{ op: 'soundex' }] }] }, 'JOB_CONFIG_INVALID');
    await refused({ dedupe: { keep: 'random' }, businessKey: ['id'] }, 'JOB_CONFIG_INVALID', 'config.dedupe.keep');
  });
});

test('the plugin contributes the cleanse operator', () => {
  assert.equal(plugin.id, 'operator-cleanse');
  assert.deepEqual(
    plugin.operators?.map((o) => [o.type, o.version, o.category, o.output]),
    [['cleanse', 1, 'silver', 'table']],
  );
  assert.equal(
    cleanseOperator.partitions?.unsupported?.({ columns: [], lookups: [], write: { mode: 'merge' } }) !== undefined,
    true,
  );
  assert.equal(
    cleanseOperator.partitions?.unsupported?.({ columns: [], lookups: [], write: { mode: 'append' } }),
    undefined,
  );
});

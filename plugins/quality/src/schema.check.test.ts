import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { evaluateChecks, type TestCheck } from '@assay/sdk/testing';
import { schemaCheck } from './schema.check.ts';
import { typeMatches } from './type-matches.ts';

// id INTEGER, region VARCHAR, amount DECIMAL(10,2), sold_at TIMESTAMP WITH TIME ZONE, tags VARCHAR[].
const SALES = `SELECT * FROM (VALUES
  (1, 'a', 2.50::DECIMAL(10,2), TIMESTAMPTZ '2024-01-01 00:00:00+00', ['x']),
  (2, NULL, NULL, NULL, NULL)
) AS t(id, region, amount, sold_at, tags)`;
const EMPTY = `SELECT * FROM (${SALES}) WHERE false`;

async function run(check: TestCheck, select = SALES) {
  const [result] = await evaluateChecks({ 'silver.sales': select }, 'silver.sales', [check]);
  assert.ok(result);
  assert.equal(result.kind, 'aggregate');
  return [result.passed, result.observed, result.note] as const;
}
const check = (columns: Array<{ name: string; type?: string }>, allowExtra?: boolean) => ({
  definition: schemaCheck,
  config: { columns, ...(allowExtra === undefined ? {} : { allowExtra }) },
});
const ALL = [
  { name: 'id', type: 'int' },
  { name: 'region', type: 'text' },
  { name: 'amount', type: 'decimal(10, 2)' },
  { name: 'sold_at', type: 'timestamptz' },
  { name: 'tags', type: 'string[]' },
];

describe('schema', () => {
  test('passes when the columns are there with their types in any DuckDB spelling', async () => {
    assert.deepEqual(await run(check(ALL, false)), [true, 0, undefined]);
    // A column without a type only needs to exist; extra columns are allowed by default.
    assert.deepEqual(await run(check([{ name: 'ID' }, { name: 'amount', type: 'DECIMAL' }])), [true, 0, undefined]);
  });

  test('counts and lists each mismatch', async () => {
    assert.deepEqual(
      await run(
        check(
          [
            { name: 'id', type: 'BIGINT' },
            { name: 'region' },
            { name: 'amount', type: 'DECIMAL(18,2)' },
            { name: 'customer', type: 'VARCHAR' },
          ],
          false,
        ),
      ),
      [
        false,
        5,
        'column id is INTEGER, expected BIGINT; column amount is DECIMAL(10,2), expected DECIMAL(18,2); ' +
          'missing column customer; unexpected column sold_at; unexpected column tags',
      ],
    );
    assert.deepEqual(await run(check([{ name: 'tags', type: 'INTEGER[]' }])), [
      false,
      1,
      'column tags is VARCHAR[], expected INTEGER[]',
    ]);
  });

  test('rows, NULLs and where do not change a schema; an empty table has one too', async () => {
    assert.deepEqual(await run(check(ALL, false), EMPTY), [true, 0, undefined]);
    assert.deepEqual(await run(check([{ name: 'x' }]), EMPTY), [false, 1, 'missing column x']);
    assert.deepEqual(await run({ ...check([{ name: 'x' }]), where: 'false' }), [false, 1, 'missing column x']);
    assert.deepEqual(await run({ ...check(ALL), where: 'id = 2' }), [true, 0, undefined]);
  });

  test('a column listed twice is refused', () => {
    assert.throws(
      () =>
        schemaCheck.compile(
          { relation: 't', quote: (name) => `"${name}"`, columns: [], now: new Date() },
          { columns: [{ name: 'id' }, { name: 'ID', type: 'BIGINT' }] },
        ),
      (error: { code?: string; message: string }) => {
        assert.equal(error.code, 'CHECK_CONFIG_INVALID');
        assert.match(error.message, /schema.*column "ID" is listed twice/);
        return true;
      },
    );
  });
});

describe('type names', () => {
  test('aliases, case, spacing and string lengths do not matter', () => {
    for (const [actual, expected] of [
      ['BIGINT', 'int8'],
      ['BIGINT', 'long'],
      ['INTEGER', 'INT4'],
      ['VARCHAR', 'varchar(20)'],
      ['VARCHAR', 'character varying'],
      ['DOUBLE', 'double precision'],
      ['FLOAT', 'real'],
      ['BOOLEAN', 'bool'],
      ['TIMESTAMP WITH TIME ZONE', 'timestamptz'],
      ['TIMESTAMP', 'datetime'],
      ['DECIMAL(18,3)', 'numeric(18, 3)'],
      ['DECIMAL(4,1)', 'DECIMAL'],
      ['INTEGER[]', 'int[]'],
      ['STRUCT(a INTEGER, b VARCHAR)', 'struct(a int, b text)'],
    ]) {
      assert.equal(typeMatches(actual!, expected!), true, `${actual} is ${expected}`);
    }
  });
  test('different types differ', () => {
    for (const [actual, expected] of [
      ['INTEGER', 'BIGINT'],
      ['TIMESTAMP', 'TIMESTAMPTZ'],
      ['DECIMAL(18,3)', 'DECIMAL(18,2)'],
      ['VARCHAR[]', 'VARCHAR'],
      ['DOUBLE', 'FLOAT'],
    ]) {
      assert.equal(typeMatches(actual!, expected!), false, `${actual} is not ${expected}`);
    }
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { quote } from '../engine/dataset-view.ts';
import {
  isMaskFunction,
  maskExpression,
  strongerMask,
  type DatasetColumn,
  type MaskFunction,
} from './mask-functions.ts';

let instance: DuckDBInstance;
let connection: DuckDBConnection;

const STRINGS = [
  'jane.doe@example.com',
  `o'brien@example.com`,
  'Jane',
  'x',
  '',
  '@example.com',
  'a@b@c',
  'Zoë "the" quote',
  null,
];

before(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
  await connection.run(`CREATE TABLE strings (id INTEGER, "we""ird" VARCHAR)`);
  for (const [id, value] of STRINGS.entries()) {
    await connection.run(`INSERT INTO strings VALUES ($1, $2)`, [id, value]);
  }
  await connection.run(`CREATE TABLE typed AS SELECT * FROM (VALUES
    (1, 42, DATE '2024-02-29', 12.50::DECIMAL(10,2), TIMESTAMPTZ '2024-01-01 10:00:00+00', [1, 2], {'a': 1}),
    (2, NULL, NULL, NULL, NULL, NULL, NULL)
  ) v(id, n, d, amount, ts, list, rec)`);
});
after(() => {
  connection.closeSync();
  instance.closeSync();
});

/** The column after masking, in id order, and its type as DuckDB reports it. */
async function masked(
  table: string,
  mask: MaskFunction,
  column: DatasetColumn,
): Promise<{ values: unknown[]; type: string }> {
  const sql = `SELECT ${quote(column.name)} AS v, typeof(${quote(column.name)}) AS t FROM (SELECT * REPLACE (${maskExpression(mask, column)} AS ${quote(column.name)}) FROM ${table}) ORDER BY id`;
  const rows = (await connection.runAndReadAll(sql)).getRowObjectsJson();
  return { values: rows.map((row) => row.v), type: String(rows[0]?.t) };
}

const weird: DatasetColumn = { name: 'we"ird', type: 'VARCHAR' };

describe('mask functions on strings (real DuckDB)', () => {
  test('partial keeps the first character and an e-mail domain; NULL stays NULL', async () => {
    const { values, type } = await masked('strings', 'partial', weird);
    assert.equal(type, 'VARCHAR');
    assert.deepEqual(values, [
      'j***@example.com',
      'o***@example.com',
      'J***',
      '***',
      '***',
      '@***',
      'a***',
      'Z***',
      null,
    ]);
  });

  test('redact replaces every value, NULLs included, with ***', async () => {
    const { values } = await masked('strings', 'redact', weird);
    assert.deepEqual(
      values,
      STRINGS.map(() => '***'),
    );
  });

  test('hash is the hex SHA-256 of the value; NULL stays NULL; equal inputs give equal hashes', async () => {
    const { values } = await masked('strings', 'hash', weird);
    const expected = (
      await connection.runAndReadAll(`SELECT sha256('o''brien@example.com') AS h, sha256('') AS e`)
    ).getRowObjectsJson()[0]!;
    assert.equal(values[1], expected.h);
    assert.equal(values[4], expected.e);
    assert.match(String(values[0]), /^[0-9a-f]{64}$/);
    assert.equal(values[8], null);
    assert.equal(new Set(values).size, values.length);
  });

  test('null keeps the type and empties the column', async () => {
    const { values, type } = await masked('strings', 'null', weird);
    assert.equal(type, 'VARCHAR');
    assert.deepEqual(
      values,
      STRINGS.map(() => null),
    );
  });
});

describe('mask functions on other types (real DuckDB)', () => {
  const columns: DatasetColumn[] = [
    { name: 'n', type: 'INTEGER' },
    { name: 'd', type: 'DATE' },
    { name: 'amount', type: 'DECIMAL(10,2)' },
    { name: 'ts', type: 'TIMESTAMP WITH TIME ZONE' },
    { name: 'list', type: 'INTEGER[]' },
    { name: 'rec', type: 'STRUCT("a" INTEGER)' },
  ];
  for (const column of columns) {
    for (const mask of ['redact', 'partial', 'null'] as const) {
      test(`${mask} on ${column.type} gives a NULL of the same type`, async () => {
        const { values, type } = await masked('typed', mask, column);
        assert.deepEqual(values, [null, null]);
        assert.equal(type.replace(/"/g, ''), column.type.replace(/"/g, ''));
      });
    }
  }

  test('hash on a non-string hashes its text form', async () => {
    const { values, type } = await masked('typed', 'hash', { name: 'n', type: 'INTEGER' });
    const expected = (await connection.runAndReadAll(`SELECT sha256('42') AS h`)).getRowObjectsJson()[0]!.h;
    assert.equal(type, 'VARCHAR');
    assert.deepEqual(values, [expected, null]);
  });
});

describe('mask function helpers', () => {
  test('strongerMask picks the mask that hides more', () => {
    assert.equal(strongerMask('partial', 'hash'), 'hash');
    assert.equal(strongerMask('redact', 'hash'), 'redact');
    assert.equal(strongerMask('null', 'redact'), 'null');
    assert.equal(strongerMask('partial', 'partial'), 'partial');
  });

  test('isMaskFunction accepts only the documented names', () => {
    assert.ok(isMaskFunction('hash'));
    assert.ok(!isMaskFunction('HASH'));
    assert.ok(!isMaskFunction(`'x'`));
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { duckdbType, parseDeltaSchema } from '../delta/delta-schema.ts';
import { deltaSchemaOf } from './schema-from-duckdb.ts';

async function describe(select: string): Promise<Array<{ name: string; type: string }>> {
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  const result = await connection.runAndReadAll(`DESCRIBE ${select}`);
  return result.getRowObjectsJson().map((row) => ({ name: String(row.column_name), type: String(row.column_type) }));
}

test('DuckDB columns map to Delta types, nested ones included, and back through the reader', async () => {
  const columns = await describe(
    `SELECT 1::BIGINT AS id, 'x' AS name, 1.5::DECIMAL(10,2) AS amount, DATE '2024-01-01' AS day,
            TIMESTAMPTZ '2024-01-01 00:00:00+00' AS at, true AS flag, [1, 2] AS tags,
            {'city': 'Oslo', 'zip': 1} AS address, MAP {'k': 1.5::DOUBLE} AS scores, 'b'::BLOB AS raw,
            1::INTEGER AS "odd name"`,
  );
  const schema = deltaSchemaOf(columns);
  assert.deepEqual(
    schema.fields.map((f) => [f.name, typeof f.type === 'string' ? f.type : f.type.type]),
    [
      ['id', 'long'],
      ['name', 'string'],
      ['amount', 'decimal(10,2)'],
      ['day', 'date'],
      ['at', 'timestamp'],
      ['flag', 'boolean'],
      ['tags', 'array'],
      ['address', 'struct'],
      ['scores', 'map'],
      ['raw', 'binary'],
      ['odd name', 'integer'],
    ],
  );
  const reparsed = parseDeltaSchema(JSON.stringify(schema));
  assert.deepEqual(
    reparsed.fields.map((f) => duckdbType(f.type).replace(/"/g, '')),
    columns.map((c) => c.type),
  );
});

test('types Delta reader version 1 cannot store are refused naming the column', async () => {
  const columns = await describe(`SELECT 1::UBIGINT AS counter`);
  assert.throws(() => deltaSchemaOf(columns), {
    code: 'DELTA_TYPE_UNSUPPORTED',
    message: /Column "counter" has type UBIGINT/,
  });
});

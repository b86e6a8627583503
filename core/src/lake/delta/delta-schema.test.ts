import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { AssayError } from '@assay/sdk';
import { duckdbType, parseDeltaSchema } from './delta-schema.ts';
import type { DeltaDataType } from './delta-schema.ts';
import { parsePartitionValue, partitionValueSql } from './partition-values.ts';

let instance: DuckDBInstance;
let connection: DuckDBConnection;
before(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
  await connection.run(`SET TimeZone = 'UTC'`);
});
after(() => {
  connection.closeSync();
  instance.closeSync();
});

const field = (name: string, type: unknown) => ({ name, type, nullable: true, metadata: {} });

describe('delta schema', () => {
  test('nested types map to DuckDB types', () => {
    const schema = parseDeltaSchema(
      JSON.stringify({
        type: 'struct',
        fields: [
          field('amount', 'decimal(12, 2)'),
          field('tags', { type: 'array', elementType: 'string', containsNull: true }),
          field('attrs', { type: 'map', keyType: 'string', valueType: 'timestamp', valueContainsNull: true }),
          field('nested', { type: 'struct', fields: [field('a "b"', 'binary'), field('d', 'date')] }),
          field('ntz', 'timestamp_ntz'),
        ],
      }),
    );
    assert.deepEqual(
      schema.fields.map((column) => duckdbType(column.type)),
      [
        'DECIMAL(12,2)',
        'VARCHAR[]',
        'MAP(VARCHAR, TIMESTAMP WITH TIME ZONE)',
        'STRUCT("a ""b""" BLOB, "d" DATE)',
        'TIMESTAMP',
      ],
    );
  });

  for (const [label, schemaString] of [
    ['unknown type', JSON.stringify({ type: 'struct', fields: [field('x', 'variant')] })],
    ['decimal precision above 38', JSON.stringify({ type: 'struct', fields: [field('x', 'decimal(40,2)')] })],
    ['not JSON', '{"type":'],
    ['not a struct', '"long"'],
  ]) {
    test(`${label} is refused with DELTA_SCHEMA_INVALID`, () => {
      assert.throws(
        () => parseDeltaSchema(schemaString ?? ''),
        (error: unknown) => error instanceof AssayError && error.code === 'DELTA_SCHEMA_INVALID',
      );
    });
  }
});

describe('partition values', () => {
  const cases: [string | null, DeltaDataType, unknown, string][] = [
    ['42', 'integer', 42, '42'],
    ['-9007199254740993', 'long', -9007199254740993n, '-9007199254740993'],
    ['1.5', 'double', 1.5, '1.5'],
    ['true', 'boolean', true, 'true'],
    ['12.30', 'decimal(5,2)', '12.30', '12.30'],
    ['2021-09-08', 'date', '2021-09-08', '2021-09-08'],
    ['2021-09-08 11:11:11.123456', 'timestamp', 1631099471123456n, '2021-09-08 11:11:11.123456+00'],
    ['2021-09-08T13:11:11+02:00', 'timestamp', 1631099471000000n, '2021-09-08 11:11:11+00'],
    ['2021-09-08 11:11:11', 'timestamp_ntz', 1631099471000000n, '2021-09-08 11:11:11'],
    ["it's", 'string', "it's", "it's"],
    ['', 'string', null, 'NULL'],
    ['', 'integer', null, 'NULL'],
    [null, 'date', null, 'NULL'],
    ['\u0001\u00ff', 'binary', Uint8Array.from([1, 255]), '\\x01\\xFF'],
  ];
  for (const [raw, type, value, text] of cases) {
    test(`${JSON.stringify(raw)} as ${String(type)}`, async () => {
      const parsed = parsePartitionValue(raw, type, 'p');
      assert.deepEqual(parsed, value);
      const sql = partitionValueSql(parsed, type, duckdbType(type));
      const result = await connection.runAndReadAll(`SELECT CAST(${sql} AS VARCHAR) AS v, typeof(${sql}) AS t`);
      const row = result.getRowObjectsJson()[0];
      assert.equal(row?.v ?? 'NULL', text);
      assert.equal(row?.t, duckdbType(type));
    });
  }

  test('a malformed value is refused naming the column', () => {
    assert.throws(
      () => parsePartitionValue('12x', 'integer', 'year'),
      (error: unknown) =>
        error instanceof AssayError && error.code === 'DELTA_PARTITION_VALUE_INVALID' && /"year"/.test(error.message),
    );
  });
});

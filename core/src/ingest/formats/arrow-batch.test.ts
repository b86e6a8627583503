import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ASSAY_TYPE_METADATA } from '@assay/sdk';
import {
  Binary,
  Bool,
  DateDay,
  Decimal,
  Field,
  Float32,
  Float64,
  Int8,
  Int16,
  Int32,
  Int64,
  makeData,
  makeVector,
  Null,
  RecordBatch,
  Schema,
  Struct,
  Table,
  TimestampMicrosecond,
  TimestampMillisecond,
  TimestampNanosecond,
  Uint8,
  Uint64,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import { describeItem, itemRows } from '../../testing/connector-testing.ts';
import { failsWith } from './reader-test-fixtures.ts';

describe('arrow batches', () => {
  test('types map exactly: integers, floats, strings, binary, dates, timestamps, decimals, nulls', async () => {
    const micros = makeVector(
      makeData({ type: new TimestampMicrosecond(), length: 2, data: new BigInt64Array([1714557600123456n, 0n]) }),
    );
    const nanos = makeVector(
      makeData({
        type: new TimestampNanosecond('UTC'),
        length: 2,
        data: new BigInt64Array([1714557600123456789n, 0n]),
      }),
    );
    const price = makeVector(
      makeData({
        type: new Decimal(2, 12, 128),
        length: 2,
        data: new Uint32Array([123450, 0, 0, 0, 2 ** 32 - 5, 2 ** 32 - 1, 2 ** 32 - 1, 2 ** 32 - 1]),
      }),
    );
    const table = new Table({
      i8: vectorFromArray([1, -2], new Int8()),
      i16: vectorFromArray([300, null], new Int16()),
      i32: vectorFromArray([70000, 2], new Int32()),
      i64: vectorFromArray([9007199254740993n, -1n], new Int64()),
      u8: vectorFromArray([255, 0], new Uint8()),
      u64: vectorFromArray([18446744073709551615n, 1n], new Uint64()),
      f32: vectorFromArray([1.5, 2], new Float32()),
      f64: vectorFromArray([0.1, null], new Float64()),
      ok: vectorFromArray([true, false], new Bool()),
      name: vectorFromArray(['a', null], new Utf8()),
      raw: vectorFromArray([new Uint8Array([1, 2]), null], new Binary()),
      day: vectorFromArray([Date.UTC(2024, 1, 29), null], new DateDay()),
      at: micros,
      atz: nanos,
      ms: vectorFromArray([Date.parse('2024-05-01T10:00:00.123Z'), null], new TimestampMillisecond('Europe/Oslo')),
      price,
      nothing: vectorFromArray([null, null], new Null()),
    });
    const item = { kind: 'batch' as const, batch: table.batches[0]!, source: 'test' };
    assert.deepEqual(
      (await describeItem(item)).map((c) => `${c.name}:${c.type}`),
      [
        'i8:TINYINT',
        'i16:SMALLINT',
        'i32:INTEGER',
        'i64:BIGINT',
        'u8:UTINYINT',
        'u64:UBIGINT',
        'f32:FLOAT',
        'f64:DOUBLE',
        'ok:BOOLEAN',
        'name:VARCHAR',
        'raw:BLOB',
        'day:DATE',
        'at:TIMESTAMP',
        'atz:TIMESTAMP WITH TIME ZONE',
        'ms:TIMESTAMP WITH TIME ZONE',
        'price:DECIMAL(12, 2)',
        'nothing:VARCHAR',
      ],
    );
    const { rows, rejects } = await itemRows(item);
    assert.deepEqual(rejects, []);
    assert.deepEqual(rows[0], {
      i8: 1,
      i16: 300,
      i32: 70000,
      i64: '9007199254740993',
      u8: 255,
      u64: '18446744073709551615',
      f32: 1.5,
      f64: 0.1,
      ok: true,
      name: 'a',
      raw: '\\x01\\x02',
      day: '2024-02-29',
      at: '2024-05-01 10:00:00.123456',
      atz: '2024-05-01 10:00:00.123456+00',
      ms: '2024-05-01 10:00:00.123+00',
      price: '1234.50',
      nothing: null,
    });
    assert.equal(rows[1]!.price, '-0.05');
    assert.equal(rows[1]!.i16, null);
    assert.equal(rows[1]!.i64, '-1');
  });

  test('nested values arrive as JSON; assay:type metadata casts text, rejecting what does not cast', async () => {
    const amount = new Field('amount', new Utf8(), true, new Map([[ASSAY_TYPE_METADATA, 'DECIMAL(10,2)']]));
    const schema = new Schema([amount, new Field('tags', new Struct([new Field('k', new Utf8())]), true)]);
    const batch = new RecordBatch(
      schema,
      makeData({
        type: new Struct(schema.fields),
        length: 2,
        children: [
          vectorFromArray(['1.25', 'lots'], new Utf8()).data[0]!,
          vectorFromArray([{ k: 'x' }, { k: 'y' }], new Struct([new Field('k', new Utf8())])).data[0]!,
        ],
      }),
    );
    const item = { kind: 'batch' as const, batch, source: 'api page 3' };
    assert.deepEqual(
      (await describeItem(item)).map((c) => `${c.name}:${c.type}`),
      ['amount:DECIMAL(10,2)', 'tags:JSON'],
    );
    const { rows, rejects } = await itemRows(item);
    assert.deepEqual(rows, [{ amount: '1.25', tags: '{"k":"x"}' }]);
    assert.deepEqual(
      rejects.map((r) => [r._source, Number(r.line), r.error_type, r.column_name, r.reason]),
      [['api page 3', 2, 'CAST', 'amount', 'cannot cast "lots" to DECIMAL(10,2) in column amount']],
    );
    assert.deepEqual(JSON.parse(String(rejects[0]!.raw_row)), { amount: 'lots', tags: '{"k":"y"}' });
  });

  test('more than one appender chunk; a requested column the batch lacks is refused', async () => {
    const n = 5000;
    const table = new Table({
      id: vectorFromArray(
        Array.from({ length: n }, (_, i) => i),
        new Int32(),
      ),
    });
    const item = { kind: 'batch' as const, batch: table.batches[0]!, source: 'big batch' };
    const { rows } = await itemRows(item);
    assert.equal(rows.length, n);
    assert.equal(rows[n - 1]!.id, n - 1);
    await assert.rejects(
      itemRows(item, [{ name: 'missing', type: 'INTEGER' }]),
      failsWith('INGEST_COLUMN_MISSING', /big batch has no column "missing"/),
    );
  });
});

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import type { FileFormat, FileReadOptions } from '@assay/sdk';
import { Float64, Int32, Table, TimestampMillisecond, Utf8, vectorFromArray } from 'apache-arrow';
import ExcelJS from 'exceljs';
import { describeItem, itemRows } from '../../testing/connector-testing.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'assay-readers-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, content: string | Buffer, format: FileFormat, options?: FileReadOptions) {
  const path = join(dir, name);
  await writeFile(path, content);
  return { kind: 'file' as const, path, format, source: path, ...(options === undefined ? {} : { options }) };
}

const codeOf = (code: string) => (error: { code?: string }) => {
  assert.equal(error.code, code, String(error));
  return true;
};

describe('csv', () => {
  test('typed in one pass; malformed lines and values that do not cast are rejected with the raw line', async () => {
    const item = await file(
      'orders.csv',
      'id,amount,city\n1,10.5,Oslo\n2,oops,Rome\n3,"unbalanced,Lima\n4,1.5,Bern,extra\n5,2.5,Kyiv\n',
      'csv',
    );
    const columns = [
      { name: 'id', type: 'INTEGER' },
      { name: 'amount', type: 'DOUBLE' },
      { name: 'city', type: 'VARCHAR' },
    ];
    const { rows, rejects } = await itemRows(item, columns);
    assert.deepEqual(
      rows.map((r) => r.id),
      [1, 5],
    );
    assert.deepEqual(rows[1], { id: 5, amount: 2.5, city: 'Kyiv' });
    assert.deepEqual(
      rejects.map((r) => [Number(r.line), r.error_type, r.raw_row]),
      [
        [3, 'CAST', '2,oops,Rome'],
        [4, 'CAST', '3,"unbalanced,Lima'],
        [5, 'TOO_MANY_COLUMNS', '4,1.5,Bern,extra'],
      ],
    );
    assert.match(String(rejects[0]!.reason), /oops/);
  });

  test('options: delimiter, quote, header, null string, latin-1', async () => {
    const latin = Buffer.concat([
      Buffer.from('id;name\n1;'),
      Buffer.from([0x4a, 0xfc, 0x72, 0x67]),
      Buffer.from('\n2;\\N\n'),
    ]);
    const item = await file('latin.csv', latin, 'csv', {
      csv: { delimiter: ';', encoding: 'latin-1', nullString: '\\N' },
    });
    const { rows } = await itemRows(item);
    assert.deepEqual(rows, [
      { id: '1', name: 'Jürg' },
      { id: '2', name: null },
    ]);
  });

  test('wrong encoding: the undecodable line is rejected, the rest is loaded', async () => {
    const latin = Buffer.concat([
      Buffer.from('id,name\n1,'),
      Buffer.from([0x4a, 0xfc, 0x72, 0x67]),
      Buffer.from('\n2,ok\n'),
    ]);
    const { rows, rejects } = await itemRows(await file('wrong.csv', latin, 'csv'), [
      { name: 'id', type: 'INTEGER' },
      { name: 'name', type: 'VARCHAR' },
    ]);
    assert.deepEqual(rows, [{ id: 2, name: 'ok' }]);
    assert.equal(rejects[0]!.error_type, 'INVALID_ENCODING');
  });

  test('gzip and zstd are read; a truncated gzip is refused, not loaded in part', async () => {
    const content = 'id,name\n' + Array.from({ length: 20_000 }, (_, i) => `${i},n${i}`).join('\n') + '\n';
    const gz = await file('a.csv.gz', gzipSync(content), 'csv');
    assert.equal((await itemRows(gz)).rows.length, 20_000);
    const zst = await file('a.csv.zst', zstdCompressSync(Buffer.from(content)), 'csv');
    assert.equal((await itemRows(zst)).rows.length, 20_000);
    const whole = gzipSync(content);
    const truncated = await file('t.csv.gz', whole.subarray(0, whole.length / 2), 'csv');
    await assert.rejects(
      itemRows(truncated, [
        { name: 'id', type: 'INTEGER' },
        { name: 'name', type: 'VARCHAR' },
      ]),
      codeOf('INGEST_FILE_CORRUPT'),
    );
  });

  test('a line longer than the limit fails the file with its size and the fix', async () => {
    const item = await file('long.csv', `id,payload\n1,short\n2,${'x'.repeat(9 * 1024 * 1024)}\n`, 'csv');
    await assert.rejects(
      itemRows(item, [
        { name: 'id', type: 'INTEGER' },
        { name: 'payload', type: 'VARCHAR' },
      ]),
      (error: { code?: string; message: string }) =>
        error.code === 'INGEST_LINE_TOO_LONG' && /maxLineSize/.test(error.message),
    );
  });

  test('an empty file has no rows; a header-only file has its columns and no rows', async () => {
    assert.deepEqual((await itemRows(await file('empty.csv', '', 'csv'))).rows, []);
    const header = await file('header.csv', 'a,b\n', 'csv');
    assert.deepEqual(
      (await describeItem(header)).map((c) => c.name),
      ['a', 'b'],
    );
    assert.deepEqual((await itemRows(header)).rows, []);
  });

  test('columns are matched by name, whatever their order in the file', async () => {
    const item = await file('order.csv', 'b,a\nx,1\n', 'csv');
    const { rows } = await itemRows(item, [{ name: 'a', type: 'INTEGER' }]);
    assert.deepEqual(rows, [{ a: 1 }]);
  });
});

describe('json', () => {
  test('NDJSON: a malformed line is rejected with its number, the others are loaded', async () => {
    const item = await file('e.ndjson', '{"id":1,"v":"a"}\n{"id":2,\n{"id":3,"v":"c"}\n[1,2]\n', 'ndjson');
    const { rows, rejects } = await itemRows(item);
    assert.deepEqual(rows, [
      { id: '1', v: 'a' },
      { id: '3', v: 'c' },
    ]);
    assert.deepEqual(
      rejects.map((r) => [Number(r.line), r.error_type, r.raw_row]),
      [
        [2, 'INVALID_JSON', '{"id":2,'],
        [4, 'INVALID_JSON', '[1,2]'],
      ],
    );
  });

  test('a JSON array of objects and a single object; anything else is refused', async () => {
    const array = await file('a.json', '[{"id":1,"tags":["x"]},{"id":2,"extra":true}]', 'json');
    const columns = await describeItem(array);
    assert.deepEqual(
      columns.map((c) => `${c.name}:${c.type}`),
      ['id:BIGINT', 'tags:JSON', 'extra:BOOLEAN'],
    );
    assert.equal((await itemRows(array)).rows.length, 2);
    assert.equal((await itemRows(await file('o.json', '{"id":7}', 'json'))).rows[0]!.id, '7');
    await assert.rejects(itemRows(await file('s.json', '42', 'json')), codeOf('INGEST_JSON_INVALID'));
    await assert.rejects(itemRows(await file('x.json', '{"id": 1', 'json')), codeOf('INGEST_JSON_INVALID'));
  });
});

describe('parquet and batches', () => {
  test('parquet values that do not fit the table type are rejected', async () => {
    const path = join(dir, 'p.parquet');
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await connection.run(
      `COPY (SELECT * FROM (VALUES (1, '10'), (2, 'ten')) t(id, qty)) TO '${path}' (FORMAT parquet)`,
    );
    connection.closeSync();
    instance.closeSync();
    const { rows, rejects } = await itemRows({ kind: 'file', path, format: 'parquet', source: path }, [
      { name: 'id', type: 'INTEGER' },
      { name: 'qty', type: 'INTEGER' },
    ]);
    assert.deepEqual(rows, [{ id: 1, qty: 10 }]);
    assert.equal(rejects[0]!.column_name, 'qty');
  });

  test('Arrow batches are appended with their types', async () => {
    const table = new Table({
      id: vectorFromArray([1, 2], new Int32()),
      name: vectorFromArray(['a', null], new Utf8()),
      at: vectorFromArray([Date.parse('2024-05-01T10:00:00Z'), null], new TimestampMillisecond('UTC')),
      price: vectorFromArray([1.5, 2], new Float64()),
    });
    const batch = table.batches[0]!;
    const item = { kind: 'batch' as const, batch, source: 'test' };
    const described = await describeItem(item);
    assert.deepEqual(
      described.map((c) => c.type),
      ['BIGINT', 'VARCHAR', 'TIMESTAMP WITH TIME ZONE', 'DOUBLE'],
    );
    const { rows } = await itemRows(item);
    assert.deepEqual(rows[0], { id: '1', name: 'a', at: '2024-05-01 10:00:00+00', price: 1.5 });
    assert.equal(rows[1]!.name, null);
  });
});

describe('xlsx', () => {
  async function workbook(name: string, fill: (sheet: ExcelJS.Worksheet) => void) {
    const path = join(dir, name);
    const book = new ExcelJS.Workbook();
    fill(book.addWorksheet('Data'));
    await book.xlsx.writeFile(path);
    return { kind: 'file' as const, path, format: 'xlsx' as const, source: path };
  }

  test('header row, types inferred, range', async () => {
    const item = await workbook('a.xlsx', (sheet) => {
      sheet.addRow(['report']);
      sheet.addRow(['id', 'day', 'amount']);
      sheet.addRow([1, new Date(Date.UTC(2024, 0, 2)), 9.5]);
      sheet.addRow([2, new Date(Date.UTC(2024, 0, 3)), 'n/a']);
    });
    const withHeader = { ...item, options: { xlsx: { headerRow: 2 } } };
    assert.deepEqual(
      (await describeItem(withHeader)).map((c) => `${c.name}:${c.type}`),
      ['id:BIGINT', 'day:DATE', 'amount:VARCHAR'],
    );
    const { rows, rejects } = await itemRows(withHeader, [
      { name: 'id', type: 'INTEGER' },
      { name: 'amount', type: 'DOUBLE' },
    ]);
    assert.deepEqual(rows, [{ id: 1, amount: 9.5 }]);
    assert.equal(Number(rejects[0]!.line), 4);
    const ranged = await itemRows({ ...item, options: { xlsx: { range: 'A2:B3' } } });
    assert.deepEqual(ranged.rows, [{ id: '1', day: '2024-01-02' }]);
  });

  test('merged header cells are refused with the cells named', async () => {
    const item = await workbook('m.xlsx', (sheet) => {
      sheet.addRow(['id', 'period', null, 'total']);
      sheet.mergeCells('B1:C1');
      sheet.addRow([1, 'a', 'b', 3]);
    });
    await assert.rejects(itemRows(item), (error: { code?: string; message: string }) => {
      assert.equal(error.code, 'INGEST_XLSX_HEADER_INVALID');
      assert.match(error.message, /C1 is empty/);
      return true;
    });
  });
});

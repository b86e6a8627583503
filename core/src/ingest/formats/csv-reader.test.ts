import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { describeItem, itemRows } from '../../testing/connector-testing.ts';
import { createItemReader } from './item-reader.ts';
import { REJECTS_TABLE, REJECTS_TABLE_DDL } from './item-relation.ts';
import { failsWith, fixtureDir, rejectsOf, type FixtureDir } from './reader-test-fixtures.ts';

let dir: FixtureDir;
before(async () => {
  dir = await fixtureDir();
});
after(() => dir.remove());

const ORDERS = [
  { name: 'id', type: 'INTEGER' },
  { name: 'amount', type: 'DOUBLE' },
  { name: 'city', type: 'VARCHAR' },
];

describe('csv: bad lines are rejected, good lines load', () => {
  test('values that do not cast, too many and too few fields, with line, column, reason and raw line', async () => {
    const item = await dir.file(
      'orders.csv',
      'id,amount,city\n1,10.5,Oslo\n2,oops,Rome\n3,1.5,Bern,extra\n4,2.5\n5,2.5,Kyiv\n',
      'csv',
    );
    const { rows, rejects } = await itemRows(item, ORDERS);
    assert.deepEqual(rows, [
      { id: 1, amount: 10.5, city: 'Oslo' },
      { id: 5, amount: 2.5, city: 'Kyiv' },
    ]);
    assert.deepEqual(rejectsOf(rejects), [
      [3, 'CAST', 'amount', '2,oops,Rome'],
      [4, 'TOO_MANY_COLUMNS', null, '3,1.5,Bern,extra'],
      [5, 'MISSING_COLUMNS', 'city', '4,2.5'],
    ]);
    assert.equal(rejects[0]!.reason, 'cannot cast "oops" to DOUBLE in column amount');
    assert.equal(rejects[1]!.reason, 'the line has 4 fields where 3 are expected');
    assert.ok(rejects.every((r) => r._source === item.source));
  });

  test('an unterminated quote: the lines it swallowed are rejected with their text, the rest loads', async () => {
    const item = await dir.file(
      'quotes.csv',
      'id,name,n\n1,"ok",1\n2,"ab"cd,2\n3,fine,3\n4,"never closed,4\n5,lost,5\n',
      'csv',
      { csv: { delimiter: ',', quote: '"' } },
    );
    const { rows, rejects } = await itemRows(item, [
      { name: 'id', type: 'INTEGER' },
      { name: 'name', type: 'VARCHAR' },
      { name: 'n', type: 'INTEGER' },
    ]);
    assert.deepEqual(rows, [
      { id: 1, name: 'ok', n: 1 },
      { id: 3, name: 'fine', n: 3 },
    ]);
    assert.deepEqual(
      rejects.map((r) => [Number(r.line), r.error_type]),
      [
        [3, 'UNQUOTED_VALUE'],
        [5, 'UNQUOTED_VALUE'],
      ],
    );
    assert.equal(rejects[0]!.raw_row, '2,"ab"cd,2');
    assert.match(String(rejects[1]!.raw_row), /never closed,4\n5,lost,5/);
    assert.match(String(rejects[1]!.reason), /quoted value is not closed/);
  });

  test('a dirty sample does not hide the delimiter from the sniffer', async () => {
    const good = Array.from({ length: 30 }, (_, i) => `${i + 10},${i}.5,City${i}`).join('\n');
    const item = await dir.file(
      'dirty.csv',
      `id,amount,city\n1,10.5,Oslo\n3,"unbalanced,Lima\n4,1.5,Bern,x\n${good}\n`,
      'csv',
    );
    assert.deepEqual(
      (await describeItem(item)).map((c) => c.name),
      ['id', 'amount', 'city'],
    );
    const { rows, rejects } = await itemRows(item, ORDERS);
    assert.equal(rows.length, 31);
    assert.deepEqual(
      rejects.map((r) => r.error_type),
      ['CAST', 'TOO_MANY_COLUMNS'],
    );
  });

  test('latin-1 bytes read as UTF-8: the undecodable line is rejected as INVALID_ENCODING', async () => {
    const latin = Buffer.concat([
      Buffer.from('id,name\n1,'),
      Buffer.from([0x4a, 0xfc, 0x72, 0x67]),
      Buffer.from('\n2,ok\n'),
    ]);
    const { rows, rejects } = await itemRows(await dir.file('wrong.csv', latin, 'csv'), [
      { name: 'id', type: 'INTEGER' },
      { name: 'name', type: 'VARCHAR' },
    ]);
    assert.deepEqual(rows, [{ id: 2, name: 'ok' }]);
    assert.deepEqual(rejectsOf(rejects), [[2, 'INVALID_ENCODING', 'name', '1,J?rg']]);
    assert.match(String(rejects[0]!.reason), /not valid utf-8.*csv\.encoding/);
  });

  test('a line over csv.maxLineSize is rejected as LINE_TOO_LONG with its beginning; the others load', async () => {
    const long = `2,${'x'.repeat(3 * 1024 * 1024)}`;
    const item = await dir.file('long.csv', `id,payload\n1,short\n${long}\n3,fine\n`, 'csv', {
      csv: { maxLineSize: 1024 * 1024 },
    });
    const { rows, rejects } = await itemRows(item, [
      { name: 'id', type: 'INTEGER' },
      { name: 'payload', type: 'VARCHAR' },
    ]);
    assert.deepEqual(
      rows.map((r) => r.id),
      [1, 3],
    );
    assert.equal(rejects.length, 1);
    assert.equal(rejects[0]!.error_type, 'LINE_TOO_LONG');
    assert.equal(Number(rejects[0]!.line), 3);
    assert.ok(long.startsWith(String(rejects[0]!.raw_row)));
    assert.ok(String(rejects[0]!.raw_row).length <= 64 * 1024, 'raw_row is truncated');
    assert.match(String(rejects[0]!.reason), /3145730 bytes long, more than csv.maxLineSize \(1048576 bytes\)/);
  });

  test('multi-megabyte lines load under the default limit (16 MiB)', async () => {
    const item = await dir.file('wide.csv', `id,payload\n1,${'y'.repeat(3 * 1024 * 1024)}\n2,b\n`, 'csv');
    const { rows, rejects } = await itemRows(item, [{ name: 'id', type: 'INTEGER' }]);
    assert.deepEqual(rows, [{ id: 1 }, { id: 2 }]);
    assert.deepEqual(rejects, []);
  });
});

describe('csv: files and options', () => {
  test('options: delimiter, quote, escape, header, skipRows, null string, latin-1 and utf-16', async () => {
    const latin = Buffer.concat([
      Buffer.from('report of today\nid;name\n1;'),
      Buffer.from([0x4a, 0xfc, 0x72, 0x67]),
      Buffer.from("\n2;\\N\n3;'it''s'\n"),
    ]);
    const item = await dir.file('latin.csv', latin, 'csv', {
      csv: { delimiter: ';', quote: "'", escape: "'", encoding: 'latin-1', nullString: '\\N', skipRows: 1 },
    });
    assert.deepEqual((await itemRows(item)).rows, [
      { id: '1', name: 'Jürg' },
      { id: '2', name: null },
      { id: '3', name: "it's" },
    ]);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a,b\n1,ü\n', 'utf16le')]);
    const wide = await dir.file('u16.csv', utf16, 'csv', { csv: { encoding: 'utf-16' } });
    assert.deepEqual((await itemRows(wide, [{ name: 'b', type: 'VARCHAR' }])).rows, [{ b: 'ü' }]);
  });

  test('header-less files name their columns column0, column1… as DuckDB does', async () => {
    const item = await dir.file('bare.csv', '1,a\n2,b\n', 'csv', { csv: { header: false } });
    assert.deepEqual(
      (await describeItem(item)).map((c) => `${c.name}:${c.type}`),
      ['column0:BIGINT', 'column1:VARCHAR'],
    );
    assert.deepEqual((await itemRows(item)).rows, [
      { column0: '1', column1: 'a' },
      { column0: '2', column1: 'b' },
    ]);
  });

  test('declared columns (a database export) are authoritative; a different field count is refused', async () => {
    const columns = [
      { name: 'id', type: 'BIGINT', nullable: false },
      { name: 'note', type: 'VARCHAR', nullable: true },
    ];
    const item = {
      ...(await dir.file('export.csv', '7,x\n8,\\N\n', 'csv', { csv: { header: false, nullString: '\\N' } })),
      columns,
    };
    assert.deepEqual(await describeItem(item), columns);
    assert.deepEqual((await itemRows(item)).rows, [
      { id: '7', note: 'x' },
      { id: '8', note: null },
    ]);
    const wrong = { ...item, columns: [...columns, { name: 'extra', type: 'VARCHAR', nullable: true }] };
    await assert.rejects(itemRows(wrong), failsWith('INGEST_COLUMNS_MISMATCH', /has 2 columns per line.*declares 3/));
  });

  test('requested columns are matched by name; others are not returned; a missing one is refused', async () => {
    const item = await dir.file('order.csv', 'b,a,c\nx,1,2024-01-02\n', 'csv');
    assert.deepEqual((await itemRows(item, [{ name: 'a', type: 'INTEGER' }])).rows, [{ a: 1 }]);
    await assert.rejects(
      itemRows(item, [{ name: 'zz', type: 'INTEGER' }]),
      failsWith('INGEST_COLUMN_MISSING', new RegExp(`${item.source} has no column "zz"`)),
    );
  });

  test('sniffed date formats are kept when the load pins the dialect', async () => {
    const item = await dir.file('dates.csv', 'd,n\n31/01/2024,1\n29/02/2024,2\n', 'csv');
    assert.deepEqual(
      (await describeItem(item)).map((c) => c.type),
      ['DATE', 'BIGINT'],
    );
    assert.deepEqual((await itemRows(item)).rows, [
      { d: '2024-01-31', n: '1' },
      { d: '2024-02-29', n: '2' },
    ]);
  });

  test('gzip and zstd, by name or option; a truncated archive is refused naming the file', async () => {
    const content = 'id,name\n' + Array.from({ length: 20_000 }, (_, i) => `${i},n${i}`).join('\n') + '\n';
    assert.equal((await itemRows(await dir.file('a.csv.gz', gzipSync(content), 'csv'))).rows.length, 20_000);
    const zst = await dir.file('a.csv.zst', zstdCompressSync(Buffer.from(content)), 'csv');
    assert.equal((await itemRows(zst)).rows.length, 20_000);
    const named = await dir.file('gz-without-suffix', gzipSync(content), 'csv', { compression: 'gzip' });
    assert.equal((await itemRows(named)).rows.length, 20_000);
    const whole = gzipSync(content);
    const truncated = await dir.file('t.csv.gz', whole.subarray(0, whole.length / 2), 'csv');
    const columns = [
      { name: 'id', type: 'INTEGER' },
      { name: 'name', type: 'VARCHAR' },
    ];
    await assert.rejects(
      itemRows(truncated, columns),
      failsWith('INGEST_FILE_CORRUPT', new RegExp(`${truncated.source}: the gzip file is damaged or truncated`)),
    );
    const zstWhole = zstdCompressSync(Buffer.from(content));
    const zstCut = await dir.file('t.csv.zst', zstWhole.subarray(0, zstWhole.length - 10), 'csv');
    await assert.rejects(itemRows(zstCut, columns), failsWith('INGEST_FILE_CORRUPT', /zstd file is damaged/));
  });

  test('an empty file (0 bytes, or an empty archive) is zero rows without columns; header only is zero rows', async () => {
    for (const empty of [await dir.file('empty.csv', '', 'csv'), await dir.file('empty.csv.gz', gzipSync(''), 'csv')]) {
      assert.deepEqual(await describeItem(empty), []);
      assert.deepEqual(await itemRows(empty), { rows: [], rejects: [] });
      assert.deepEqual((await itemRows(empty, [{ name: 'id', type: 'INTEGER' }])).rows, []);
    }
    const header = await dir.file('header.csv', 'a,b\n', 'csv');
    assert.deepEqual(
      (await describeItem(header)).map((c) => c.name),
      ['a', 'b'],
    );
    assert.deepEqual(await itemRows(header), { rows: [], rejects: [] });
  });

  test('items open side by side in one session keep their rejects apart', async () => {
    const first = await dir.file('s1.csv', 'n\n1\nx\n', 'csv');
    const second = await dir.file('s2.csv', 'n\ny\n2\nz\n', 'csv');
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      await connection.run(REJECTS_TABLE_DDL);
      const reader = createItemReader();
      const columns = [{ name: 'n', type: 'INTEGER' }];
      const a = await reader.open(connection, first, columns);
      const b = await reader.open(connection, second, columns);
      const rows = await connection.runAndReadAll(`SELECT * FROM (${a.sql}) UNION ALL SELECT * FROM (${b.sql})`);
      assert.deepEqual(rows.getRowObjectsJson(), [{ n: 1 }, { n: 2 }]);
      assert.deepEqual(await a.finish(), { rejected: 1 });
      assert.deepEqual(await b.finish(), { rejected: 2 });
      await a.release();
      await b.release();
      const rejects = await connection.runAndReadAll(
        `SELECT _source, line FROM ${REJECTS_TABLE} ORDER BY _source, line`,
      );
      assert.deepEqual(rejects.getRowObjectsJson(), [
        { _source: first.source, line: '3' },
        { _source: second.source, line: '2' },
        { _source: second.source, line: '4' },
      ]);
      const left = await connection.runAndReadAll(
        `SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name LIKE 'csv_%'`,
      );
      assert.deepEqual(left.getRowObjectsJson(), [{ n: 0 }], 'release() drops the reject tables');
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { describeItem, itemRows } from '../../testing/connector-testing.ts';
import { failsWith, fixtureDir, type FixtureDir } from './reader-test-fixtures.ts';

let dir: FixtureDir;
before(async () => {
  dir = await fixtureDir();
});
after(() => dir.remove());

async function parquet(name: string, select: string) {
  const path = join(dir.path, name);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run(`COPY (${select}) TO '${path}' (FORMAT parquet)`);
  connection.closeSync();
  instance.closeSync();
  return { kind: 'file' as const, path, format: 'parquet' as const, source: `s3://bucket/${name}` };
}

describe('parquet', () => {
  test('columns from the schema; values that do not cast are rejected with the row as JSON', async () => {
    const item = await parquet(
      'p.parquet',
      `SELECT * FROM (VALUES (1, '10', 'a'), (2, 'ten', 'b'), (3, '30', 'c')) t(id, qty, note)`,
    );
    assert.deepEqual(
      (await describeItem(item)).map((c) => `${c.name}:${c.type}`),
      ['id:INTEGER', 'qty:VARCHAR', 'note:VARCHAR'],
    );
    const { rows, rejects } = await itemRows(item, [
      { name: 'qty', type: 'INTEGER' },
      { name: 'id', type: 'BIGINT' },
    ]);
    assert.deepEqual(rows, [
      { qty: 10, id: '1' },
      { qty: 30, id: '3' },
    ]);
    assert.deepEqual(
      rejects.map((r) => [r._source, Number(r.line), r.error_type, r.column_name, r.reason]),
      [[item.source, 2, 'CAST', 'qty', 'cannot cast "ten" to INTEGER in column qty']],
    );
    assert.deepEqual(JSON.parse(String(rejects[0]!.raw_row)), { id: 2, qty: 'ten', note: 'b' });
  });

  test('a missing column, a file that is not Parquet and an empty file are refused naming the file', async () => {
    const item = await parquet('q.parquet', 'SELECT 1 AS id');
    await assert.rejects(
      itemRows(item, [{ name: 'nope', type: 'INTEGER' }]),
      failsWith('INGEST_COLUMN_MISSING', /s3:\/\/bucket\/q.parquet has no column "nope"/),
    );
    const text = await dir.file('t.parquet', 'id,name\n1,a\n', 'parquet');
    await assert.rejects(
      itemRows(text),
      failsWith('INGEST_FILE_CORRUPT', new RegExp(`${text.source}: it is not a readable Parquet file`)),
    );
    const empty = await dir.file('e.parquet', '', 'parquet');
    await assert.rejects(itemRows(empty), failsWith('INGEST_FILE_EMPTY', /e.parquet is empty \(0 bytes\)/));
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { describeItem, itemRows } from '../../testing/connector-testing.ts';
import { createItemReader } from './item-reader.ts';
import { REJECTS_TABLE_DDL } from './item-relation.ts';
import { failsWith, fixtureDir, type FixtureDir } from './reader-test-fixtures.ts';

let dir: FixtureDir;
before(async () => {
  dir = await fixtureDir();
});
after(() => dir.remove());

describe('item reader', () => {
  test('declared columns are what describe returns, for any format', async () => {
    const columns = [{ name: 'id', type: 'BIGINT', nullable: false }];
    const ndjson = { ...(await dir.file('d.ndjson', '{"id":1,"x":2}\n', 'ndjson')), columns };
    assert.deepEqual(await describeItem(ndjson), columns);
    assert.deepEqual((await itemRows(ndjson)).rows, [{ id: '1' }]);
  });

  test('a missing file is refused naming it', async () => {
    const item = { kind: 'file' as const, path: `${dir.path}/gone.csv`, format: 'csv' as const, source: 'gone.csv' };
    await assert.rejects(describeItem(item), failsWith('INGEST_FILE_MISSING', /gone\.csv/));
  });

  test('release() drops what open() created', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      await connection.run(REJECTS_TABLE_DDL);
      const reader = createItemReader();
      const item = await dir.file('r.ndjson', '{"a":"1"}\n{"a":"x"}\n', 'ndjson');
      const tables = async () =>
        Number((await connection.runAndReadAll('SELECT count(*) FROM duckdb_tables()')).getRows()[0]![0]);
      const before = await tables();
      const relation = await reader.open(connection, item, [{ name: 'a', type: 'INTEGER' }]);
      assert.deepEqual((await connection.runAndReadAll(relation.sql)).getRowObjectsJson(), [{ a: 1 }]);
      assert.deepEqual(await relation.finish(), { rejected: 1 });
      await relation.release();
      assert.equal(await tables(), before);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});

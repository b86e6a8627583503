import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { describeItem, itemRows } from '../../testing/connector-testing.ts';
import { failsWith, fixtureDir, rejectsOf, type FixtureDir } from './reader-test-fixtures.ts';

let dir: FixtureDir;
before(async () => {
  dir = await fixtureDir();
});
after(() => dir.remove());

describe('ndjson', () => {
  test('malformed lines and non-objects are rejected with their line number and text; blank lines are skipped', async () => {
    const item = await dir.file(
      'e.ndjson',
      '{"id":1,"v":"a, b"}\n{"id":2,\n\n{"id":3,"v":"c\\u001f"}\n[1,2]\n   \n{"id":"x","v":"d"}\n{"id":4}\n',
      'ndjson',
    );
    assert.deepEqual(
      (await describeItem(item)).map((c) => `${c.name}:${c.type}`),
      ['id:VARCHAR', 'v:VARCHAR'],
    );
    const { rows, rejects } = await itemRows(item, [
      { name: 'id', type: 'INTEGER' },
      { name: 'v', type: 'VARCHAR' },
    ]);
    assert.deepEqual(rows, [
      { id: 1, v: 'a, b' },
      { id: 3, v: 'c\u001f' },
      { id: 4, v: null },
    ]);
    assert.deepEqual(rejectsOf(rejects), [
      [2, 'INVALID_JSON', null, '{"id":2,'],
      [5, 'INVALID_JSON', null, '[1,2]'],
      [7, 'CAST', 'id', '{"id":"x","v":"d"}'],
    ]);
    assert.match(String(rejects[0]!.reason), /not a JSON object/);
    assert.equal(rejects[2]!.reason, 'cannot cast "x" to INTEGER in column id');
  });

  test('gzip, a record path per line, and an empty file', async () => {
    const gz = await dir.file(
      'p.ndjson.gz',
      gzipSync('{"data":{"items":[{"a":1},{"a":2}]}}\n{"data":{"items":[{"a":3}]}}\n'),
      'ndjson',
      {
        json: { recordPath: 'data.items' },
      },
    );
    assert.deepEqual((await itemRows(gz, [{ name: 'a', type: 'INTEGER' }])).rows, [{ a: 1 }, { a: 2 }, { a: 3 }]);
    const empty = await dir.file('empty.ndjson', '', 'ndjson');
    assert.deepEqual(await describeItem(empty), []);
    assert.deepEqual((await itemRows(empty, [{ name: 'a', type: 'INTEGER' }])).rows, []);
  });
});

describe('json', () => {
  test('an array of objects: keys in first-seen order, nested values as JSON, absent keys NULL', async () => {
    const item = await dir.file('a.json', '[{"id":1,"tags":["x"]},{"id":2,"extra":true}]', 'json');
    assert.deepEqual(
      (await describeItem(item)).map((c) => `${c.name}:${c.type}`),
      ['id:BIGINT', 'tags:JSON', 'extra:BOOLEAN'],
    );
    assert.deepEqual((await itemRows(item)).rows, [
      { id: '1', tags: '["x"]', extra: null },
      { id: '2', tags: null, extra: true },
    ]);
  });

  test('a single object, one object per line, and elements that are not objects', async () => {
    assert.deepEqual((await itemRows(await dir.file('o.json', '{"id":7}', 'json'))).rows, [{ id: '7' }]);
    const lines = await dir.file('lines.json', '{"id":1}\n{"id":2}\n', 'json');
    assert.equal((await itemRows(lines)).rows.length, 2);
    const mixed = await dir.file('mixed.json', '[{"id":1}, 5, {"id":3}]', 'json');
    const { rows, rejects } = await itemRows(mixed, [{ name: 'id', type: 'INTEGER' }]);
    assert.deepEqual(rows, [{ id: 1 }, { id: 3 }]);
    assert.deepEqual(rejectsOf(rejects), [[2, 'INVALID_JSON', null, '5']]);
  });

  test('JSON that is not objects, or not JSON at all, is refused naming the file', async () => {
    const scalar = await dir.file('s.json', '42', 'json');
    await assert.rejects(
      itemRows(scalar),
      failsWith('INGEST_JSON_INVALID', new RegExp(`${scalar.source}: it is JSON but not an array of objects`)),
    );
    const broken = await dir.file('x.json', '{"id": 1', 'json');
    await assert.rejects(
      itemRows(broken),
      failsWith('INGEST_JSON_INVALID', new RegExp(`Cannot read ${broken.source}`)),
    );
    const path = await dir.file('r.json', '{"data": 5}', 'json', { json: { recordPath: 'data' } });
    await assert.rejects(itemRows(path), failsWith('INGEST_JSON_INVALID', /"data" is not an array of records/));
  });
});

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { literal } from '../../engine/dataset-view.ts';
import { readFileStats } from './file-stats.ts';

let dir: string;
let connection: DuckDBConnection;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'assay-stats-'));
  connection = await (await DuckDBInstance.create(':memory:')).connect();
});
after(() => rm(dir, { recursive: true, force: true }));

async function statsOf(select: string, rowGroupSize = 100_000) {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.parquet`);
  await connection.run(`COPY (${select}) TO ${literal(file)} (FORMAT parquet, ROW_GROUP_SIZE ${rowGroupSize})`);
  const stats = await readFileStats(connection, file);
  return {
    ...stats,
    parsed: JSON.parse(stats.json) as Record<string, Record<string, unknown>> & { numRecords: number },
  };
}

test('folds row-group statistics of every primitive column into Delta stats', async () => {
  const { numRecords, parsed } = await statsOf(
    `SELECT range AS id, 'n' || lpad(range::VARCHAR, 5, '0') AS name,
            CASE WHEN range % 3 = 0 THEN NULL ELSE range * 1.5 END AS amount,
            (DATE '2024-01-01' + range::INT) AS day, range::DOUBLE / 7 AS ratio
     FROM range(5000)`,
    2048,
  );
  assert.equal(numRecords, 5000);
  assert.equal(parsed.numRecords, 5000);
  assert.deepEqual(parsed.minValues, { id: 0, name: 'n00000', amount: 1.5, day: '2024-01-01', ratio: 0 });
  assert.equal(parsed.maxValues!.id, 4999);
  assert.equal(parsed.maxValues!.name, 'n04999');
  assert.equal(parsed.maxValues!.amount, 7498.5);
  assert.equal(parsed.maxValues!.day, '2037-09-08');
  assert.deepEqual(parsed.nullCount, { id: 0, name: 0, amount: 1667, day: 0, ratio: 0 });
});

test('an all-null column has a null count and no bounds; long strings and nested columns get no bounds', async () => {
  const { parsed } = await statsOf(
    `SELECT range AS id, NULL::INTEGER AS empty, repeat('x', 40) AS long_text, {'a': range} AS nested FROM range(10)`,
  );
  assert.equal(parsed.nullCount!.empty, 10);
  assert.equal('empty' in parsed.minValues!, false);
  assert.equal('long_text' in parsed.minValues!, false);
  assert.equal(parsed.nullCount!.long_text, 0);
  assert.equal('nested' in parsed.minValues!, false);
});

test('timestamps are widened to milliseconds so the bounds still hold', async () => {
  const { parsed } = await statsOf(
    `SELECT * FROM (VALUES (TIMESTAMPTZ '2024-03-01 10:00:00.123456+00'), (TIMESTAMPTZ '2024-03-01 11:00:00.987001+00')) t(ts)`,
  );
  assert.equal(parsed.minValues!.ts, '2024-03-01T10:00:00.123Z');
  assert.equal(parsed.maxValues!.ts, '2024-03-01T11:00:00.988Z');
});

test('big integers keep full precision in the JSON', async () => {
  const { json } = await statsOf(`SELECT 9007199254740993::BIGINT AS big`);
  assert.match(json, /"minValues":\{"big":9007199254740993\}/);
});

test('an empty file has zero records', async () => {
  const { numRecords, parsed } = await statsOf(`SELECT 1 AS x WHERE false`);
  assert.equal(numRecords, 0);
  assert.deepEqual(parsed.minValues, {});
});

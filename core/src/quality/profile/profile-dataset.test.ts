import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { literal } from '../../engine/dataset-view.ts';
import { openSession, type EngineSession } from '../../engine/engine-session.ts';
import { profileDataset } from './profile-dataset.ts';
import { LINES_SQL, ORDERS_SQL } from './profile-fixtures.ts';
import type { ColumnProfile, DatasetProfile } from './profile.schemas.ts';

let dir: string;
let session: EngineSession;
const NOW = new Date('2024-06-01T00:00:00Z');

/** The session, counting the queries a profile runs. */
let queries = 0;
const counted = (): EngineSession => ({
  ...session,
  stream(sql) {
    queries += 1;
    return session.stream(sql);
  },
});
const columnsOf = async (relation: string) =>
  (await session.describe(`SELECT * FROM ${relation}`)).map(({ name, type }) => ({ name, type }));
const profile = async (relation: string, options: { sample?: number } = {}) =>
  profileDataset(counted(), relation, await columnsOf(relation), { now: NOW, ...options });
const column = (p: DatasetProfile, name: string): ColumnProfile => {
  const found = p.columns.find((c) => c.name === name);
  assert.ok(found, `column ${name}`);
  return found;
};

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'assay-profile-'));
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const fixtures = {
    'silver.orders': ORDERS_SQL,
    'silver.lines': LINES_SQL,
    'silver.empty': `${ORDERS_SQL} LIMIT 0`,
    'silver.big': `SELECT range AS id, range % 10 AS bucket, 'v' || (range % 1000) AS label FROM range(200000)`,
  };
  const views = [];
  for (const [name, select] of Object.entries(fixtures)) {
    const file = join(dir, `${name}.parquet`);
    await connection.run(`COPY (${select}) TO ${literal(file)} (FORMAT parquet)`);
    views.push({ name, source: `SELECT * FROM read_parquet(${literal(file)})`, files: [file] });
  }
  connection.closeSync();
  instance.closeSync();
  session = await openSession({ views, memoryLimit: '512MB', threads: 2, scratchDirectory: join(dir, 'scratch') });
});
after(async () => {
  await session?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('profileDataset', () => {
  test('counts rows, NULLs and distinct values, and min/max per column, exactly on a small table', async () => {
    queries = 0;
    const p = await profile('silver.orders');
    assert.equal(queries, 3, 'a count, the statistics, the top values: three queries for nine columns');
    assert.deepEqual(
      [p.relation, p.rows, p.profiledRows, p.sampled, p.profiledAt],
      ['silver.orders', 20, 20, false, '2024-06-01T00:00:00.000Z'],
    );
    const summary = p.columns.map((c) => [c.name, c.kind, c.nulls, c.nullPercent, c.distinct, c.min, c.max]);
    assert.deepEqual(summary, [
      ['order_id', 'number', 0, 0, 20, 1, 20],
      ['email', 'text', 2, 10, 18, 'user11@example.com', 'user9@example.com'],
      ['status', 'text', 0, 0, 3, 'cancelled', 'shipped'],
      ['amount', 'number', 0, 0, 20, 2.5, 50],
      ['ordered_on', 'temporal', 0, 0, 20, '2024-01-02', '2024-01-21'],
      ['code', 'text', 0, 0, 20, 'AB-101', 'AB-120'],
      ['qty', 'text', 0, 0, 7, '0', '6'],
      ['note', 'text', 0, 0, 4, 'x note', 'xxxx note'],
      ['flag', 'boolean', 0, 0, 2, false, true],
    ]);
    assert.ok(p.columns.every((c) => !c.distinctApproximate && !c.masked));
    assert.deepEqual([column(p, 'email').minLength, column(p, 'email').maxLength], [17, 18]);
    assert.deepEqual([column(p, 'code').minLength, column(p, 'code').maxLength], [6, 6]);
    assert.equal(column(p, 'order_id').minLength, null, 'lengths are for text');
  });

  test('top values for low-cardinality columns only: most frequent first, ties by value', async () => {
    const p = await profile('silver.orders');
    assert.deepEqual(column(p, 'status').topValues, [
      { value: 'cancelled', count: 7 },
      { value: 'shipped', count: 7 },
      { value: 'open', count: 6 },
    ]);
    assert.deepEqual(column(p, 'flag').topValues, [
      { value: false, count: 10 },
      { value: true, count: 10 },
    ]);
    assert.equal(column(p, 'qty').topValues?.length, 7);
    assert.deepEqual(column(p, 'qty').topValues?.at(-1), { value: '0', count: 2 });
    assert.equal(column(p, 'order_id').topValues, null, 'a key has no frequent values');
    assert.equal(column(p, 'email').topValues, null);
  });

  test('text patterns and casts: the share of non-NULL values with each shape', async () => {
    const p = await profile('silver.orders');
    assert.deepEqual(column(p, 'email').patterns, [{ pattern: 'email', matches: 18, share: 1 }]);
    assert.deepEqual(column(p, 'email').casts, []);
    assert.deepEqual(column(p, 'code').patterns, [{ pattern: 'code', matches: 20, share: 1 }]);
    assert.deepEqual(column(p, 'qty').patterns, [
      { pattern: 'integer', matches: 20, share: 1 },
      { pattern: 'decimal', matches: 20, share: 1 },
    ]);
    assert.deepEqual(column(p, 'qty').casts, [
      { type: 'BIGINT', matches: 20, share: 1 },
      { type: 'DOUBLE', matches: 20, share: 1 },
    ]);
    assert.deepEqual([column(p, 'note').patterns, column(p, 'status').patterns], [[], []]);
    assert.deepEqual(column(p, 'amount').patterns, [], 'numbers have no text patterns');
  });

  test('candidate keys: single columns with a value per row and no NULL; floats and NULLs never', async () => {
    const p = await profile('silver.orders');
    assert.deepEqual(p.candidateKeys, [['order_id'], ['amount'], ['ordered_on'], ['code']]);
  });

  test('without a single-column key, pairs of columns are tried in one more query', async () => {
    queries = 0;
    const p = await profile('silver.lines');
    assert.deepEqual(p.candidateKeys, [['order_id', 'line_no']]);
    assert.equal(queries, 4);
  });

  test('more rows than sample: a reservoir sample is profiled and the profile says so', async () => {
    const p = await profile('silver.orders', { sample: 8 });
    assert.deepEqual([p.rows, p.profiledRows, p.sampled], [20, 8, true]);
    assert.equal(
      p.columns.reduce((n, c) => Math.max(n, c.distinct ?? 0), 0),
      8,
    );
    const all = await profile('silver.orders', { sample: 20 });
    assert.equal(all.sampled, false, 'as many rows as the sample size are all profiled');
  });

  test('large tables: distinct counts are estimates, checked exactly before a column is called a key', async () => {
    const p = await profile('silver.big');
    assert.deepEqual([p.rows, p.sampled], [200000, false]);
    assert.equal(column(p, 'label').distinctApproximate, true);
    assert.ok(Math.abs(column(p, 'label').distinct! - 1000) < 50, `estimate ${column(p, 'label').distinct}`);
    assert.deepEqual([column(p, 'id').distinct, column(p, 'id').distinctApproximate], [200000, false]);
    assert.deepEqual([column(p, 'bucket').distinct, column(p, 'bucket').distinctApproximate], [10, false]);
    assert.deepEqual(column(p, 'bucket').topValues?.[0], { value: 0, count: 20000 });
    assert.deepEqual(p.candidateKeys, [['id']]);
  });

  test('an empty table: zero counts, no bounds, no keys', async () => {
    const p = await profile('silver.empty');
    assert.deepEqual([p.rows, p.profiledRows, p.candidateKeys], [0, 0, []]);
    const email = column(p, 'email');
    assert.deepEqual(
      [email.nulls, email.nullPercent, email.distinct, email.min, email.topValues],
      [0, 0, 0, null, null],
    );
  });

  test('a sample size that is not a positive whole number is refused', async () => {
    await assert.rejects(profile('silver.orders', { sample: 0 }), { code: 'PROFILE_SAMPLE_INVALID' });
    await assert.rejects(profile('silver.orders', { sample: 2.5 }), { code: 'PROFILE_SAMPLE_INVALID' });
  });
});

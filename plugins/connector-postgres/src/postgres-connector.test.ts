import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createConnectorContext, itemRows, queryDataset, readAll, startTestPlatform } from '@assay/sdk/testing';
import pg from 'pg';
import postgresPlugin, { postgresConnector } from './index.ts';

const schema = `assay_pg_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' });
const config = {
  host: '127.0.0.1',
  port: 5432,
  database: 'postgres',
  user: 'postgres',
  ssl: 'disable' as const,
  schemas: [schema],
  connectTimeoutMs: 5000,
};

before(async () => {
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
});
after(async () => {
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
});

async function read(streamName: string, streamConfig: Record<string, unknown>, state?: Record<string, unknown>) {
  const ctx = await createConnectorContext();
  try {
    const { items, state: next } = await readAll(
      postgresConnector,
      ctx,
      config,
      { name: streamName, config: { mode: 'full', lookbackSeconds: 0, ...streamConfig } },
      state,
    );
    const file = items.find((i) => i.kind === 'file');
    assert.ok(file !== undefined && file.kind === 'file');
    const loaded = await itemRows(file);
    return { ...loaded, columns: file.columns, state: next };
  } finally {
    await ctx.dispose();
  }
}

describe('postgres connector', () => {
  test('types travel through COPY and DuckDB: NULL and empty string stay apart', async () => {
    await admin.query(`CREATE TABLE ${schema}.kinds (
      id int PRIMARY KEY, big bigint, small smallint, flag boolean, price numeric(12,2), loose numeric,
      ratio double precision, label text, code char(3), day date, at timestamp, at_tz timestamptz,
      uid uuid, doc jsonb, tags text[], raw bytea)`);
    await admin.query(`INSERT INTO ${schema}.kinds VALUES
      (1, 9007199254740993, 7, true, 1234.50, 0.1234567890123, 2.5, 'hello, "world"', 'abc', '2024-02-29',
       '2024-01-01 10:00:00', '2024-01-01 10:00:00+02', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": [1, 2]}',
       '{x,y}', '\\x0102'),
      (2, NULL, NULL, NULL, NULL, NULL, NULL, '', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`);
    const { rows, rejects, columns } = await read(`${schema}.kinds`, {});
    assert.deepEqual(rejects, []);
    assert.deepEqual(
      columns?.map((c) => `${c.name}:${c.type}`),
      [
        'id:INTEGER',
        'big:BIGINT',
        'small:SMALLINT',
        'flag:BOOLEAN',
        'price:DECIMAL(12, 2)',
        'loose:VARCHAR',
        'ratio:DOUBLE',
        'label:VARCHAR',
        'code:VARCHAR',
        'day:DATE',
        'at:TIMESTAMP',
        'at_tz:TIMESTAMP WITH TIME ZONE',
        'uid:UUID',
        'doc:JSON',
        'tags:VARCHAR',
        'raw:VARCHAR',
      ],
    );
    const [first, second] = rows.sort((a, b) => Number(a.id) - Number(b.id));
    assert.equal(first!.big, '9007199254740993');
    assert.equal(first!.price, '1234.50');
    assert.equal(first!.loose, '0.1234567890123');
    assert.equal(first!.label, 'hello, "world"');
    assert.equal(first!.day, '2024-02-29');
    assert.equal(first!.uid, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
    assert.deepEqual(JSON.parse(String(first!.doc)), { a: [1, 2] });
    assert.equal(first!.raw, '\\x0102');
    assert.equal(second!.label, '', 'an empty string is not NULL');
    assert.equal(second!.big, null);
  });

  test('a query stream, and a query that fails with the server message', async () => {
    await admin.query(`CREATE TABLE ${schema}.q (id int, v text)`);
    await admin.query(`INSERT INTO ${schema}.q VALUES (1, 'a'), (2, 'b')`);
    const { rows } = await read('only-b', { query: `SELECT id FROM ${schema}.q WHERE v = 'b'` });
    assert.deepEqual(rows, [{ id: 2 }]);
    const ctx = await createConnectorContext();
    await assert.rejects(
      readAll(postgresConnector, ctx, config, {
        name: 'broken',
        config: { mode: 'full', lookbackSeconds: 0, query: `SELECT nope FROM ${schema}.q` },
      }),
      (error: { code?: string; message: string }) =>
        error.code === 'SOURCE_QUERY_FAILED' && /column "nope" does not exist/.test(error.message),
    );
    await ctx.dispose();
  });

  test('check diagnoses: ok, refused, unknown database, unknown role', async () => {
    const ctx = await createConnectorContext();
    const ok = await postgresConnector.check(ctx, config);
    assert.equal(ok.ok, true, ok.message);
    assert.match(ok.message, /PostgreSQL \d+/);
    assert.equal((await postgresConnector.check(ctx, { ...config, port: 1 })).code, 'CONNECTION_REFUSED');
    assert.equal(
      (await postgresConnector.check(ctx, { ...config, database: `${schema}_none` })).code,
      'DATABASE_NOT_FOUND',
    );
    const role = await postgresConnector.check(ctx, { ...config, user: `${schema}_nobody`, password: 'x' });
    assert.equal(role.code, 'AUTH_FAILED');
    assert.ok(!role.message.includes('password: x'));
    await ctx.dispose();
  });

  test('discover lists tables with types, primary key, cursor fields and a sample', async () => {
    await admin.query(`CREATE TABLE ${schema}.disc (id bigint PRIMARY KEY, updated_at timestamptz, name text)`);
    await admin.query(`INSERT INTO ${schema}.disc VALUES (1, now(), 'x')`);
    const ctx = await createConnectorContext();
    const streams = await postgresConnector.discover(ctx, config);
    const disc = streams.find((s) => s.name === `${schema}.disc`);
    assert.deepEqual(disc?.primaryKey, ['id']);
    assert.deepEqual(disc?.cursorFields, ['id', 'updated_at']);
    assert.equal(disc?.sample?.[0]?.name, 'x');
    await ctx.dispose();
  });
});

describe('incremental loads into Bronze', () => {
  let platform: Awaited<ReturnType<typeof startTestPlatform>>;
  before(async () => {
    platform = await startTestPlatform({ plugins: [postgresPlugin], worker: false });
    await platform.createWorkspace('inc');
    const created = await platform.inject({
      method: 'POST',
      url: '/api/v1/workspaces/inc/connections',
      payload: { name: 'pg', type: 'postgres', config },
    });
    assert.equal(created.statusCode, 201, created.body);
  });
  after(async () => platform?.close());

  test('100,000 rows, 5,000 on one timestamp, late and concurrent commits: every row exactly once, latest version', async () => {
    const table = `${schema}.events`;
    await admin.query(`CREATE TABLE ${table} (id bigint PRIMARY KEY, updated_at timestamptz NOT NULL, v int NOT NULL)`);
    // 95,000 rows on distinct seconds, then 5,000 sharing the last second: the boundary of the first load.
    await admin.query(`INSERT INTO ${table}
      SELECT i, timestamptz '2024-01-01 00:00:00+00' + make_interval(secs => least(i, 95000)), 0
        FROM generate_series(1, 100000) AS i`);
    const load = async () => {
      const response = await platform.inject({
        method: 'POST',
        url: '/api/v1/workspaces/inc/ingest',
        payload: {
          connection: 'pg',
          stream: table,
          streamConfig: { mode: 'incremental', watermark: 'updated_at', lookbackSeconds: 600 },
          dataset: 'bronze.events',
          options: { dedupeKeys: ['id'] },
          wait: true,
        },
      });
      assert.equal(response.statusCode, 200, response.body);
      return response.json();
    };
    const first = await load();
    assert.equal(first.rowsWritten, 100_000);
    assert.equal(first.stateAfter.watermark.startsWith('2024-01-02 02:23:20'), true, first.stateAfter.watermark);

    // Rows that commit after the first load with the boundary timestamp and with older ones (a long transaction),
    // and updates of existing rows.
    await admin.query(`INSERT INTO ${table}
      SELECT 100000 + i, timestamptz '2024-01-02 02:23:20+00' - make_interval(secs => i % 300), 1
        FROM generate_series(1, 2000) AS i`);
    await admin.query(
      `UPDATE ${table} SET v = 2, updated_at = timestamptz '2024-01-02 02:23:21+00' WHERE id % 1000 = 0`,
    );

    // While the second load runs, more late rows commit; they must be picked up by the third load.
    const concurrent = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      await admin.query(`INSERT INTO ${table}
        SELECT 200000 + i, timestamptz '2024-01-02 02:23:00+00', 3 FROM generate_series(1, 500) AS i`);
    })();
    const second = await load();
    await concurrent;
    assert.equal(second.status, 'succeeded');
    const third = await load();
    assert.equal(third.status, 'succeeded');

    const source = await admin.query<{ n: string; sum_v: string; sum_id: string }>(
      `SELECT count(*) AS n, sum(v) AS sum_v, sum(id) AS sum_id FROM ${table}`,
    );
    const [bronze] = await queryDataset(
      platform,
      'inc',
      'bronze.events',
      'SELECT count(*) AS n, count(DISTINCT id) AS ids, sum(v) AS sum_v, sum(id) AS sum_id FROM t',
    );
    assert.equal(Number(bronze!.n), Number(source.rows[0]!.n), 'row count');
    assert.equal(Number(bronze!.ids), Number(source.rows[0]!.n), 'every key once');
    assert.equal(Number(bronze!.sum_v), Number(source.rows[0]!.sum_v), 'latest versions');
    assert.equal(Number(bronze!.sum_id), Number(source.rows[0]!.sum_id), 'the same keys');
  });
});

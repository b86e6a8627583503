import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createConnectorContext, itemRows, queryDataset, readAll, startTestPlatform } from '@assay/sdk/testing';
import mysql from 'mysql2/promise';
import mysqlPlugin, { mysqlConnector } from './index.ts';

const suffix = randomBytes(4).toString('hex');
const config = {
  host: '127.0.0.1',
  port: 3306,
  database: 'test',
  user: 'root',
  ssl: 'disable' as const,
  connectTimeoutMs: 5000,
};
let admin: mysql.Connection;
const tables: string[] = [];
const table = (name: string) => {
  const full = `${name}_${suffix}`;
  tables.push(full);
  return full;
};

before(async () => {
  admin = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', database: 'test' });
});
after(async () => {
  for (const name of tables) await admin.query(`DROP TABLE IF EXISTS \`${name}\``);
  await admin.query(`DROP USER IF EXISTS 'assay_${suffix}'@'%'`);
  await admin.end();
});

async function readRows(stream: string, streamConfig: Record<string, unknown> = {}, state?: Record<string, unknown>) {
  const ctx = await createConnectorContext();
  try {
    const { items, state: next } = await readAll(
      mysqlConnector,
      ctx,
      config,
      { name: stream, config: { mode: 'full', lookbackSeconds: 0, batchRows: 100, ...streamConfig } },
      state,
    );
    const rows: Record<string, unknown>[] = [];
    let batches = 0;
    for (const item of items) {
      if (item.kind !== 'batch') continue;
      batches++;
      const loaded = await itemRows(item);
      assert.deepEqual(loaded.rejects, []);
      rows.push(...loaded.rows);
    }
    return { rows, batches, state: next };
  } finally {
    await ctx.dispose();
  }
}

describe('mysql connector (MariaDB)', () => {
  test('types arrive exactly: big and unsigned integers, decimals, dates, zero dates, JSON, binary, NULL vs empty', async () => {
    const name = table('kinds');
    await admin.query(`CREATE TABLE \`${name}\` (id INT PRIMARY KEY, big BIGINT, ubig BIGINT UNSIGNED, price DECIMAL(12,2),
      ratio DOUBLE, label VARCHAR(20), day DATE, at DATETIME(3), doc JSON, raw VARBINARY(8), flag TINYINT(1))`);
    await admin.query(`INSERT INTO \`${name}\` VALUES
      (1, 9007199254740993, 18446744073709551615, 1234.50, 2.5, 'hé "x"', '2024-02-29', '2024-01-01 10:00:00.123',
       '{"a": [1, 2]}', X'0102', 1),
      (2, NULL, NULL, NULL, NULL, '', NULL, NULL, NULL, NULL, 0)`);
    await admin.query(`SET SESSION sql_mode = ''`);
    await admin.query(`INSERT INTO \`${name}\` (id, day) VALUES (3, '0000-00-00')`);
    const { rows } = await readRows(name);
    const byId = new Map(rows.map((r) => [Number(r.id), r]));
    const first = byId.get(1)!;
    assert.equal(first.big, '9007199254740993');
    assert.equal(first.ubig, '18446744073709551615');
    assert.equal(first.price, '1234.50');
    assert.equal(first.label, 'hé "x"');
    assert.equal(first.day, '2024-02-29');
    assert.equal(first.at, '2024-01-01 10:00:00.123');
    assert.deepEqual(JSON.parse(String(first.doc)), { a: [1, 2] });
    assert.equal(byId.get(2)!.label, '');
    assert.equal(byId.get(2)!.big, null);
    assert.equal(byId.get(3)!.day, null, 'a zero date is NULL');
  });

  test('large tables arrive in bounded batches; incremental reads start from the watermark', async () => {
    const name = table('events');
    await admin.query(`CREATE TABLE \`${name}\` (id INT PRIMARY KEY, updated_at DATETIME NOT NULL)`);
    await admin.query(
      `INSERT INTO \`${name}\` SELECT seq, '2024-01-01 00:00:00' + INTERVAL (seq DIV 10) SECOND FROM seq_1_to_1000`,
    );
    const full = await readRows(name);
    assert.equal(full.rows.length, 1000);
    assert.equal(full.batches, 10);
    const incremental = { mode: 'incremental', watermark: 'updated_at' };
    const first = await readRows(name, incremental);
    assert.equal(first.rows.length, 1000);
    assert.deepEqual(first.state, { column: 'updated_at', watermark: '2024-01-01 00:01:40' });
    await admin.query(`INSERT INTO \`${name}\` VALUES (1001, '2024-01-01 00:01:40'), (1002, '2024-01-01 00:05:00')`);
    const second = await readRows(name, incremental, first.state);
    assert.deepEqual(
      second.rows.map((r) => Number(r.id)).sort(),
      [1000, 1001, 1002],
      'the boundary second is read again (ties), plus the new rows',
    );
  });

  test('check and read errors have stable codes', async () => {
    const ctx = await createConnectorContext();
    const ok = await mysqlConnector.check(ctx, config);
    assert.equal(ok.ok, true, ok.message);
    assert.equal((await mysqlConnector.check(ctx, { ...config, port: 1 })).code, 'CONNECTION_REFUSED');
    assert.equal(
      (await mysqlConnector.check(ctx, { ...config, database: `nope_${suffix}` })).code,
      'DATABASE_NOT_FOUND',
    );
    await admin.query(`CREATE USER 'assay_${suffix}'@'%' IDENTIFIED BY 'right-password'`);
    const wrong = await mysqlConnector.check(ctx, { ...config, user: `assay_${suffix}`, password: 'wrong-password' });
    assert.equal(wrong.code, 'AUTH_FAILED');
    assert.ok(!wrong.message.includes('wrong-password'));
    await assert.rejects(
      readAll(mysqlConnector, ctx, config, {
        name: 'q',
        config: { mode: 'full', lookbackSeconds: 0, batchRows: 100, query: 'SELECT nope FROM missing_table' },
      }),
      (error: { code?: string }) => error.code === 'SOURCE_QUERY_FAILED',
    );
    await ctx.dispose();
  });

  test('discover lists tables with keys and samples', async () => {
    const name = table('disc');
    await admin.query(`CREATE TABLE \`${name}\` (id BIGINT PRIMARY KEY, name VARCHAR(10))`);
    await admin.query(`INSERT INTO \`${name}\` VALUES (1, 'x')`);
    const ctx = await createConnectorContext();
    const stream = (await mysqlConnector.discover(ctx, config)).find((s) => s.name === name);
    assert.deepEqual(stream?.primaryKey, ['id']);
    assert.deepEqual(
      stream?.columns.map((c) => c.type),
      ['BIGINT', 'VARCHAR'],
    );
    assert.equal(stream?.sample?.[0]?.name, 'x');
    await ctx.dispose();
  });

  test('into Bronze through the ingest engine', async () => {
    const name = table('orders');
    await admin.query(`CREATE TABLE \`${name}\` (id INT PRIMARY KEY, amount DECIMAL(8,2))`);
    await admin.query(`INSERT INTO \`${name}\` SELECT seq, seq / 4 FROM seq_1_to_25000`);
    const platform = await startTestPlatform({ plugins: [mysqlPlugin], worker: false });
    try {
      await platform.createWorkspace('my');
      await platform.inject({
        method: 'POST',
        url: '/api/v1/workspaces/my/connections',
        payload: { name: 'maria', type: 'mysql', config },
      });
      const response = await platform.inject({
        method: 'POST',
        url: '/api/v1/workspaces/my/ingest',
        payload: { connection: 'maria', stream: name, dataset: 'bronze.orders', wait: true },
      });
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.json().rowsWritten, 25_000);
      const [sum] = await queryDataset(
        platform,
        'my',
        'bronze.orders',
        'SELECT sum(amount)::VARCHAR AS s, typeof(any_value(amount)) AS t FROM t',
      );
      assert.deepEqual(sum, { s: '78128125.00', t: 'DECIMAL(8,2)' });
    } finally {
      await platform.close();
    }
  });
});

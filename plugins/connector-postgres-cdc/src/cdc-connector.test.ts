import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ConnectorState, ReadItem } from '@assay/sdk';
import { createConnectorContext, itemRows, queryDataset, readAll } from '@assay/core/connector-testing';
import { startEmbeddedPostgres } from '@assay/core/embedded-postgres';
import { startCoreTestPlatform } from '@assay/core/test-platform';
import pg from 'pg';
import cdcPlugin, { postgresCdcConnector } from './index.ts';

let scratch: string;
let server: Awaited<ReturnType<typeof startEmbeddedPostgres>>;
let admin: pg.Client;
let config: {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  slotPrefix: string;
  connectTimeoutMs: number;
};

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'assay-cdc-'));
  // As root, PostgreSQL runs as the postgres user, which must reach its data directory.
  await chmod(scratch, 0o755);
  server = await startEmbeddedPostgres({
    dataDir: join(scratch, 'pg'),
    settings: { wal_level: 'logical', max_replication_slots: '20', max_wal_senders: '20' },
  });
  const url = new URL(server.url);
  config = {
    host: url.hostname,
    port: Number(url.port),
    database: 'postgres',
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    slotPrefix: 'assay',
    connectTimeoutMs: 5000,
  };
  admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
});
after(async () => {
  await admin?.end();
  await server?.stop();
  await rm(scratch, { recursive: true, force: true });
});

const STREAM = { snapshot: 'initial', resnapshot: false, idleMs: 300, maxChanges: 100_000 };

/** Reads a stream; `crash` stops at the first state item after data, as a process dying before its commit would. */
async function read(
  table: string,
  state: ConnectorState | undefined,
  options: { crash?: boolean; stream?: object } = {},
) {
  const ctx = await createConnectorContext();
  try {
    if (options.crash !== true) {
      const result = await readAll(
        postgresCdcConnector,
        ctx,
        config,
        { name: table, config: { ...STREAM, ...options.stream } },
        state,
      );
      return { ...result, rows: await rowsOf(result.items) };
    }
    const items: ReadItem[] = [];
    const reading = postgresCdcConnector.read(
      ctx,
      config as never,
      { name: table, config: { ...STREAM, ...options.stream } as never },
      state,
    );
    const iterator = reading[Symbol.asyncIterator]();
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) break;
      items.push(next.value);
      if (next.value.kind === 'state' && items.some((i) => i.kind === 'batch')) break;
    }
    await iterator.return?.(undefined);
    return { items, state: undefined, rows: await rowsOf(items) };
  } finally {
    await ctx.dispose();
  }
}

async function rowsOf(items: readonly ReadItem[]) {
  const rows: Array<Record<string, unknown>> = [];
  for (const item of items) if (item.kind !== 'state') rows.push(...(await itemRows(item)).rows);
  return rows;
}

describe('postgres-cdc', () => {
  test('check: logical replication ready here; the machine server without wal_level=logical is diagnosed', async () => {
    const ctx = await createConnectorContext();
    const ok = await postgresCdcConnector.check(ctx, config);
    assert.equal(ok.ok, true, ok.message);
    const replica = await postgresCdcConnector.check(ctx, {
      ...config,
      host: '127.0.0.1',
      port: 5432,
      user: 'postgres',
      password: '',
    });
    // The machine's own server runs with wal_level=replica: the diagnosis names the setting to change.
    if (!replica.ok) assert.equal(replica.code, 'WAL_LEVEL_NOT_LOGICAL', replica.message);
    await ctx.dispose();
  });

  test('snapshot, then inserts, updates and deletes in commit order, with before images where the table keeps them', async () => {
    await admin.query(`CREATE TABLE items (id int PRIMARY KEY, name text, price numeric(8,2))`);
    await admin.query(`INSERT INTO items VALUES (1, 'apple', 1.50), (2, 'pear', 2.00)`);
    const first = await read('public.items', undefined);
    assert.deepEqual(
      first.rows.map((r) => [r.op, JSON.parse(String(r.after)).name]),
      [
        ['r', 'apple'],
        ['r', 'pear'],
      ],
    );
    assert.match(String(first.state?.lsn), /^[0-9A-F]+\/[0-9A-F]+$/);

    await admin.query(`INSERT INTO items VALUES (3, 'plum', 0.75)`);
    await admin.query(`UPDATE items SET price = 1.75 WHERE id = 1`);
    await admin.query(`DELETE FROM items WHERE id = 2`);
    await admin.query(`ALTER TABLE items REPLICA IDENTITY FULL`);
    await admin.query(`UPDATE items SET name = 'plum!' WHERE id = 3`);
    const second = await read('public.items', first.state);
    assert.deepEqual(
      second.rows.map((r) => [r.op, r.key, r.after === null ? null : JSON.parse(String(r.after)).name]),
      [
        ['c', '{"id":3}', 'plum'],
        ['u', '{"id":1}', 'apple'],
        ['d', '{"id":2}', null],
        ['u', '{"id":3}', 'plum!'],
      ],
    );
    assert.equal(JSON.parse(String(second.rows[3]!.before)).name, 'plum', 'REPLICA IDENTITY FULL: the old row');
    const positions = second.rows.map((r) => String(r.source_position));
    assert.deepEqual([...positions].sort(), positions, 'positions sort in commit order');
    assert.equal(second.rows[0]!.source_table, 'public.items');

    const third = await read('public.items', second.state);
    assert.equal(third.rows.length, 0, 'nothing is read twice');
  });

  test('a crash before the commit replays the changes; after the commit they are not read again', async () => {
    await admin.query(`CREATE TABLE events (id int PRIMARY KEY, v int)`);
    const start = await read('public.events', undefined);
    await admin.query(`INSERT INTO events SELECT i, i FROM generate_series(1, 500) AS i`);
    const crashed = await read('public.events', start.state, { crash: true });
    assert.equal(crashed.rows.length, 500);
    const replayed = await read('public.events', start.state);
    assert.equal(replayed.rows.length, 500, 'not acknowledged before the commit: nothing lost');
    await admin.query(`INSERT INTO events VALUES (501, 501)`);
    const next = await read('public.events', replayed.state);
    assert.deepEqual(
      next.rows.map((r) => JSON.parse(String(r.after)).id),
      [501],
    );
  });

  test('a lost slot is reported; resnapshot copies the table again', async () => {
    await admin.query(`CREATE TABLE lost (id int PRIMARY KEY)`);
    await admin.query(`INSERT INTO lost VALUES (1), (2)`);
    const first = await read('public.lost', undefined);
    const slot = (
      await admin.query<{ slot_name: string }>(
        `SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE 'assay_public_lost%'`,
      )
    ).rows[0]!.slot_name;
    await admin.query('SELECT pg_drop_replication_slot($1)', [slot]);
    await assert.rejects(read('public.lost', first.state), (error: { code?: string; message: string }) => {
      assert.equal(error.code, 'CDC_SLOT_LOST');
      assert.match(error.message, /resnapshot/);
      return true;
    });
    const again = await read('public.lost', first.state, { stream: { resnapshot: true } });
    assert.deepEqual(
      again.rows.map((r) => r.op),
      ['r', 'r'],
    );
  });

  test('into a Bronze change log through the ingest engine, across loads', async () => {
    await admin.query(`CREATE TABLE orders (id int PRIMARY KEY, status text)`);
    await admin.query(`INSERT INTO orders VALUES (1, 'new')`);
    const platform = await startCoreTestPlatform({ plugins: [cdcPlugin], worker: false });
    try {
      await platform.createWorkspace('cdc');
      const created = await platform.inject({
        method: 'POST',
        url: '/api/v1/workspaces/cdc/connections',
        payload: { name: 'erp', type: 'postgres-cdc', config },
      });
      assert.equal(created.statusCode, 201, created.body);
      const load = async () => {
        const response = await platform.inject({
          method: 'POST',
          url: '/api/v1/workspaces/cdc/ingest',
          payload: {
            connection: 'erp',
            stream: 'public.orders',
            streamConfig: { idleMs: 300 },
            dataset: 'bronze.orders_changes',
            wait: true,
          },
        });
        assert.equal(response.statusCode, 200, response.body);
        return response.json();
      };
      await load();
      await admin.query(`UPDATE orders SET status = 'paid' WHERE id = 1`);
      await admin.query(`DELETE FROM orders WHERE id = 1`);
      await load();
      await load();
      const log = await queryDataset(
        platform,
        'cdc',
        'bronze.orders_changes',
        'SELECT op FROM t ORDER BY source_position',
      );
      assert.deepEqual(
        log.map((r) => r.op),
        ['r', 'u', 'd'],
      );
    } finally {
      await platform.close();
    }
  });
});

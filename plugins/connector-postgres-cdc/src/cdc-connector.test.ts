import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ConnectorState, ReadItem } from '@assay/sdk';
import {
  createConnectorContext,
  itemRows,
  queryDataset,
  readAll,
  startEmbeddedPostgres,
  startTestPlatform,
} from '@assay/sdk/testing';
import pg from 'pg';
import cdcPlugin, { dropCapture, postgresCdcConnector, type CdcConnection } from './index.ts';

let scratch: string;
let server: Awaited<ReturnType<typeof startEmbeddedPostgres>>;
let admin: pg.Client;
let base: CdcConnection;

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'assay-cdc-'));
  // As root, PostgreSQL runs as the postgres user, which must reach its data directory.
  await chmod(scratch, 0o755);
  server = await startEmbeddedPostgres({
    dataDir: join(scratch, 'pg'),
    settings: { wal_level: 'logical', max_replication_slots: '20', max_wal_senders: '20' },
  });
  const url = new URL(server.url);
  base = {
    host: url.hostname,
    port: Number(url.port),
    database: 'postgres',
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    slot: 'assay',
    publication: 'assay_cdc',
    tables: ['public.unused'],
    createSlot: true,
    createPublication: true,
    snapshot: 'initial',
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

/** A connection capturing `table` with its own publication, so tests do not see each other's tables. */
const connection = (table: string, extra: Partial<CdcConnection> = {}): CdcConnection => ({
  ...base,
  tables: [table],
  publication: `pub_${table.replace(/\W/g, '_')}`,
  ...extra,
});
const STREAM = { resnapshot: false, idleMs: 300, maxChanges: 100_000, maxDurationMs: 30_000 };

/**
 * Reads a stream. With `stopAtState` the read stops at the first state item after data and is not resumed: the
 * process died before (or right after) the commit, so the slot was never advanced.
 */
async function read(
  config: CdcConnection,
  state: ConnectorState | undefined,
  options: { stopAtState?: boolean; stream?: object } = {},
) {
  const table = config.tables[0]!;
  const ctx = await createConnectorContext();
  try {
    const streamConfig = { ...STREAM, ...options.stream };
    if (options.stopAtState !== true) {
      const result = await readAll(postgresCdcConnector, ctx, config, { name: table, config: streamConfig }, state);
      return { ...result, rows: await rowsOf(result.items) };
    }
    const items: ReadItem[] = [];
    const reading = postgresCdcConnector.read(ctx, config, { name: table, config: streamConfig }, state);
    const iterator = reading[Symbol.asyncIterator]();
    let last: ConnectorState | undefined;
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) break;
      items.push(next.value);
      if (next.value.kind === 'state') {
        last = next.value.state;
        if (items.some((i) => i.kind === 'batch')) break;
      }
    }
    await iterator.return?.(undefined);
    return { items, state: last, rows: await rowsOf(items) };
  } finally {
    await ctx.dispose();
  }
}

async function rowsOf(items: readonly ReadItem[]) {
  const rows: Array<Record<string, unknown>> = [];
  for (const item of items) if (item.kind === 'batch') rows.push(...(await itemRows(item)).rows);
  return rows;
}

const after_ = (row: Record<string, unknown>) => JSON.parse(String(row.after)) as Record<string, string>;

describe('postgres-cdc', () => {
  test('check diagnoses wal_level, replication permission, credentials, database and refused connections', async () => {
    const ctx = await createConnectorContext();
    try {
      const ok = await postgresCdcConnector.check(ctx, base);
      assert.equal(ok.ok, true, ok.message);
      // The machine's own server runs with wal_level=replica.
      const replica = await postgresCdcConnector.check(ctx, {
        ...base,
        host: '127.0.0.1',
        port: 5432,
        user: 'postgres',
        password: '',
      });
      assert.equal(replica.code, 'WAL_LEVEL_NOT_LOGICAL', replica.message);
      assert.match(replica.message, /wal_level = logical/);
      await admin.query(`CREATE ROLE plain_reader LOGIN PASSWORD 'secret-1'`);
      const plain = await postgresCdcConnector.check(ctx, { ...base, user: 'plain_reader', password: 'secret-1' });
      assert.equal(plain.code, 'REPLICATION_NOT_PERMITTED', plain.message);
      assert.match(plain.message, /ALTER ROLE plain_reader REPLICATION/);
      const wrong = await postgresCdcConnector.check(ctx, { ...base, password: 'wrong' });
      assert.equal(wrong.code, 'AUTH_FAILED', wrong.message);
      assert.doesNotMatch(wrong.message, /wrong/, 'the password is never echoed');
      const missing = await postgresCdcConnector.check(ctx, { ...base, database: 'no_such_db' });
      assert.equal(missing.code, 'DATABASE_NOT_FOUND', missing.message);
      const refused = await postgresCdcConnector.check(ctx, { ...base, port: 1 });
      assert.equal(refused.code, 'CONNECTION_REFUSED', refused.message);
    } finally {
      await ctx.dispose();
    }
  });

  test('snapshot as r rows, then inserts, updates and deletes with REPLICA IDENTITY DEFAULT and FULL', async () => {
    await admin.query(`CREATE TABLE items (id int PRIMARY KEY, name text, price numeric(8,2), at timestamptz)`);
    await admin.query(`INSERT INTO items VALUES (1, 'apple', 1.50, '2024-05-01 10:00:00+00'), (2, 'pear', 2, NULL)`);
    const config = connection('public.items');
    const first = await read(config, undefined);
    assert.deepEqual(
      first.rows.map((r) => [r.op, r.key, after_(r)]),
      [
        ['r', '{"id":"1"}', { id: '1', name: 'apple', price: '1.50', at: '2024-05-01 10:00:00+00' }],
        ['r', '{"id":"2"}', { id: '2', name: 'pear', price: '2.00', at: null }],
      ],
      'values are PostgreSQL text output',
    );
    assert.match(String(first.state?.lsn), /^[0-9A-F]{16}$/);

    await admin.query(`INSERT INTO items VALUES (3, 'plum', 0.75, '2024-05-02 10:00:00+00')`);
    await admin.query(`BEGIN; UPDATE items SET price = 1.75 WHERE id = 1; DELETE FROM items WHERE id = 2; COMMIT`);
    await admin.query(`ALTER TABLE items REPLICA IDENTITY FULL`);
    await admin.query(`UPDATE items SET name = 'plum!' WHERE id = 3`);
    await admin.query(`DELETE FROM items WHERE id = 1`);
    const second = await read(config, first.state);
    assert.deepEqual(
      second.rows.map((r) => [r.op, r.key, r.before === null ? null : JSON.parse(String(r.before))]),
      [
        ['c', '{"id":"3"}', null],
        ['u', '{"id":"1"}', null], // DEFAULT: no old row unless the key changed
        ['d', '{"id":"2"}', { id: '2' }], // DEFAULT: the key only
        ['u', '{"id":"3"}', { id: '3', name: 'plum', price: '0.75', at: '2024-05-02 10:00:00+00' }], // FULL
        ['d', '{"id":"1"}', { id: '1', name: 'apple', price: '1.75', at: '2024-05-01 10:00:00+00' }],
      ],
    );
    assert.equal(after_(second.rows[3]!).name, 'plum!');
    assert.equal(second.rows[4]!.after, null, 'deletes have no after image');
    assert.equal(second.rows[1]!.tx_id, second.rows[2]!.tx_id, 'one transaction');
    assert.notEqual(second.rows[0]!.tx_id, second.rows[1]!.tx_id);
    assert.equal(second.rows[0]!.source_table, 'public.items');
    assert.ok(second.rows.every((r) => typeof r.event_time === 'string'));
    const positions = [...first.rows, ...second.rows].map((r) => String(r.source_position));
    assert.deepEqual([...positions].sort(), positions, 'positions sort in commit order');
    assert.equal(new Set(positions).size, positions.length, 'and are unique');

    const third = await read(config, second.state);
    assert.equal(third.rows.length, 0, 'nothing is read twice');
    assert.equal(third.state, second.state);
  });

  test('a crash before the commit replays the changes; a committed but unconfirmed state skips them', async () => {
    await admin.query(`CREATE TABLE events (id int PRIMARY KEY, v int)`);
    const config = connection('public.events');
    const start = await read(config, undefined);
    assert.equal(start.rows.length, 0);
    await admin.query(`INSERT INTO events SELECT i, i FROM generate_series(1, 25000) AS i`);
    await admin.query(`UPDATE events SET v = -1 WHERE id = 7`);

    const confirmedFlush = async () =>
      BigInt(
        (
          await admin.query<{ n: string }>(
            `SELECT (confirmed_flush_lsn - '0/0'::pg_lsn)::text AS n FROM pg_replication_slots
              WHERE slot_name LIKE 'assay_public_events_%'`,
          )
        ).rows[0]!.n,
      );
    const atStart = await confirmedFlush();
    // Killed after yielding the state but before the engine committed it: the slot did not move.
    const crashed = await read(config, start.state, { stopAtState: true });
    assert.equal(crashed.rows.length, 25001);
    assert.ok(crashed.items.filter((i) => i.kind === 'batch').length >= 3, 'batches of at most 10,000 rows');
    const replayed = await read(config, start.state, { stopAtState: true });
    assert.equal(replayed.rows.length, 25001, 'state not committed: the same changes again, nothing lost');
    assert.equal(await confirmedFlush(), atStart, 'nothing is confirmed before the commit');
    assert.deepEqual(
      replayed.rows.map((r) => r.source_position),
      crashed.rows.map((r) => r.source_position),
    );

    // The state was committed but the process died before confirming the slot: the slot replays, the state skips.
    await admin.query(`INSERT INTO events VALUES (25001, 1)`);
    const skipped = await read(config, replayed.state);
    assert.deepEqual(
      skipped.rows.map((r) => after_(r).id),
      ['25001'],
      'nothing committed is read again',
    );
    assert.ok((await confirmedFlush()) > atStart, 'the slot is confirmed once the read resumes after the state');
    const none = await read(config, skipped.state);
    assert.equal(none.rows.length, 0);
  });

  test('loads end at maxChanges on a transaction boundary and go on from there', async () => {
    await admin.query(`CREATE TABLE steps (id int PRIMARY KEY)`);
    const config = connection('public.steps', { snapshot: 'never' });
    let { state } = await read(config, undefined);
    for (let t = 0; t < 3; t++) {
      await admin.query(`INSERT INTO steps SELECT i FROM generate_series(${t * 10 + 1}, ${t * 10 + 10}) AS i`);
    }
    const seen: string[] = [];
    for (let load = 0; load < 3; load++) {
      const result = await read(config, state, { stream: { maxChanges: 5 } });
      assert.equal(result.rows.length, 10, 'a whole transaction, never half of one');
      seen.push(...result.rows.map((r) => after_(r).id!));
      state = result.state;
    }
    assert.deepEqual(
      seen,
      Array.from({ length: 30 }, (_, i) => String(i + 1)),
    );
    assert.equal((await read(config, state)).rows.length, 0);
  });

  test('a lost slot fails with CDC_SLOT_LOST; resnapshot recreates it and copies the table again', async () => {
    await admin.query(`CREATE TABLE lost (id int PRIMARY KEY)`);
    await admin.query(`INSERT INTO lost VALUES (1), (2)`);
    const config = connection('public.lost');
    const first = await read(config, undefined);
    const slot = (
      await admin.query<{ slot_name: string }>(
        `SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE 'assay_public_lost_%'`,
      )
    ).rows[0]!.slot_name;
    await admin.query('SELECT pg_drop_replication_slot($1)', [slot]);
    await admin.query(`INSERT INTO lost VALUES (3)`);
    await assert.rejects(read(config, first.state), (error: { code?: string; message: string }) => {
      assert.equal(error.code, 'CDC_SLOT_LOST');
      assert.match(error.message, new RegExp(`"${slot}".*public\\.lost.*resnapshot: true`));
      return true;
    });
    const again = await read(config, first.state, { stream: { resnapshot: true } });
    assert.deepEqual(
      again.rows.map((r) => [r.op, after_(r).id]),
      [
        ['r', '1'],
        ['r', '2'],
        ['r', '3'],
      ],
    );
    await admin.query(`DELETE FROM lost WHERE id = 3`);
    const next = await read(config, again.state);
    assert.deepEqual(
      next.rows.map((r) => [r.op, r.key]),
      [['d', '{"id":"3"}']],
    );
  });

  test('a slot invalidated for lack of WAL (wal_status lost) is reported the same way', async () => {
    await admin.query(`CREATE TABLE wal_lost (id int PRIMARY KEY, pad text)`);
    const config = connection('public.wal_lost');
    const first = await read(config, undefined);
    await admin.query(`ALTER SYSTEM SET max_slot_wal_keep_size = '1MB'`);
    await admin.query('SELECT pg_reload_conf()');
    try {
      let status: string | null = null;
      for (let round = 0; round < 8 && status !== 'lost'; round++) {
        await admin.query(
          `INSERT INTO wal_lost SELECT i, repeat('x', 500) FROM generate_series(${round * 5000 + 1}, ${round * 5000 + 5000}) i`,
        );
        await admin.query('SELECT pg_switch_wal()');
        await admin.query('CHECKPOINT');
        status = (
          await admin.query<{ wal_status: string }>(
            `SELECT wal_status FROM pg_replication_slots WHERE slot_name LIKE 'assay_public_wal_lost_%'`,
          )
        ).rows[0]!.wal_status;
      }
      assert.equal(status, 'lost');
      await assert.rejects(read(config, first.state), { code: 'CDC_SLOT_LOST' });
    } finally {
      await admin.query(`ALTER SYSTEM RESET max_slot_wal_keep_size`);
      await admin.query('SELECT pg_reload_conf()');
    }
    const again = await read(config, first.state, { stream: { resnapshot: true } });
    const count = (await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM wal_lost')).rows[0]!.n;
    assert.equal(again.rows.length, count);
    assert.ok(again.rows.every((r) => r.op === 'r'));
  });

  test('managed slot and publication: created for the listed tables, dropped by dropCapture', async () => {
    await admin.query(`CREATE TABLE managed_a (id int PRIMARY KEY)`);
    await admin.query(`CREATE TABLE managed_b (id int PRIMARY KEY)`);
    const config = connection('public.managed_a', { tables: ['managed_a', 'public.managed_b'], publication: 'pub_m' });
    const ctx = await createConnectorContext();
    try {
      const streams = await postgresCdcConnector.discover(ctx, config);
      assert.deepEqual(
        streams.map((s) => s.name),
        ['public.managed_a', 'public.managed_b'],
      );
      await assert.rejects(readAll(postgresCdcConnector, ctx, config, { name: 'public.other', config: STREAM }), {
        code: 'CDC_TABLE_NOT_CONFIGURED',
      });
      await readAll(postgresCdcConnector, ctx, config, { name: 'managed_a', config: STREAM });
      await readAll(postgresCdcConnector, ctx, config, { name: 'public.managed_b', config: STREAM });
    } finally {
      await ctx.dispose();
    }
    const published = await admin.query(
      `SELECT tablename FROM pg_publication_tables WHERE pubname = 'pub_m' ORDER BY 1`,
    );
    assert.deepEqual(
      published.rows.map((r) => r.tablename),
      ['managed_a', 'managed_b'],
    );
    const slots = async () =>
      (
        await admin.query(
          `SELECT count(*)::int AS n FROM pg_replication_slots WHERE slot_name LIKE 'assay_public_managed_%'`,
        )
      ).rows[0].n;
    assert.equal(await slots(), 2, 'one slot per stream');
    const dropped = await dropCapture(config);
    assert.equal(dropped.slots.length, 2);
    assert.equal(await slots(), 0);
    assert.equal((await admin.query(`SELECT 1 FROM pg_publication WHERE pubname = 'pub_m'`)).rowCount, 0);

    const unmanaged = connection('public.managed_a', { publication: 'pub_absent', createPublication: false });
    await assert.rejects(read(unmanaged, undefined), { code: 'CDC_PUBLICATION_NOT_FOUND' });
    const noSlot = connection('public.managed_a', { createSlot: false });
    await assert.rejects(read(noSlot, undefined), { code: 'CDC_SLOT_NOT_FOUND' });
  });

  test('into a Bronze change log through the ingest engine, across loads', async () => {
    await admin.query(`CREATE TABLE orders (id int PRIMARY KEY, status text)`);
    await admin.query(`INSERT INTO orders VALUES (1, 'new')`);
    const config = connection('public.orders');
    const platform = await startTestPlatform({ plugins: [cdcPlugin], worker: false });
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
        'SELECT op, typeof(event_time) AS t FROM t ORDER BY source_position',
      );
      assert.deepEqual(
        log.map((r) => [r.op, r.t]),
        [
          ['r', 'TIMESTAMP WITH TIME ZONE'],
          ['u', 'TIMESTAMP WITH TIME ZONE'],
          ['d', 'TIMESTAMP WITH TIME ZONE'],
        ],
      );
    } finally {
      await platform.close();
    }
  });
});

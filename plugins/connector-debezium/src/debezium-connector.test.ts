import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ConnectorState, ReadItem } from '@assay/sdk';
import { createConnectorContext, itemRows, queryDataset } from '@assay/core/connector-testing';
import { startCoreTestPlatform } from '@assay/core/test-platform';
import amqp from 'amqplib';
import { connect, type NatsConnection } from 'nats';
import debeziumPlugin, { debeziumConnector, parseEvent } from './index.ts';

const id = randomBytes(4).toString('hex');
const event = (op: string, n: number, extra: object = {}) =>
  JSON.stringify({
    before: op === 'c' ? null : { id: n, v: n - 1 },
    after: op === 'd' ? null : { id: n, v: n },
    source: { db: 'shop', schema: 'public', table: 'items', lsn: 1000 + n, txId: 7, ts_ms: 1_700_000_000_000 + n },
    op,
    ts_ms: 1_700_000_000_500,
    ...extra,
  });

/** Reads once; `crash` stops at the state item without resuming, as a process dying before its commit would. */
async function read(config: object, state?: ConnectorState, crash = false, uploadsDir?: string) {
  const ctx = await createConnectorContext(uploadsDir === undefined ? {} : { uploadsDir });
  try {
    const items: ReadItem[] = [];
    let next: ConnectorState | undefined;
    const reading = debeziumConnector.read(
      ctx,
      config as never,
      { name: 'changes', config: { idleMs: 300, maxEvents: 1000 } },
      state,
    );
    const iterator = reading[Symbol.asyncIterator]();
    for (;;) {
      const step = await iterator.next();
      if (step.done === true) break;
      items.push(step.value);
      if (step.value.kind === 'state') {
        next = step.value.state;
        if (crash) break;
      }
    }
    await iterator.return?.(undefined);
    const rows: Array<Record<string, unknown>> = [];
    for (const item of items) if (item.kind === 'batch') rows.push(...(await itemRows(item)).rows);
    return { rows, state: next };
  } finally {
    await ctx.dispose();
  }
}

describe('events', () => {
  test('envelopes, wrappers, keys, tombstones, other ops and malformed events', () => {
    const plain = parseEvent(Buffer.from(event('u', 1)), '1');
    assert.equal(plain.kind, 'change');
    if (plain.kind === 'change') {
      assert.equal(plain.row.op, 'u');
      assert.equal(plain.row.sourceTable, 'public.items');
      assert.equal(plain.row.sourcePosition, 'lsn:00000000000000001001:1');
      assert.equal(plain.row.eventTime, '2023-11-14T22:13:20.001Z');
      assert.equal(plain.row.before, '{"id":1,"v":0}');
    }
    const wrapped = parseEvent(
      Buffer.from(JSON.stringify({ key: { id: 5 }, value: { schema: {}, payload: JSON.parse(event('d', 5)) } })),
      '2',
    );
    assert.equal(wrapped.kind === 'change' && wrapped.row.key, '{"id":5}');
    const binlog = parseEvent(
      Buffer.from(
        JSON.stringify({
          op: 'c',
          after: { id: 1 },
          source: { file: 'mysql-bin.000003', pos: 154, row: 0, db: 'shop', table: 't' },
        }),
      ),
      '3',
    );
    assert.equal(
      binlog.kind === 'change' && binlog.row.sourcePosition,
      'binlog:mysql-bin.000003:00000000000000000154:000000:3',
    );
    assert.deepEqual(parseEvent(null, '4'), { kind: 'tombstone' });
    assert.deepEqual(parseEvent(Buffer.from('null'), '4'), { kind: 'tombstone' });
    assert.deepEqual(parseEvent(Buffer.from(JSON.stringify({ op: 't', source: {} })), '5'), {
      kind: 'skipped',
      op: 't',
    });
    const bad = parseEvent(Buffer.from('not json {'), '6');
    assert.equal(bad.kind === 'change' && bad.row.op, null);
    assert.equal(bad.kind === 'change' && bad.row.after, 'not json {');
  });
});

describe('NATS JetStream', () => {
  let nc: NatsConnection;
  const stream = `assay_${id}`;
  const config = {
    transport: { type: 'nats', servers: 'nats://127.0.0.1:4222', stream, consumer: `bronze_${id}` },
    connectTimeoutMs: 3000,
  };
  before(async () => {
    nc = await connect({ servers: 'nats://127.0.0.1:4222' });
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: stream, subjects: [`${stream}.>`] });
  });
  after(async () => {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(stream).catch(() => undefined);
    await nc.close();
  });

  test('c/u/d/r in order; acknowledged only after the commit; a crash redelivers without duplicates', async () => {
    const js = nc.jetstream();
    for (const [i, op] of ['r', 'c', 'u', 'd'].entries()) await js.publish(`${stream}.items`, event(op, i + 1));
    await js.publish(`${stream}.items`, new Uint8Array()); // tombstone
    const crashed = await read(config, undefined, true);
    assert.deepEqual(
      crashed.rows.map((r) => r.op),
      ['r', 'c', 'u', 'd'],
    );
    const again = await read(config, undefined);
    assert.deepEqual(
      again.rows.map((r) => r.op),
      ['r', 'c', 'u', 'd'],
      'nothing was acknowledged: redelivered',
    );
    await js.publish(`${stream}.items`, event('c', 9));
    const next = await read(config, again.state);
    assert.deepEqual(
      next.rows.map((r) => JSON.parse(String(r.after)).id),
      [9],
      'committed events are not read again',
    );
  });

  test('a missing stream and an unreachable server are diagnosed', async () => {
    const ctx = await createConnectorContext();
    const missing = await debeziumConnector.check(ctx, {
      ...config,
      transport: { ...config.transport, stream: `nope_${id}` },
    } as never);
    assert.equal(missing.code, 'NOT_FOUND');
    const refused = await debeziumConnector.check(ctx, {
      ...config,
      transport: { ...config.transport, servers: 'nats://127.0.0.1:4299' },
    } as never);
    assert.equal(refused.ok, false);
    assert.match(String(refused.code), /CONNECTION_REFUSED|CONNECTION_FAILED/);
    await ctx.dispose();
  });
});

describe('RabbitMQ', () => {
  const queue = `assay_${id}`;
  const config = {
    transport: {
      type: 'rabbitmq',
      host: '127.0.0.1',
      port: 5672,
      vhost: '/',
      username: 'guest',
      password: 'guest',
      queue,
    },
    connectTimeoutMs: 3000,
  };
  let connection: amqp.ChannelModel;
  before(async () => {
    connection = await amqp.connect('amqp://guest:guest@127.0.0.1:5672');
    const channel = await connection.createChannel();
    await channel.assertQueue(queue, { durable: false, autoDelete: false });
    for (const [i, op] of ['c', 'u'].entries()) channel.sendToQueue(queue, Buffer.from(event(op, i + 1)));
    await channel.close();
  });
  after(async () => {
    const channel = await connection.createChannel();
    await channel.deleteQueue(queue);
    await connection.close();
  });

  test('consumed with manual acks: a crash requeues, a commit acknowledges', async () => {
    const crashed = await read(config, undefined, true);
    assert.deepEqual(
      crashed.rows.map((r) => r.op),
      ['c', 'u'],
    );
    const committed = await read(config, undefined);
    assert.deepEqual(
      committed.rows.map((r) => r.op),
      ['c', 'u'],
    );
    const empty = await read(config, committed.state);
    assert.equal(empty.rows.length, 0);
    const ctx = await createConnectorContext();
    const wrong = await debeziumConnector.check(ctx, {
      ...config,
      transport: { ...config.transport, password: 'wrong' },
    } as never);
    assert.equal(wrong.code, 'AUTH_FAILED', wrong.message);
    await ctx.dispose();
  });
});

describe('files (HTTP POST through uploads)', () => {
  test('each uploaded file once, into a Bronze change log', async () => {
    const uploads = await mkdtemp(join(tmpdir(), 'assay-dbz-'));
    await writeFile(join(uploads, 'a.ndjson'), `${event('c', 1)}\n${event('u', 1)}\n`);
    const platform = await startCoreTestPlatform({ plugins: [debeziumPlugin], worker: false });
    try {
      await platform.createWorkspace('dbz');
      const created = await platform.inject({
        method: 'POST',
        url: '/api/v1/workspaces/dbz/connections',
        payload: { name: 'events', type: 'debezium', config: { transport: { type: 'files' } } },
      });
      assert.equal(created.statusCode, 201, created.body);
      const boundary = 'x-boundary';
      const upload = await platform.inject({
        method: 'POST',
        url: `/api/v1/workspaces/dbz/connections/events/uploads`,
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
        payload: `--${boundary}\r\nContent-Disposition: form-data; name="f"; filename="batch-1.ndjson"\r\n\r\n${event('c', 1)}\n${event('d', 1)}\nnot json\n\r\n--${boundary}--\r\n`,
      });
      assert.equal(upload.statusCode, 201, upload.body);
      const load = async () =>
        (
          await platform.inject({
            method: 'POST',
            url: '/api/v1/workspaces/dbz/ingest',
            payload: { connection: 'events', stream: 'changes', dataset: 'bronze.item_changes', wait: true },
          })
        ).json();
      const first = await load();
      assert.equal(first.rowsWritten, 3, JSON.stringify(first));
      const second = await load();
      assert.equal(second.rowsRead, 0);
      const log = await queryDataset(
        platform,
        'dbz',
        'bronze.item_changes',
        'SELECT op FROM t ORDER BY source_position',
      );
      assert.deepEqual(
        log.map((r) => r.op),
        ['c', 'd', null],
      );
    } finally {
      await platform.close();
      await rm(uploads, { recursive: true, force: true });
    }
  });
});

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ConnectorState, ReadItem } from '@assay/sdk';
import { createConnectorContext, itemRows, queryDataset, startTestPlatform } from '@assay/sdk/testing';
import amqp from 'amqplib';
import { connect, type JetStreamManager, type NatsConnection } from 'nats';
import debeziumPlugin, { debeziumConnector, parseEvent } from './index.ts';

const id = randomBytes(4).toString('hex');
const event = (op: string, n: number, extra: object = {}) =>
  JSON.stringify({
    before: op === 'c' || op === 'r' ? null : { id: n, v: n - 1 },
    after: op === 'd' ? null : { id: n, v: n },
    source: { db: 'shop', schema: 'public', table: 'items', lsn: 1000 + n, txId: 7, ts_ms: 1_700_000_000_000 + n },
    op,
    ts_ms: 1_700_000_000_500,
    ...extra,
  });

/**
 * Reads once. With `stopAtState` the read stops at the state item: `whileHeld` runs there (the rows are not yet
 * committed), then the read is abandoned without being resumed — the process died before or right after the commit.
 */
async function read(
  config: object,
  state?: ConnectorState,
  options: { stopAtState?: boolean; whileHeld?: () => Promise<void>; uploadsDir?: string; maxEvents?: number } = {},
) {
  const ctx = await createConnectorContext(options.uploadsDir === undefined ? {} : { uploadsDir: options.uploadsDir });
  try {
    const items: ReadItem[] = [];
    let next: ConnectorState | undefined;
    const streamRequest = { name: 'changes', config: { idleMs: 300, maxEvents: options.maxEvents ?? 1000 } };
    const reading = debeziumConnector.read(ctx, config as never, streamRequest, state);
    const iterator = reading[Symbol.asyncIterator]();
    for (;;) {
      const step = await iterator.next();
      if (step.done === true) break;
      items.push(step.value);
      if (step.value.kind === 'state') {
        next = step.value.state;
        await options.whileHeld?.();
        if (options.stopAtState === true) break;
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

const ids = (rows: Array<Record<string, unknown>>) =>
  rows.map((r) => (r.after === null ? JSON.parse(String(r.before)).id : JSON.parse(String(r.after)).id));

describe('events', () => {
  test('envelopes, wrappers, keys, positions, tombstones, other ops and malformed events', () => {
    const plain = parseEvent(Buffer.from(event('u', 1)), '00000000000000000042');
    assert.equal(plain.kind, 'change');
    if (plain.kind === 'change') {
      assert.equal(plain.row.op, 'u');
      assert.equal(plain.row.sourceTable, 'public.items');
      assert.equal(plain.row.sourcePosition, '00000000000003E9:00000000000000000042', 'the LSN as 16 hex digits');
      assert.equal(plain.row.eventTime, '2023-11-14T22:13:20.001Z');
      assert.equal(plain.row.txId, '7');
      assert.equal(plain.row.before, '{"id":1,"v":0}');
      assert.equal(plain.row.after, '{"id":1,"v":1}');
    }
    const wrapped = parseEvent(
      Buffer.from(
        JSON.stringify({
          key: { schema: {}, payload: { id: 5 } },
          value: { schema: {}, payload: JSON.parse(event('d', 5)) },
        }),
      ),
      '2',
    );
    assert.equal(wrapped.kind === 'change' && wrapped.row.key, '{"id":5}');
    assert.equal(wrapped.kind === 'change' && wrapped.row.after, null);
    const schemaWrapped = parseEvent(
      Buffer.from(JSON.stringify({ schema: {}, payload: JSON.parse(event('c', 6)) })),
      '3',
    );
    assert.equal(schemaWrapped.kind === 'change' && schemaWrapped.row.op, 'c');
    const binlog = parseEvent(
      Buffer.from(
        JSON.stringify({
          op: 'c',
          after: { id: 1 },
          source: { file: 'mysql-bin.000003', pos: 154, row: 0, db: 'shop', table: 't', gtid: 'abc:12' },
        }),
      ),
      '3',
    );
    assert.equal(
      binlog.kind === 'change' && binlog.row.sourcePosition,
      'mysql-bin.000003:00000000000000000154:000000:3',
    );
    assert.equal(binlog.kind === 'change' && binlog.row.sourceTable, 'shop.t');
    assert.equal(binlog.kind === 'change' && binlog.row.txId, 'abc:12');
    assert.deepEqual(parseEvent(null, '4'), { kind: 'tombstone' });
    assert.deepEqual(parseEvent(Buffer.from('null'), '4'), { kind: 'tombstone' });
    assert.deepEqual(parseEvent(Buffer.from(JSON.stringify({ key: { id: 1 }, value: null })), '4'), {
      kind: 'tombstone',
    });
    assert.deepEqual(parseEvent(Buffer.from(JSON.stringify({ op: 't', source: {} })), '5'), {
      kind: 'skipped',
      op: 't',
    });
    for (const text of ['not json {', '{"after":{"id":1}}', '[1,2]']) {
      const bad = parseEvent(Buffer.from(text), '6');
      assert.equal(bad.kind === 'change' && bad.row.op, null, text);
      assert.equal(bad.kind === 'change' && bad.row.after, text, 'the raw text is kept');
    }
  });
});

describe('NATS JetStream', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const stream = `assay_${id}`;
  const config = (consumer: string, subject = `${stream}.>`) => ({
    transport: {
      type: 'nats',
      servers: 'nats://127.0.0.1:4222',
      stream,
      consumer,
      filterSubject: subject,
      ackWaitMs: 60_000,
    },
    connectTimeoutMs: 3000,
  });
  before(async () => {
    nc = await connect({ servers: 'nats://127.0.0.1:4222' });
    jsm = await nc.jetstreamManager(); // fails here when the server runs without JetStream
    await jsm.streams.add({ name: stream, subjects: [`${stream}.>`] });
  });
  after(async () => {
    await jsm.streams.delete(stream).catch(() => undefined);
    await nc.close();
  });

  test('c/u/d/r, tombstones and malformed events; acknowledged only after the commit', async () => {
    const js = nc.jetstream();
    const subject = `${stream}.a`;
    for (const [i, op] of ['r', 'c', 'u', 'd'].entries()) await js.publish(subject, event(op, i + 1));
    await js.publish(subject, new Uint8Array()); // tombstone
    await js.publish(subject, 'oops, not json');
    const cfg = config(`a_${id}`, subject);
    let pendingAtState = -1;
    const crashed = await read(cfg, undefined, {
      stopAtState: true,
      whileHeld: async () => {
        pendingAtState = (await jsm.consumers.info(stream, `a_${id}`)).num_ack_pending;
      },
    });
    assert.equal(pendingAtState, 6, 'nothing is acknowledged before the commit');
    assert.deepEqual(
      crashed.rows.map((r) => r.op),
      ['r', 'c', 'u', 'd', null],
    );
    assert.equal(crashed.rows[4]!.after, 'oops, not json');
    const again = await read(cfg, undefined);
    assert.deepEqual(
      again.rows.map((r) => r.op),
      ['r', 'c', 'u', 'd', null],
      'not committed: delivered again, nothing lost',
    );
    const info = await jsm.consumers.info(stream, `a_${id}`);
    assert.equal(info.num_ack_pending, 0, 'acknowledged once resumed after the state');
    assert.equal(info.ack_floor.stream_seq, 6);
    assert.equal((await read(cfg, again.state)).rows.length, 0);
  });

  test('committed but not acknowledged: redelivered messages are recognised, not duplicated', async () => {
    const js = nc.jetstream();
    const subject = `${stream}.b`;
    for (let n = 1; n <= 3; n++) await js.publish(subject, event('c', n));
    const cfg = config(`b_${id}`, subject);
    // The state is committed, then the process dies before acking: the messages come back.
    const committed = await read(cfg, undefined, { stopAtState: true });
    assert.deepEqual(ids(committed.rows), [1, 2, 3]);
    await js.publish(subject, event('c', 4));
    const next = await read(cfg, committed.state);
    assert.deepEqual(ids(next.rows), [4], 'redelivered 1-3 skipped, 4 read');
    const info = await jsm.consumers.info(stream, `b_${id}`);
    assert.equal(info.num_ack_pending, 0, 'the duplicates were acknowledged too');
    const last = await read(cfg, next.state);
    assert.equal(last.rows.length, 0);
    assert.deepEqual(last.state, { committed: [] }, 'ranges at or below the ack floor are forgotten');
  });

  test('check: a missing stream and an unreachable server are diagnosed', async () => {
    const ctx = await createConnectorContext();
    try {
      const ok = await debeziumConnector.check(ctx, config('c') as never);
      assert.equal(ok.ok, true, ok.message);
      const missing = await debeziumConnector.check(ctx, {
        ...config('c'),
        transport: { ...config('c').transport, stream: `nope_${id}` },
      } as never);
      assert.equal(missing.code, 'NOT_FOUND', missing.message);
      assert.match(missing.message, new RegExp(`nope_${id}`));
      const refused = await debeziumConnector.check(ctx, {
        ...config('c'),
        transport: { ...config('c').transport, servers: 'nats://127.0.0.1:4299' },
      } as never);
      assert.equal(refused.code, 'CONNECTION_REFUSED', refused.message);
    } finally {
      await ctx.dispose();
    }
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
  let channel: amqp.Channel;
  before(async () => {
    connection = await amqp.connect('amqp://guest:guest@127.0.0.1:5672');
    channel = await connection.createChannel();
    await channel.assertQueue(queue, { durable: false, autoDelete: false });
  });
  after(async () => {
    await channel.deleteQueue(queue);
    await connection.close();
  });
  const publish = async (...bodies: string[]) => {
    for (const body of bodies) channel.sendToQueue(queue, Buffer.from(body));
    await new Promise((resolve) => setTimeout(resolve, 100));
  };

  test('manual acks after the commit; a crash before it redelivers, one after it does not duplicate', async () => {
    await publish(event('c', 1), event('u', 1), '', event('d', 1));
    let held: { messageCount: number } | undefined;
    const crashed = await read(config, undefined, {
      stopAtState: true,
      whileHeld: async () => {
        held = await channel.checkQueue(queue);
      },
    });
    assert.equal(held?.messageCount, 0, 'all delivered, none acknowledged yet');
    assert.deepEqual(
      crashed.rows.map((r) => r.op),
      ['c', 'u', 'd'],
    );
    // Not committed: requeued. This time committed, but the process dies before acking.
    const committed = await read(config, undefined, { stopAtState: true });
    assert.deepEqual(
      committed.rows.map((r) => r.op),
      ['c', 'u', 'd'],
    );
    await publish(event('c', 2));
    const next = await read(config, committed.state);
    assert.deepEqual(ids(next.rows), [2], 'the redelivered, committed events are skipped');
    assert.equal((await channel.checkQueue(queue)).messageCount, 0, 'and acknowledged');
    assert.equal((await read(config, next.state)).rows.length, 0);
  });

  test('check: wrong credentials, a missing queue and a refused connection', async () => {
    const ctx = await createConnectorContext();
    try {
      const ok = await debeziumConnector.check(ctx, config as never);
      assert.equal(ok.ok, true, ok.message);
      const wrong = await debeziumConnector.check(ctx, {
        ...config,
        transport: { ...config.transport, password: 'wrong' },
      } as never);
      assert.equal(wrong.code, 'AUTH_FAILED', wrong.message);
      assert.doesNotMatch(wrong.message, /wrong/);
      const missing = await debeziumConnector.check(ctx, {
        ...config,
        transport: { ...config.transport, queue: `nope_${id}` },
      } as never);
      assert.equal(missing.code, 'NOT_FOUND', missing.message);
      const refused = await debeziumConnector.check(ctx, {
        ...config,
        transport: { ...config.transport, port: 5699 },
      } as never);
      assert.equal(refused.code, 'CONNECTION_REFUSED', refused.message);
    } finally {
      await ctx.dispose();
    }
  });
});

describe('files', () => {
  test('uploaded NDJSON files in name order, each once; maxEvents stops inside a file and resumes there', async () => {
    const uploads = await mkdtemp(join(tmpdir(), 'assay-dbz-'));
    try {
      await writeFile(join(uploads, 'a.ndjson'), `${event('r', 1)}\n${event('c', 2)}\n\n${event('u', 2)}\n`);
      await writeFile(join(uploads, 'b.ndjson'), `${event('d', 2)}\nnull\n`);
      await writeFile(join(uploads, 'notes.txt'), 'ignored');
      const cfg = { transport: { type: 'files' }, connectTimeoutMs: 1000 };
      const first = await read(cfg, undefined, { uploadsDir: uploads, maxEvents: 2 });
      assert.deepEqual(
        first.rows.map((r) => r.op),
        ['r', 'c'],
      );
      assert.deepEqual(first.state, { files: [], partial: { name: 'a.ndjson', lines: 2 } });
      const second = await read(cfg, first.state, { uploadsDir: uploads });
      assert.deepEqual(
        second.rows.map((r) => r.op),
        ['u', 'd'],
      );
      assert.deepEqual(second.state, { files: ['a.ndjson', 'b.ndjson'] });
      const positions = [...first.rows, ...second.rows].map((r) => String(r.source_position));
      assert.deepEqual([...positions].sort(), positions);
      assert.equal((await read(cfg, second.state, { uploadsDir: uploads })).rows.length, 0);
    } finally {
      await rm(uploads, { recursive: true, force: true });
    }
  });

  test('events POSTed to the connection uploads land in a Bronze change log, malformed ones with op NULL', async () => {
    const platform = await startTestPlatform({ plugins: [debeziumPlugin], worker: false });
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
        'SELECT op, typeof(event_time) AS t, after FROM t ORDER BY source_position',
      );
      assert.deepEqual(
        log.map((r) => [r.op, r.t]),
        [
          ['c', 'TIMESTAMP WITH TIME ZONE'],
          ['d', 'TIMESTAMP WITH TIME ZONE'],
          [null, 'TIMESTAMP WITH TIME ZONE'],
        ],
      );
      assert.equal(log[2]!.after, 'not json');
    } finally {
      await platform.close();
    }
  });
});

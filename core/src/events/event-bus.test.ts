import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConflictError, defineEvent, InputError, OperationalError, Type, type EventMeta } from '@assay/sdk';
import type { Knex } from 'knex';
import pg from 'pg';
import { Registry } from 'prom-client';
import { createDatabase } from '../database/database.ts';
import { runMigrations } from '../database/migrations.ts';
import { createQueueService, type CoreQueue } from '../queue/queue-service.ts';
import { testLogger, waitUntil } from '../queue/queue-test-kit.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.ts';
import { createEventBus, type CoreEventBus } from './event-bus.ts';

const runSchema = Type.Object({ run: Type.String(), note: Type.Optional(Type.String()) });

interface Process {
  queue: CoreQueue;
  db: Knex;
  bus: CoreEventBus;
}

describe('event bus', () => {
  let database: TestDatabase;
  let a: Process;
  let b: Process;

  async function startProcess(): Promise<Process> {
    const logger = testLogger();
    const db = createDatabase(database.url, { min: 0, max: 4 });
    const queue = createQueueService({
      connectionString: database.url,
      logger,
      metrics: new Registry(),
      works: true,
      backstopPollSeconds: 0.5,
    });
    await queue.start();
    const bus = createEventBus({
      queue,
      db,
      connectionString: database.url,
      logger,
      deliveryPolicy: { retryLimit: 2, retryDelaySeconds: 0, retryBackoff: false },
    });
    await bus.start();
    return { queue, db, bus };
  }

  async function stopProcess(process: Process | undefined): Promise<void> {
    if (process === undefined) return;
    await process.queue.stop({ graceful: false, timeoutMs: 0 });
    await process.bus.stop();
    await process.db.destroy();
  }

  before(async () => {
    database = await createTestDatabase();
    const migrator = createDatabase(database.url);
    await runMigrations(migrator);
    await migrator.destroy();
    a = await startProcess();
    b = await startProcess();
  });

  after(async () => {
    await stopProcess(a);
    await stopProcess(b);
    await database?.drop();
  });

  it('handles each event once per durable subscription across two processes', async () => {
    const event = defineEvent({ topic: 'run.finished', schema: runSchema });
    const handled: string[] = [];
    const record = async (_payload: unknown, meta: EventMeta) => void handled.push(meta.id);
    await a.bus.subscribe(event, 'record-run', record);
    await b.bus.subscribe(event, 'record-run', record);

    const published = new Set<string>();
    for (let i = 0; i < 20; i++) published.add((await a.bus.publish(event, { run: `r${i}` })).id);
    await waitUntil('20 events are handled', () => handled.length >= 20);
    await new Promise((resolve) => setTimeout(resolve, 300)); // room for a duplicate to show up

    assert.equal(handled.length, 20);
    assert.deepEqual(new Set(handled), published);
    assert.deepEqual(a.bus.subscriptions(), [{ owner: 'core', topic: 'run.finished', name: 'core.record-run' }]);
  });

  it('broadcasts to listeners in every process, with payloads over the 8000-byte NOTIFY limit', async () => {
    const event = defineEvent({ topic: 'run.progressed', schema: runSchema });
    const note = 'x'.repeat(20_000);
    const seenByA: Array<{ run: string; note?: string; id: string }> = [];
    const seenByB: Array<{ run: string; note?: string; id: string }> = [];
    const stopA = a.bus.listen(event, (payload, meta) => void seenByA.push({ ...payload, id: meta.id }));
    const stopB = b.bus.listen(event, (payload, meta) => void seenByB.push({ ...payload, id: meta.id }));
    let subscribed: string | undefined;
    await b.bus.subscribe(event, 'keep-note', async (payload) => void (subscribed = payload.note));

    const meta = await a.bus.publish(event, { run: 'big', note });
    await waitUntil(
      'both processes and the subscriber see the event',
      () => seenByA.length === 1 && seenByB.length === 1 && subscribed !== undefined,
    );
    assert.deepEqual(seenByA, [{ run: 'big', note, id: meta.id }]);
    assert.deepEqual(seenByB, seenByA);
    assert.equal(subscribed, note);
    assert.equal(meta.topic, 'run.progressed');
    assert.ok(meta.publishedAt instanceof Date);
    stopA();
    stopB();
  });

  it('rejects an invalid payload with its JSON path and stores or delivers nothing', async () => {
    const event = defineEvent({ topic: 'run.rejected', schema: runSchema });
    let heard = 0;
    const stop = b.bus.listen(event, () => void heard++);
    const countRows = async () => Number((await a.db('core_events').count({ n: '*' }).first())?.n);
    const rowsBefore = await countRows();

    await assert.rejects(
      a.bus.publish(event, { run: 42 } as never),
      (error: unknown) =>
        error instanceof InputError &&
        error.code === 'EVENT_PAYLOAD_INVALID' &&
        error.details?.path === '/run' &&
        error.message.includes('/run') &&
        error.message.includes('run.rejected'),
    );
    assert.equal(await countRows(), rowsBefore);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(heard, 0);
    stop();
  });

  it('stops delivering to a listener once its stop function is called', async () => {
    const event = defineEvent({ topic: 'run.tick', schema: runSchema });
    const stopped: string[] = [];
    const kept: string[] = [];
    const stop = a.bus.listen(event, (payload) => void stopped.push(payload.run));
    a.bus.listen(event, (payload) => void kept.push(payload.run));

    await b.bus.publish(event, { run: 'first' });
    await waitUntil('both listeners hear the first event', () => stopped.length === 1 && kept.length === 1);
    stop();
    await b.bus.publish(event, { run: 'second' });
    await waitUntil('the remaining listener hears the second event', () => kept.length === 2);
    assert.deepEqual(stopped, ['first']);
    assert.deepEqual(kept, ['first', 'second']);
  });

  it('namespaces subscriptions by plugin, so equal names in two plugins each get the event', async () => {
    const event = defineEvent({ topic: 'dataset.committed', schema: runSchema });
    const got: string[] = [];
    await a.bus.forPlugin('alerts').subscribe(event, 'on-commit', async () => void got.push('alerts'));
    await a.bus.forPlugin('lineage').subscribe(event, 'on-commit', async () => void got.push('lineage'));

    await a.bus.publish(event, { run: 'c1' });
    await waitUntil('both plugins handle the event', () => got.length === 2);
    assert.deepEqual(got.sort(), ['alerts', 'lineage']);
    assert.deepEqual(
      a.bus.subscriptions().filter((s) => s.topic === 'dataset.committed'),
      [
        { owner: 'alerts', topic: 'dataset.committed', name: 'alerts.on-commit' },
        { owner: 'lineage', topic: 'dataset.committed', name: 'lineage.on-commit' },
      ],
    );
    await assert.rejects(
      a.bus.forPlugin('alerts').subscribe(event, 'on-commit', async () => undefined),
      (error: unknown) => error instanceof ConflictError && error.code === 'EVENT_SUBSCRIPTION_DUPLICATE',
    );
    assert.throws(
      () => a.bus.forPlugin('Not A Plugin'),
      (error: unknown) => error instanceof InputError,
    );
  });

  it('retries only the delivery whose handler failed', async () => {
    const event = defineEvent({ topic: 'run.retried', schema: runSchema });
    const attempts: string[] = [];
    await a.bus.subscribe(event, 'flaky', async ({ run }) => {
      attempts.push(run);
      // While r0 keeps the only worker busy, r1 to r3 pile up and are then fetched as one batch.
      if (run === 'r0') await new Promise((resolve) => setTimeout(resolve, 300));
      if (run === 'r2' && attempts.filter((r) => r === 'r2').length === 1) {
        throw new OperationalError('Slack answered 503', { code: 'ALERT_CHANNEL_UNAVAILABLE' });
      }
    });
    for (const run of ['r0', 'r1', 'r2', 'r3']) await a.bus.publish(event, { run });
    await waitUntil('r2 is handled again', () => attempts.filter((r) => r === 'r2').length === 2);
    await new Promise((resolve) => setTimeout(resolve, 700));
    assert.deepEqual(attempts, ['r0', 'r1', 'r2', 'r3', 'r2']);
  });

  it('keeps listening after its connection is dropped', async () => {
    const event = defineEvent({ topic: 'run.resumed', schema: runSchema });
    const heard: string[] = [];
    const stop = b.bus.listen(event, (payload) => void heard.push(payload.run));
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      const { rowCount } = await admin.query(
        `select pg_terminate_backend(pid) from pg_stat_activity
          where application_name = 'assay-events-listener' and datname = current_database()`,
      );
      assert.equal(rowCount, 2);
    } finally {
      await admin.end();
    }
    // Published while the listeners are reconnecting: caught up after the reconnect.
    await a.bus.publish(event, { run: 'during' });
    await waitUntil('the listener hears the event published during the outage', () => heard.includes('during'));
    await a.bus.publish(event, { run: 'after' });
    await waitUntil('the listener hears the next event', () => heard.includes('after'));
    assert.deepEqual(heard, ['during', 'after']);
    stop();
  });
});

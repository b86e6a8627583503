import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defineQueue, InputError, OperationalError, Type } from '@assay/sdk';
import type { Knex } from 'knex';
import { Registry } from 'prom-client';
import { createDatabase } from '../database/database.ts';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.ts';
import { createQueueService, type CoreQueue } from './queue-service.ts';
import { inspectJobs, testLogger, waitUntil, type JobInspector } from './queue-test-kit.ts';

const refreshQueue = defineQueue({ name: 'test.refresh', schema: Type.Object({ seq: Type.Integer() }) });

describe('queue service', () => {
  let database: TestDatabase;
  let inspector: JobInspector;
  let db: Knex;
  const started: CoreQueue[] = [];

  async function startQueue(works: boolean, metrics = new Registry()): Promise<CoreQueue> {
    const queue = createQueueService({ connectionString: database.url, logger: testLogger(), metrics, works });
    started.push(queue);
    await queue.start();
    return queue;
  }

  before(async () => {
    database = await createTestDatabase();
    // Installs the pg-boss schema before the inspector looks at it.
    await startQueue(false);
    inspector = await inspectJobs(database.url);
    db = createDatabase(database.url, { min: 0, max: 2 });
  });

  after(async () => {
    await Promise.all(started.map((queue) => queue.stop({ graceful: false, timeoutMs: 0 })));
    await inspector?.close();
    await db?.destroy();
    await database?.drop();
  });

  it('works each job exactly once across two processes on one database', async () => {
    const serveMetrics = new Registry();
    const serve = await startQueue(true, serveMetrics);
    const worker = await startQueue(true);
    const queue = defineQueue({ name: 'test.once', schema: Type.Object({ seq: Type.Integer() }) });
    const handled: string[] = [];
    await serve.work(queue, async (jobs) => void handled.push(...jobs.map((job) => job.id)));
    await worker.work(queue, async (jobs) => void handled.push(...jobs.map((job) => job.id)));

    const sent = new Set<string>();
    for (let seq = 0; seq < 50; seq++) {
      const id = await serve.send(queue, { seq });
      assert.ok(id !== null);
      sent.add(id);
    }
    await waitUntil('50 jobs are handled', () => handled.length >= 50);
    await new Promise((resolve) => setTimeout(resolve, 300)); // room for a duplicate to show up

    assert.equal(handled.length, 50);
    assert.deepEqual(new Set(handled), sent);
    await waitUntil('completions are counted', async () =>
      (await serveMetrics.metrics()).includes('assay_jobs_total{queue="test.once",outcome="completed"}'),
    );
  });

  it('never works jobs in a process started with works: false, and another process takes them', async () => {
    const noWorker = await startQueue(false);
    const queue = defineQueue({ name: 'test.no-worker', schema: Type.Object({ seq: Type.Integer() }) });
    let handledByNoWorker = 0;
    await noWorker.work(queue, async (jobs) => void (handledByNoWorker += jobs.length));
    for (let seq = 0; seq < 5; seq++) await noWorker.send(queue, { seq });
    await new Promise((resolve) => setTimeout(resolve, 700));
    assert.equal(handledByNoWorker, 0);

    const worker = await startQueue(true);
    let handledByWorker = 0;
    await worker.work(queue, async (jobs) => void (handledByWorker += jobs.length));
    await waitUntil('the worker takes the 5 waiting jobs', () => handledByWorker === 5);
    assert.equal(handledByNoWorker, 0);
  });

  it('rejects a payload that does not match the schema, naming the JSON path, and enqueues nothing', async () => {
    const sender = started[0]!;
    await sender.declare(refreshQueue);
    const jobsBefore = (await inspector.jobs(refreshQueue.name)).length;
    await assert.rejects(
      sender.send(refreshQueue, { seq: 'one' } as never),
      (error: unknown) =>
        error instanceof InputError &&
        error.code === 'QUEUE_PAYLOAD_INVALID' &&
        error.details?.path === '/seq' &&
        error.message.includes('/seq') &&
        error.message.includes('test.refresh'),
    );
    assert.equal((await inspector.jobs(refreshQueue.name)).length, jobsBefore);
  });

  it('suppresses a second send with the same singleton key while the first job waits', async () => {
    const sender = started[0]!;
    const first = await sender.send(refreshQueue, { seq: 1 }, { singletonKey: 'daily' });
    const second = await sender.send(refreshQueue, { seq: 2 }, { singletonKey: 'daily' });
    const other = await sender.send(refreshQueue, { seq: 3 }, { singletonKey: 'hourly' });
    assert.ok(first !== null && other !== null);
    assert.equal(second, null);
    assert.equal((await inspector.job(refreshQueue.name, first)).state, 'created');
  });

  it('exposes queue depth as a gauge on scrape', async () => {
    const metrics = new Registry();
    const sender = await startQueue(false, metrics);
    const queue = defineQueue({ name: 'test.depth', schema: Type.Object({ seq: Type.Integer() }) });
    await sender.send(queue, { seq: 1 });
    await sender.send(queue, { seq: 2 });
    const text = await metrics.metrics();
    assert.match(text, /^assay_queue_depth\{queue="test\.depth"\} 2$/m);
    assert.match(text, /^# TYPE assay_job_duration_seconds histogram$/m);
  });

  it('lets a handler still running during a graceful stop send, and refuses sends once it stopped', async () => {
    const service = await startQueue(true);
    const slow = defineQueue({ name: 'test.draining', schema: Type.Object({ seq: Type.Integer() }) });
    const next = defineQueue({ name: 'test.after-drain', schema: Type.Object({ seq: Type.Integer() }) });
    let finish!: () => void;
    const finishing = new Promise<void>((resolve) => (finish = resolve));
    let running = false;
    const sentByHandler: Array<string | null> = [];
    await service.work(slow, async () => {
      running = true;
      await finishing;
      // What a job finishing during a shutdown does: its follow-up work and its event go out.
      sentByHandler.push(await service.send(next, { seq: 1 }));
      sentByHandler.push(await db.transaction((trx) => service.sendInTransaction(next, { seq: 2 }, trx)));
    });
    const slowId = (await service.send(slow, { seq: 0 }))!;
    await waitUntil('the handler runs', () => running);

    const stopped = service.stop({ graceful: true, timeoutMs: 5000 });
    const notRunning = (state: string) => (error: unknown) =>
      error instanceof OperationalError && error.code === 'QUEUE_NOT_RUNNING' && error.message.includes(state);
    await assert.rejects(
      service.work(defineQueue({ name: 'test.late-worker', schema: Type.Object({}) }), async () => undefined),
      notRunning('stopping'),
    );
    finish();
    await stopped;

    assert.equal(sentByHandler.length, 2);
    assert.ok(sentByHandler.every((id) => id !== null));
    assert.equal((await inspector.job(slow.name, slowId)).state, 'completed');
    const waiting = await inspector.jobs(next.name);
    assert.deepEqual(waiting.map((job) => [job.state, (job.data as { seq: number }).seq]).sort(), [
      ['created', 1],
      ['created', 2],
    ]);

    await assert.rejects(service.send(next, { seq: 3 }), notRunning('stopped'));
    await assert.rejects(
      db.transaction((trx) => service.sendInTransaction(next, { seq: 4 }, trx)),
      notRunning('stopped'),
    );
    assert.equal((await inspector.jobs(next.name)).length, 2, 'nothing was sent after the stop');
  });
});

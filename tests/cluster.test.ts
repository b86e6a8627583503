import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { defineEvent, defineQueue, Type } from '@assay/sdk';
import { createTestDatabase, type TestDatabase } from '@assay/core/test-database';
import knex, { type Knex } from 'knex';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createEventBus, createQueueService, type CoreEventBus, type CoreQueue } from '@assay/core';
import { runAssay, tempHome, type AssayProcess } from './support/assay-process.ts';

// The same declarations the probe plugin makes (tests/fixtures/cluster-probe-plugin/index.js).
const probeQueue = defineQueue({ name: 'cluster-probe.work', schema: Type.Object({ n: Type.Integer() }) });
const probePing = defineEvent({ topic: 'cluster-probe.pinged', schema: Type.Object({ n: Type.Integer() }) });

const JOBS = 60;
const EVENTS = 3;

describe('assay serve and assay worker on one PostgreSQL', () => {
  let database: TestDatabase;
  let db: Knex;
  let serve: AssayProcess;
  let worker: AssayProcess;
  let queue: CoreQueue;
  let events: CoreEventBus;
  let metricsUrl: string;

  before(async () => {
    database = await createTestDatabase();
    const env = {
      DATABASE_URL: database.url,
      ASSAY_HOME: await tempHome(),
      ASSAY_PLUGINS: join(import.meta.dirname, 'fixtures', 'cluster-probe-plugin'),
      PORT: '0',
      LOG_LEVEL: 'info',
    };
    // serve first: it applies the plugin's migrations; the worker then finds them done.
    serve = runAssay(['serve'], env);
    await serve.waitForLog((line) => line.msg === 'Assay is listening', 90_000);
    worker = runAssay(['worker', '--metrics-port', '0'], { ...env, HOST: '127.0.0.1' });
    await worker.waitForLog((line) => line.msg === 'platform started', 90_000);
    metricsUrl = String((await worker.waitForLog((line) => line.msg === 'worker metrics are served', 30_000)).address);

    db = knex({ client: 'pg', connection: database.url });
    const logger = pino({ level: 'silent' });
    queue = createQueueService({ connectionString: database.url, logger, metrics: new Registry(), works: false });
    await queue.start();
    events = createEventBus({ queue, db, connectionString: database.url, logger });
    await events.start();
  });

  after(async () => {
    await events?.stop();
    await queue?.stop({ graceful: true, timeoutMs: 5000 });
    const codes = await Promise.all([serve?.stop(), worker?.stop()]);
    await db?.destroy();
    await database?.drop();
    assert.deepEqual(codes, [0, 0], 'both processes exit cleanly on SIGTERM');
  });

  test('a job sent to a queue is worked exactly once across both processes', async () => {
    for (let n = 0; n < JOBS; n++) await queue.send(probeQueue, { n });
    const rows = await poll(async () => {
      const found = await db('cluster_probe_jobs').select('job_id', 'n', 'pid');
      return found.length >= JOBS ? found : undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, 1000)); // a duplicate delivery would land in this window
    const final = (await db('cluster_probe_jobs').select('n')) as Array<{ n: number }>;
    assert.equal(final.length, JOBS, 'no job worked twice');
    assert.deepEqual(
      final.map((row) => row.n).sort((a, b) => a - b),
      [...Array(JOBS).keys()],
    );
    const pids = new Set(rows.map((row: { pid: number }) => row.pid));
    assert.ok(pids.size >= 1 && pids.size <= 2);
  });

  test('the worker serves its own metrics and health on --metrics-port', async () => {
    const metrics = await fetch(metricsUrl);
    assert.equal(metrics.status, 200);
    assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await metrics.text();
    assert.match(text, /^process_cpu_user_seconds_total /m, 'the default process metrics');
    assert.match(text, /^# TYPE assay_\w+/m, "Assay's own metrics");
    const health = await fetch(metricsUrl.replace(/\/metrics$/, '/healthz'));
    assert.deepEqual(await health.json(), { status: 'ok' });
    assert.equal((await fetch(metricsUrl.replace(/\/metrics$/, '/api/v1/me'))).status, 404, 'nothing else');
  });

  test('both processes receive every event published on the bus', async () => {
    const serverPid = serve.child.pid;
    const workerPid = worker.child.pid;
    for (let n = 0; n < EVENTS; n++) await events.publish(probePing, { n });
    const rows = (await poll(async () => {
      const found = await db('cluster_probe_events').select('n', 'pid');
      return found.length >= EVENTS * 2 ? found : undefined;
    })) as Array<{ n: number; pid: number }>;
    for (let n = 0; n < EVENTS; n++) {
      const heardBy = rows
        .filter((row) => row.n === n)
        .map((row) => row.pid)
        .sort();
      assert.deepEqual(heardBy, [serverPid, workerPid].sort(), `event ${n} heard once by each process`);
    }
  });
});

async function poll<T>(probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

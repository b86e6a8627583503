import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defineQueue, OperationalError, Type, UserError } from '@assay/sdk';
import { Registry } from 'prom-client';
import { createTestDatabase, type TestDatabase } from '../testing/test-database.ts';
import { createQueueService, type CoreQueue } from './queue-service.ts';
import { inspectJobs, testLogger, waitUntil, type JobInspector } from './queue-test-kit.ts';

const quickRetries = { retryLimit: 2, retryDelaySeconds: 0, retryBackoff: false };
const schema = Type.Object({ dataset: Type.String() });

describe('job failures and shutdown', () => {
  let database: TestDatabase;
  let inspector: JobInspector;
  const started: CoreQueue[] = [];

  async function startQueue(): Promise<CoreQueue> {
    const queue = createQueueService({
      connectionString: database.url,
      logger: testLogger(),
      metrics: new Registry(),
      works: true,
      backstopPollSeconds: 0.5,
    });
    started.push(queue);
    await queue.start();
    return queue;
  }

  before(async () => {
    database = await createTestDatabase();
    await startQueue();
    inspector = await inspectJobs(database.url);
  });

  after(async () => {
    await Promise.all(started.map((queue) => queue.stop({ graceful: false, timeoutMs: 0 })));
    await inspector?.close();
    await database?.drop();
  });

  it('retries a job whose handler throws an operational error, up to the retry limit', async () => {
    const queue = defineQueue({ name: 'test.flaky', schema, policy: quickRetries });
    const attempts: number[] = [];
    await started[0]!.work(queue, async ([job]) => {
      attempts.push(job!.retryCount);
      throw new OperationalError('S3 answered 503 SlowDown', { code: 'STORAGE_UNAVAILABLE' });
    });
    const id = (await started[0]!.send(queue, { dataset: 'bronze.sales' }))!;

    await waitUntil(
      'the job has failed for good',
      async () => (await inspector.job(queue.name, id)).state === 'failed',
    );
    const job = await inspector.job(queue.name, id);
    assert.deepEqual(attempts, [0, 1, 2]);
    assert.equal(job.retryCount, 2);
    assert.deepEqual(pick(job.output), {
      name: 'OperationalError',
      code: 'STORAGE_UNAVAILABLE',
      message: 'S3 answered 503 SlowDown',
      errorClass: 'operational',
    });
  });

  it('fails a job whose handler throws a UserError at once, without retries', async () => {
    const queue = defineQueue({ name: 'test.bad-data', schema, policy: quickRetries });
    let attempts = 0;
    await started[0]!.work(queue, async () => {
      attempts++;
      throw new UserError('Column "order_id" is missing from bronze.sales', { code: 'COLUMN_MISSING' });
    });
    const id = (await started[0]!.send(queue, { dataset: 'bronze.sales' }))!;

    await waitUntil('the job has failed', async () => (await inspector.job(queue.name, id)).state === 'failed');
    await new Promise((resolve) => setTimeout(resolve, 1200)); // two backstop polls: time for a wrong retry
    const job = await inspector.job(queue.name, id);
    assert.equal(attempts, 1);
    assert.equal(job.state, 'failed');
    assert.equal(job.retryCount, 0);
    assert.deepEqual(pick(job.output), {
      name: 'UserError',
      code: 'COLUMN_MISSING',
      message: 'Column "order_id" is missing from bronze.sales',
      errorClass: 'user',
    });
  });

  it('waits on a graceful stop for the handler in flight, which then completes its job', async () => {
    const queue = defineQueue({ name: 'test.slow', schema });
    const service = await startQueue();
    let running = false;
    let finished = false;
    await service.work(queue, async () => {
      running = true;
      await new Promise((resolve) => setTimeout(resolve, 800));
      finished = true;
    });
    const id = (await service.send(queue, { dataset: 'silver.customers' }))!;
    await waitUntil('the handler runs', () => running);

    await service.stop({ graceful: true, timeoutMs: 5000 });
    assert.equal(finished, true);
    assert.equal((await inspector.job(queue.name, id)).state, 'completed');
  });

  it('aborts the signal after the graceful timeout and releases the job for a retry', async () => {
    const queue = defineQueue({ name: 'test.stuck', schema, policy: quickRetries });
    const service = await startQueue();
    let signal: AbortSignal | undefined;
    await service.work(queue, ([job]) => {
      signal = job!.signal;
      return new Promise((_resolve, reject) => signal!.addEventListener('abort', () => reject(new Error('aborted'))));
    });
    const id = (await service.send(queue, { dataset: 'gold.revenue' }))!;
    await waitUntil('the handler runs', () => signal !== undefined);

    const stopping = Date.now();
    await service.stop({ graceful: true, timeoutMs: 1000 });
    assert.ok(Date.now() - stopping >= 900, 'stop waited for the timeout');
    assert.equal(signal!.aborted, true);
    const job = await inspector.job(queue.name, id);
    assert.equal(job.state, 'retry');
    await started[0]!.work(queue, async () => undefined);
    await waitUntil(
      'another process completes the released job',
      async () => (await inspector.job(queue.name, id)).state === 'completed',
    );
  });
});

function pick(output: unknown): Record<string, unknown> {
  const { name, code, message, errorClass } = output as Record<string, unknown>;
  return { name, code, message, errorClass };
}

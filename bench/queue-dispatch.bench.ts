// Enqueue-to-start latency and throughput of 1,000 no-op jobs through the core queue service (LISTEN/NOTIFY
// wake-ups, batched fetches), against a baseline of the same jobs through raw pg-boss that only polls at its default
// 2 s interval. The baseline keeps the same batch size and burst-on-full-batch fetching: without them a 2 s poll
// of five jobs would need minutes for 1,000 jobs, and the comparison would only measure the batch size.
import { defineQueue, Type } from '@assay/sdk';
import { PgBoss } from 'pg-boss';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createQueueService } from '../core/src/queue/queue-service.ts';
import { createTestDatabase } from '../core/src/testing/test-database.ts';
import { printFigure } from './bench-figure.ts';

const JOBS = 1000;
const WARM_UP_JOBS = 20;
const BATCH_SIZE = 5;
const ROUND_TIMEOUT_MS = 25_000;
const QUEUE = 'bench.noop';

/** A way to send jobs and have their send times reported as their handlers start. */
interface Dispatcher {
  work(onStart: (sentAt: readonly number[]) => void): Promise<void>;
  send(sentAt: number): Promise<void>;
  stop(): Promise<void>;
}

interface Measurement {
  p50: number;
  p95: number;
  throughput: number;
}

async function coreService(connectionString: string): Promise<Dispatcher> {
  const queue = createQueueService({
    connectionString,
    logger: pino({ level: 'warn' }, pino.destination(2)),
    metrics: new Registry(),
    works: true,
  });
  const ref = defineQueue({ name: QUEUE, schema: Type.Object({ sentAt: Type.Number() }) });
  await queue.start();
  await queue.declare(ref);
  return {
    work: (onStart) =>
      queue.work(ref, async (jobs) => onStart(jobs.map((job) => job.data.sentAt)), { batchSize: BATCH_SIZE }),
    send: async (sentAt) => void (await queue.send(ref, { sentAt })),
    stop: () => queue.stop({ graceful: true, timeoutMs: 5000 }),
  };
}

async function rawPgBoss(connectionString: string): Promise<Dispatcher> {
  const boss = new PgBoss({ connectionString });
  boss.on('error', (error) => console.error('baseline pg-boss error', error));
  await boss.start();
  await boss.createQueue(QUEUE);
  return {
    work: async (onStart) => {
      await boss.work<{ sentAt: number }>(QUEUE, { batchSize: BATCH_SIZE, burstWhenBatchFull: true }, async (jobs) =>
        onStart(jobs.map((job) => job.data.sentAt)),
      );
    },
    send: async (sentAt) => void (await boss.send(QUEUE, { sentAt })),
    stop: () => boss.stop({ graceful: true, timeout: 5000 }),
  };
}

async function measure(label: string, open: (url: string) => Promise<Dispatcher>): Promise<Measurement> {
  const database = await createTestDatabase();
  const dispatcher = await open(database.url);
  try {
    const starts = createStartCollector();
    await dispatcher.work((sentAt) => starts.record(sentAt));
    await sendAndWait(dispatcher, starts, WARM_UP_JOBS);
    const begin = performance.now();
    const latencies = await sendAndWait(dispatcher, starts, JOBS);
    const seconds = (performance.now() - begin) / 1000;
    const result = { p50: percentile(latencies, 0.5), p95: percentile(latencies, 0.95), throughput: JOBS / seconds };
    console.error(`queue-dispatch ${label}: ${JSON.stringify(result)}`);
    return result;
  } finally {
    await dispatcher.stop();
    await database.drop();
  }
}

/** Collects enqueue-to-start latencies of one round of jobs at a time. */
function createStartCollector() {
  let latencies: number[] = [];
  let wanted = 0;
  let reached: () => void = () => undefined;
  return {
    record(sentAt: readonly number[]): void {
      const now = performance.now();
      for (const at of sentAt) latencies.push(now - at);
      if (latencies.length >= wanted) reached();
    },
    /** Starts a round of `count` jobs; resolves with their latencies, ascending, once all have started. */
    expect(count: number): Promise<number[]> {
      latencies = [];
      wanted = count;
      return new Promise((resolve, reject) => {
        const timeout = setTimeout(
          () => reject(new Error(`${count} jobs did not all start within ${ROUND_TIMEOUT_MS} ms`)),
          ROUND_TIMEOUT_MS,
        );
        reached = () => {
          clearTimeout(timeout);
          resolve([...latencies].sort((x, y) => x - y));
        };
      });
    },
  };
}

/** Sends `count` jobs one after another, each stamped with its send time; resolves once all have started. */
async function sendAndWait(
  dispatcher: Dispatcher,
  starts: ReturnType<typeof createStartCollector>,
  count: number,
): Promise<number[]> {
  const allStarted = starts.expect(count);
  for (let i = 0; i < count; i++) await dispatcher.send(performance.now());
  return allStarted;
}

/** Nearest-rank percentile of ascending `sorted`. */
function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

const core = await measure('core service', coreService);
const baseline = await measure('raw pg-boss, polling', rawPgBoss);
const bench = 'queue-dispatch';
printFigure({ bench, metric: 'latency_p50', value: core.p50, unit: 'ms', baseline: baseline.p50 });
printFigure({ bench, metric: 'latency_p95', value: core.p95, unit: 'ms', baseline: baseline.p95 });
printFigure({ bench, metric: 'throughput', value: core.throughput, unit: 'jobs/s', baseline: baseline.throughput });

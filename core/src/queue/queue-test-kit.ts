import type { Logger } from '@assay/sdk';
import { PgBoss, type JobWithMetadata } from 'pg-boss';
import { pino } from 'pino';
import { QUEUE_SCHEMA } from './queue-service.ts';

/** A logger for tests: silent unless `TEST_LOG_LEVEL` asks for output. */
export function testLogger(): Logger {
  return pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
}

/** Polls `condition` every 25 ms until it holds; fails with `what` after `timeoutMs`. */
export async function waitUntil(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Reads job rows through pg-boss's own API, without working or maintaining anything. */
export interface JobInspector {
  job(queue: string, id: string): Promise<JobWithMetadata<unknown>>;
  /** Every job the queue still keeps, in any state. */
  jobs(queue: string): Promise<Array<JobWithMetadata<unknown>>>;
  close(): Promise<void>;
}

/** Starts a read-only pg-boss client on the queue schema of `connectionString`. */
export async function inspectJobs(connectionString: string): Promise<JobInspector> {
  const boss = new PgBoss({ connectionString, schema: QUEUE_SCHEMA, supervise: false, schedule: false, max: 2 });
  boss.on('error', (error) => console.error('pg-boss inspector error', error));
  await boss.start();
  return {
    async job(queue, id) {
      const [job] = await boss.findJobs<unknown>(queue, { id });
      if (job === undefined) throw new Error(`Job ${id} is not in queue ${queue}`);
      return job;
    },
    jobs: (queue) => boss.findJobs<unknown>(queue),
    close: () => boss.stop({ graceful: false, close: true }),
  };
}

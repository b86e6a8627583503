import type { ErrorClass, Logger } from '@assay/sdk';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** How a job attempt ended: completed, or failed with an error of the given class. */
export type JobOutcome = 'completed' | `${ErrorClass}_error`;

/** Job counters and timings on a Prometheus registry. */
export interface JobMetrics {
  /** Records `count` jobs of `queue` that ended with `outcome` after `seconds` of handling. */
  record(queue: string, outcome: JobOutcome, seconds: number, count: number): void;
}

/**
 * Registers `assay_queue_depth{queue}` (read through `depths` on every scrape), `assay_job_duration_seconds` and
 * `assay_jobs_total` (both by `queue` and `outcome`) on `registry`.
 */
export function createJobMetrics(
  registry: Registry,
  depths: () => Promise<Record<string, number>>,
  logger: Logger,
): JobMetrics {
  new Gauge({
    name: 'assay_queue_depth',
    help: 'Jobs waiting in each queue (created or awaiting retry), from pg-boss queue stats',
    labelNames: ['queue'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      let current: Record<string, number>;
      try {
        current = await depths();
      } catch (error) {
        // Failing the scrape would hide every other metric exactly when the database struggles; the missing
        // series is the signal.
        logger.warn({ err: error }, 'Queue depths could not be read for /metrics; assay_queue_depth is left empty');
        return;
      }
      for (const [queue, depth] of Object.entries(current)) this.set({ queue }, depth);
    },
  });
  const duration = new Histogram({
    name: 'assay_job_duration_seconds',
    help: 'Time a handler spent on a job attempt, by queue and outcome',
    labelNames: ['queue', 'outcome'] as const,
    buckets: [0.005, 0.025, 0.1, 0.5, 1, 5, 15, 60, 300, 900],
    registers: [registry],
  });
  const total = new Counter({
    name: 'assay_jobs_total',
    help: 'Job attempts handled in this process, by queue and outcome',
    labelNames: ['queue', 'outcome'] as const,
    registers: [registry],
  });

  return {
    record(queue, outcome, seconds, count) {
      const labels = { queue, outcome };
      total.inc(labels, count);
      for (let i = 0; i < count; i++) duration.observe(labels, seconds);
    },
  };
}

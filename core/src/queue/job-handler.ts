import { AssayError, classifyError, type ErrorClass, type Logger, type QueueJob } from '@assay/sdk';
import type { JobResult, JobWithMetadata } from 'pg-boss';
import type { JobMetrics } from './job-metrics.ts';

/** What a failed job keeps as its pg-boss `output`. */
export interface JobErrorOutput {
  /** The error's class name, e.g. `UserError`. */
  readonly name: string;
  readonly code: string;
  readonly message: string;
  readonly errorClass: ErrorClass;
  readonly details?: Record<string, unknown>;
  /** Only for unexpected errors, which are bugs to chase. */
  readonly stack?: string;
}

/** Where a handler runs: its queue, and where outcomes are recorded. */
export interface HandlerContext {
  readonly queue: string;
  readonly metrics: JobMetrics;
  readonly logger: Logger;
}

/** A pg-boss `perJobResults` handler of jobs fetched with `includeMetadata`. */
export type PgBossHandler<T> = (jobs: Array<JobWithMetadata<T>>) => Promise<JobResult[]>;

/** Adapts an sdk batch handler: the batch completes or fails as a whole, as the sdk contract says. */
export function settleBatch<T>(
  handler: (jobs: ReadonlyArray<QueueJob<T>>) => Promise<void>,
  context: HandlerContext,
): PgBossHandler<T> {
  return async (fetched) => {
    const jobs = inFetchOrder(fetched);
    const settlement = await attempt(() => handler(jobs.map((job) => toQueueJob(job, context.queue))), jobs, context);
    return jobs.map((job) => ({ id: job.id, ...settlement }));
  };
}

/** Adapts a one-job handler: each job of a fetched batch runs in turn and settles on its own. */
export function settleEach<T>(handler: (job: QueueJob<T>) => Promise<void>, context: HandlerContext): PgBossHandler<T> {
  return async (fetched) => {
    const results: JobResult[] = [];
    for (const job of inFetchOrder(fetched)) {
      results.push({ id: job.id, ...(await attempt(() => handler(toQueueJob(job, context.queue)), [job], context)) });
    }
    return results;
  };
}

/** The stored form of anything a handler threw. */
export function describeJobError(error: unknown): JobErrorOutput {
  const errorClass = classifyError(error);
  if (error instanceof AssayError) {
    return {
      name: error.name,
      code: error.code,
      message: error.message,
      errorClass,
      ...(error.details === undefined ? {} : { details: error.details }),
      ...(errorClass === 'unexpected' && error.stack !== undefined ? { stack: error.stack } : {}),
    };
  }
  const code = (error as { code?: unknown } | null)?.code;
  return {
    name: error instanceof Error ? error.name : typeof error,
    code: typeof code === 'string' ? code : 'UNEXPECTED_ERROR',
    message: error instanceof Error ? error.message : String(error),
    errorClass,
    ...(error instanceof Error && error.stack !== undefined ? { stack: error.stack } : {}),
  };
}

async function attempt<T>(
  run: () => Promise<void>,
  jobs: ReadonlyArray<JobWithMetadata<T>>,
  context: HandlerContext,
): Promise<Omit<JobResult, 'id'>> {
  const started = performance.now();
  try {
    await run();
  } catch (error) {
    const output = describeJobError(error);
    context.metrics.record(context.queue, `${output.errorClass}_error`, elapsedSeconds(started), jobs.length);
    const facts = {
      queue: context.queue,
      jobIds: jobs.map((job) => job.id),
      retryCount: jobs[0]?.retryCount,
      code: output.code,
      errorClass: output.errorClass,
      err: error,
    };
    if (output.errorClass === 'unexpected') context.logger.error(facts, 'Job failed with an unexpected error');
    else context.logger.warn(facts, 'Job failed');
    // Retrying cannot fix bad input or data: `deadletter` fails the job terminally whatever its retry limit.
    return { status: output.errorClass === 'user' ? 'deadletter' : 'failed', output };
  }
  context.metrics.record(context.queue, 'completed', elapsedSeconds(started), jobs.length);
  return { status: 'completed' };
}

/**
 * pg-boss selects a batch by priority and creation time but returns it in arbitrary order (UPDATE ... RETURNING);
 * handlers get it in the selection order, so a subscription sees events in the order they were published.
 */
function inFetchOrder<T>(jobs: ReadonlyArray<JobWithMetadata<T>>): Array<JobWithMetadata<T>> {
  return [...jobs].sort((a, b) => b.priority - a.priority || a.createdOn.getTime() - b.createdOn.getTime());
}

function toQueueJob<T>(job: JobWithMetadata<T>, queue: string): QueueJob<T> {
  return Object.freeze({ id: job.id, queue, data: job.data, retryCount: job.retryCount, signal: job.signal });
}

function elapsedSeconds(startedAt: number): number {
  return (performance.now() - startedAt) / 1000;
}

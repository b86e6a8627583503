import type { Static, TSchema } from 'typebox';

/** Retry and retention policy of a queue, applied when core creates it at boot. */
export interface QueuePolicy {
  /** Attempts after the first failure (default 2). */
  retryLimit?: number;
  /** Seconds before the first retry (default 5). */
  retryDelaySeconds?: number;
  /** Double the delay on every retry (default true). */
  retryBackoff?: boolean;
  /** A job still running after this many seconds is failed and retried (default 900). */
  expireInSeconds?: number;
  /** Completed and failed jobs are kept this long (default 7 days). */
  retentionSeconds?: number;
  /**
   * Workers refresh a running job's heartbeat automatically; a job without one for this many seconds (an integer,
   * at least 10) is failed and retried, so a killed worker's job moves on long before `expireInSeconds`. Off by
   * default.
   */
  heartbeatSeconds?: number;
}

/** A typed handle to a queue: its name, the JSON Schema of its payload and its policy. */
export interface QueueRef<S extends TSchema = TSchema> {
  readonly name: string;
  readonly schema: S;
  readonly policy: Readonly<QueuePolicy>;
}

const QUEUE_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*(\.[a-z][a-z0-9]*(-[a-z0-9]+)*)+$/;

/**
 * Declares a typed queue. Names are dotted and start with their owner: `pipelines.job`, `acme.refresh`.
 * Core creates every declared queue at boot and validates payloads against `schema` on send.
 *
 * @example
 * ```ts
 * import { defineQueue, Type } from '@assay/sdk';
 * export const refreshQueue = defineQueue({
 *   name: 'acme.refresh',
 *   schema: Type.Object({ dataset: Type.String() }),
 *   policy: { retryLimit: 3 },
 * });
 * ```
 */
export function defineQueue<S extends TSchema>(options: {
  name: string;
  schema: S;
  policy?: QueuePolicy;
}): QueueRef<S> {
  if (!QUEUE_NAME.test(options.name)) {
    throw new TypeError(
      `Queue name "${options.name}" must be dotted lower-case and start with its owner, like "acme.refresh"`,
    );
  }
  const heartbeat = options.policy?.heartbeatSeconds;
  if (heartbeat !== undefined && (!Number.isInteger(heartbeat) || heartbeat < 10)) {
    throw new TypeError(`Queue "${options.name}": heartbeatSeconds must be an integer of at least 10`);
  }
  return Object.freeze({ name: options.name, schema: options.schema, policy: Object.freeze({ ...options.policy }) });
}

/** One job handed to a queue handler. */
export interface QueueJob<T> {
  readonly id: string;
  readonly queue: string;
  readonly data: T;
  /** 0 on the first attempt. */
  readonly retryCount: number;
  /** Aborted when the worker shuts down or the job expires; stop work and throw. */
  readonly signal: AbortSignal;
}

/** Options of {@link QueueService.send}. */
export interface SendOptions {
  /** Only one queued job per key: a second send with the same key returns null. */
  singletonKey?: string;
  /** Start no earlier than this many seconds from now. */
  startAfterSeconds?: number;
  /** Higher runs first. */
  priority?: number;
}

/** Options of {@link QueueService.work}. */
export interface WorkOptions {
  /** Jobs fetched per round trip and handed to the handler together (default 5). */
  batchSize?: number;
  /** Handlers running at once in this process (default 1). */
  concurrency?: number;
}

/**
 * The job queue (pg-boss on PostgreSQL). Delivery is at least once: handlers must be idempotent.
 * A handler that resolves completes its jobs; one that throws fails them, and the queue's policy decides retries.
 */
export interface QueueService {
  /** Declares a queue; core creates it at boot (or at once, after boot). */
  declare(queue: QueueRef): Promise<void>;
  /** Enqueues a job. Returns its id, or null when a singleton key suppressed it. */
  send<S extends TSchema>(queue: QueueRef<S>, data: Static<S>, options?: SendOptions): Promise<string | null>;
  /** Works jobs of a queue in this process, if this process works jobs (`assay worker`, or `assay serve` by default). */
  work<S extends TSchema>(
    queue: QueueRef<S>,
    handler: (jobs: ReadonlyArray<QueueJob<Static<S>>>) => Promise<void>,
    options?: WorkOptions,
  ): Promise<void>;
}

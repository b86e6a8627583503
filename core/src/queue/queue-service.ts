import {
  ConflictError,
  OperationalError,
  type Logger,
  type QueueJob,
  type QueueRef,
  type QueueService,
  type SendOptions,
  type Static,
  type TSchema,
  type WorkOptions,
} from '@assay/sdk';
import type { Knex } from 'knex';
import { fromKnex, PgBoss } from 'pg-boss';
import type { Registry } from 'prom-client';
import { settleBatch, settleEach, type PgBossHandler } from './job-handler.ts';
import { createJobMetrics } from './job-metrics.ts';
import { assertPayload } from './payload-validation.ts';
import { ensureQueue } from './queue-policy.ts';
import { sendUnlessWaiting } from './singleton-send.ts';
import { DEFAULT_BACKSTOP_POLL_SECONDS, toPgBossWorkOptions } from './work-options.ts';

/** How often schedules are checked for due occurrences. */
export const SCHEDULE_CHECK_SECONDS = 5;

/** The PostgreSQL schema pg-boss keeps its tables in. */
export const QUEUE_SCHEMA = 'pgboss';

/** Options of {@link createQueueService}. */
export interface CoreQueueOptions {
  connectionString: string;
  logger: Logger;
  /** Registry the queue metrics are registered on. */
  metrics: Registry;
  /** False in `assay serve --no-worker`: handlers are registered, but this process never fetches jobs. */
  works: boolean;
  /**
   * Seconds between a worker's backstop polls while LISTEN/NOTIFY wakes it (default 5, minimum 0.5). Retries and
   * delayed jobs raise no notification, so they start at most this long after they fall due.
   */
  backstopPollSeconds?: number;
}

/** The queue service core runs: the sdk {@link QueueService} plus lifecycle, depths and the event bus's needs. */
export interface CoreQueue extends QueueService {
  /** Installs or migrates the pg-boss schema, creates declared queues and starts registered workers. */
  start(): Promise<void>;
  /**
   * Stops fetching. Graceful: waits up to `timeoutMs` (at least 1 s) for running handlers, then aborts their
   * signals and releases their jobs for a retry. Not graceful: aborts and releases at once. Idempotent.
   *
   * While it drains, the queue is `stopping`: sends (and topic publishes) still go out, so a handler that finishes
   * meanwhile records its follow-up work (another process, or this one's next start, works it); new workers,
   * schedules and subscriptions are refused. Once it resolves, every call that needs the queue throws
   * `QUEUE_NOT_RUNNING` before running any SQL.
   */
  stop(options: { graceful: boolean; timeoutMs: number }): Promise<void>;
  /** Jobs waiting per queue (created or awaiting retry), from pg-boss queue stats (refreshed each minute). */
  depths(): Promise<Record<string, number>>;
  /** Like `work`, but each job of a fetched batch runs on its own and completes or fails on its own. */
  workEach<S extends TSchema>(
    queue: QueueRef<S>,
    handler: (job: QueueJob<Static<S>>) => Promise<void>,
    options?: WorkOptions,
  ): Promise<void>;
  /**
   * Sends a job inside `transaction`: the job exists only if the transaction commits, so a state change and the
   * job that acts on it land together or not at all. A `singletonKey` is recorded but not checked (the caller's
   * own rows, updated in the same transaction, keep it from sending twice); a later `send` with that key sees
   * this job waiting and sends nothing.
   */
  sendInTransaction<S extends TSchema>(
    queue: QueueRef<S>,
    data: Static<S>,
    transaction: Knex.Transaction,
    options?: SendOptions,
  ): Promise<string | null>;
  /**
   * Sends `data` to `queue` on every occurrence of `cron` (five fields, or six with seconds first) in `timeZone`
   * (UTC by default), under `key`: scheduling a key again replaces it. Whatever number of processes run, each
   * occurrence sends one job (pg-boss files it under an occurrence key), and DST gaps and repeats follow the zone.
   */
  schedule<S extends TSchema>(
    queue: QueueRef<S>,
    key: string,
    cron: string,
    data: Static<S>,
    options?: { timeZone?: string | undefined },
  ): Promise<void>;
  /** Removes the schedule of `key`; unknown keys are fine. */
  unschedule(queue: QueueRef, key: string): Promise<void>;
  /** What is scheduled on `queue`, by key. */
  schedules(queue: QueueRef): Promise<Array<{ key: string; cron: string; timeZone: string }>>;
  /** The next `count` occurrences of `cron` in `timeZone`, computed as the scheduler will. */
  nextOccurrences(cron: string, options: { timeZone?: string | undefined; count: number }): Date[];
  /** Routes every {@link CoreQueue.publishTopic} of `topic` into `queue` (pg-boss pub/sub); declares it first. */
  subscribeTopic(topic: string, queue: QueueRef): Promise<void>;
  /** Sends `data` to every queue subscribed to `topic` inside `transaction`: the jobs exist only if it commits. */
  publishTopic(topic: string, data: object, transaction: Knex.Transaction): Promise<void>;
}

const INTERNAL_QUEUE_PREFIX = '__pgboss__';

/**
 * Creates the job queue on pg-boss in its own `pgboss` schema. Workers wake on LISTEN/NOTIFY and fetch in batches,
 * so a job usually starts within milliseconds of being sent. Handlers that throw a `UserError` fail their jobs
 * without retries; any other error follows the queue's retry policy. Failed jobs keep `{ name, code, message,
 * errorClass }` as their output.
 */
export function createQueueService(options: CoreQueueOptions): CoreQueue {
  const logger = options.logger.child({ component: 'queue' });
  const boss = new PgBoss({
    connectionString: options.connectionString,
    schema: QUEUE_SCHEMA,
    useListenNotify: true,
    application_name: 'assay-queue',
    // pg-boss sends a schedule's due occurrence when its cron pass runs (one pass per interval across all
    // processes), skipping occurrences missed in between: every 5 s makes schedules fire within 5 s of their time
    // and gives six-field (seconds) crons a resolution of 5 s, for one cheap query per interval.
    cronMonitorIntervalSeconds: SCHEDULE_CHECK_SECONDS,
    cronWorkerIntervalSeconds: 1,
  });
  // pg-boss emits errors from background loops (maintenance, polling, settling); an unhandled `error` event
  // would crash the process, and each one is worth a log line rather than a restart.
  boss.on('error', (error) => logger.error({ err: error }, 'Queue background error'));
  boss.on('warning', (warning) => logger.warn({ warning: warning.data }, `Queue warning: ${warning.message}`));

  const metrics = createJobMetrics(options.metrics, () => depths(), logger);
  const backstopPollSeconds = Math.max(0.5, options.backstopPollSeconds ?? DEFAULT_BACKSTOP_POLL_SECONDS);
  const declared = new Map<string, QueueRef>();
  const created = new Map<string, Promise<void>>();
  const pendingWorkers: Array<() => Promise<void>> = [];
  // `stopping`: pg-boss drains (no more fetching), but jobs can still be sent.
  let state: 'idle' | 'starting' | 'started' | 'stopping' | 'stopped' = 'idle';
  let starting: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;
  // Sends that passed their state check: pg-boss's pool closes only after they settled.
  const sending = new Set<Promise<unknown>>();

  const sends = () => state === 'started' || state === 'stopping';

  function refuse(action: string): never {
    const why = state === 'stopped' ? 'stopped' : state === 'stopping' ? 'stopping' : 'not started';
    throw new OperationalError(`Cannot ${action}: the queue service is ${why}`, { code: 'QUEUE_NOT_RUNNING' });
  }

  /** For what starts new work (workers, schedules, subscriptions): only a started queue. */
  function assertRunning(action: string): void {
    if (state !== 'started') refuse(action);
  }

  /** For sends: a started queue, or one still draining. */
  function assertSending(action: string): void {
    if (!sends()) refuse(action);
  }

  async function tracked<T>(send: () => Promise<T>): Promise<T> {
    const sent = send();
    sending.add(sent);
    try {
      return await sent;
    } finally {
      sending.delete(sent);
    }
  }

  function create(queue: QueueRef): Promise<void> {
    let creating = created.get(queue.name);
    if (creating === undefined) {
      creating = ensureQueue(boss, queue.name, queue.policy);
      created.set(queue.name, creating);
      // The caller awaiting `creating` sees the failure; forgetting it lets the next send or declare try again.
      creating.catch(() => created.delete(queue.name));
    }
    return creating;
  }

  async function declare(queue: QueueRef): Promise<void> {
    const known = declared.get(queue.name);
    if (known !== undefined && known !== queue && !sameDeclaration(known, queue)) {
      throw new ConflictError(`Queue "${queue.name}" is declared twice with different schemas or policies`, {
        code: 'QUEUE_DECLARED_TWICE',
        details: { queue: queue.name },
      });
    }
    declared.set(queue.name, known ?? queue);
    if (sends()) await create(queue);
  }

  async function registerWorker(queue: QueueRef, handler: PgBossHandler<unknown>, work: WorkOptions): Promise<void> {
    await declare(queue);
    if (!options.works) {
      logger.debug({ queue: queue.name }, 'Handler registered, but this process does not work jobs');
      return;
    }
    if (state === 'stopping' || state === 'stopped') refuse(`work queue "${queue.name}"`);
    const begin = async () => {
      await create(queue);
      await boss.work(queue.name, toPgBossWorkOptions(work, backstopPollSeconds), handler);
    };
    if (state === 'started') await begin();
    else pendingWorkers.push(begin);
  }

  async function depths(): Promise<Record<string, number>> {
    if (state !== 'started') return {};
    const names = (await boss.getQueues())
      .map((queue) => queue.name)
      .filter((name) => !name.startsWith(INTERNAL_QUEUE_PREFIX));
    // Per queue rather than getQueues()'s counts: those stay zero until the monitor's first pass (up to a minute),
    // while getQueueStats counts a never-monitored queue on the spot and otherwise serves the monitor's cache.
    const stats = await Promise.all(names.map(async (name) => (await boss.getQueueStats(name))[0]?.queuedCount ?? 0));
    return Object.fromEntries(names.map((name, index) => [name, stats[index]!]));
  }

  async function start(): Promise<void> {
    if (state === 'stopping' || state === 'stopped') refuse('start the queue service again');
    state = 'starting';
    await boss.start();
    state = 'started';
    await Promise.all([...declared.values()].map(create));
    for (const begin of pendingWorkers.splice(0)) await begin();
    logger.info({ queues: declared.size, works: options.works }, 'Queue service started');
  }

  async function stop(graceful: boolean, timeoutMs: number): Promise<void> {
    // A failed start has already been reported to whoever called start(); stop only needs it settled.
    await starting?.catch(() => undefined);
    if (state !== 'started') {
      state = 'stopped';
      return;
    }
    state = 'stopping';
    try {
      await boss.stop({ graceful, timeout: timeoutMs, close: false });
    } finally {
      state = 'stopped';
      // A send that passed its check before the drain ended still needs the pool.
      await Promise.allSettled(sending);
      await boss.stop({ close: true });
    }
  }

  return {
    declare,
    async send(queue, data, sendOptions: SendOptions = {}) {
      assertPayload(queue.schema, data, {
        code: 'QUEUE_PAYLOAD_INVALID',
        subject: `The job payload for queue "${queue.name}"`,
      });
      assertSending(`send to queue "${queue.name}"`);
      return tracked(async () => {
        await declare(queue);
        const jobOptions = jobOptionsOf(sendOptions);
        const payload = data as object;
        return sendOptions.singletonKey === undefined
          ? boss.send(queue.name, payload, jobOptions)
          : sendUnlessWaiting(boss, queue.name, payload, { ...jobOptions, singletonKey: sendOptions.singletonKey });
      });
    },
    async sendInTransaction(queue, data, transaction, sendOptions = {}) {
      assertPayload(queue.schema, data, {
        code: 'QUEUE_PAYLOAD_INVALID',
        subject: `The job payload for queue "${queue.name}"`,
      });
      assertSending(`send to queue "${queue.name}"`);
      return tracked(async () => {
        await declare(queue);
        return boss.send(queue.name, data as object, {
          ...jobOptionsOf(sendOptions),
          ...(sendOptions.singletonKey === undefined ? {} : { singletonKey: sendOptions.singletonKey }),
          db: fromKnex(transaction),
        });
      });
    },
    work: (queue, handler, work = {}) =>
      registerWorker(
        queue,
        settleBatch(handler, { queue: queue.name, metrics, logger }) as PgBossHandler<unknown>,
        work,
      ),
    workEach: (queue, handler, work = {}) =>
      registerWorker(
        queue,
        settleEach(handler, { queue: queue.name, metrics, logger }) as PgBossHandler<unknown>,
        work,
      ),
    async schedule(queue, key, cron, data, scheduleOptions = {}) {
      assertPayload(queue.schema, data, {
        code: 'QUEUE_PAYLOAD_INVALID',
        subject: `The scheduled payload for queue "${queue.name}"`,
      });
      assertRunning(`schedule on queue "${queue.name}"`);
      await declare(queue);
      await create(queue);
      await boss.schedule(queue.name, cron, data as object, { key, tz: scheduleOptions.timeZone ?? 'UTC' });
    },
    async unschedule(queue, key) {
      assertRunning(`unschedule on queue "${queue.name}"`);
      await boss.unschedule(queue.name, key);
    },
    async schedules(queue) {
      assertRunning(`list the schedules of queue "${queue.name}"`);
      return (await boss.getSchedules(queue.name)).map(({ key, cron, timezone }) => ({
        key,
        cron,
        timeZone: timezone,
      }));
    },
    nextOccurrences: (cron, { timeZone, count }) => boss.previewSchedule(cron, { tz: timeZone ?? 'UTC', count }),
    async subscribeTopic(topic, queue) {
      assertRunning(`subscribe queue "${queue.name}" to "${topic}"`);
      await declare(queue);
      await boss.subscribe(topic, queue.name);
    },
    async publishTopic(topic, data, transaction) {
      assertSending(`publish "${topic}"`);
      await tracked(() => boss.publish(topic, data, { db: fromKnex(transaction) }));
    },
    depths,
    start: () => (starting ??= start()),
    stop: ({ graceful, timeoutMs }) => (stopping ??= stop(graceful, timeoutMs)),
  };
}

function jobOptionsOf(options: SendOptions): { startAfter?: number; priority?: number } {
  return {
    ...(options.startAfterSeconds === undefined ? {} : { startAfter: options.startAfterSeconds }),
    ...(options.priority === undefined ? {} : { priority: options.priority }),
  };
}

function sameDeclaration(a: QueueRef, b: QueueRef): boolean {
  return JSON.stringify([a.schema, a.policy]) === JSON.stringify([b.schema, b.policy]);
}

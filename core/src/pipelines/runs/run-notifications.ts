import type { Logger } from '@assay/sdk';
import type { Knex } from 'knex';
import { createNotificationListener, type NotificationListener } from '../../events/notification-listener.ts';

/** The NOTIFY channel of run changes; the payload is the run id. */
export const RUNS_CHANNEL = 'assay_runs';

/** Tells this process when a run changed in any process: status, a job, progress or new log lines. */
export interface RunNotifications {
  /** Opens the LISTEN connection; without it (a failure is logged) watchers fall back to polling. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Calls `listener` at each notified change of run `runId`; returns a function that stops it. */
  subscribe(runId: string, listener: () => void): () => void;
}

/** Notifies watchers of run `runId`; inside a transaction, delivered when it commits. */
export async function notifyRun(db: Knex, runId: string): Promise<void> {
  await db.raw('select pg_notify(?, ?)', [RUNS_CHANNEL, runId]);
}

/**
 * One dedicated LISTEN connection per process for run changes. Listeners of runs this process does not watch cost
 * nothing; after a reconnect every listener is called, since changes may have been missed meanwhile.
 */
export function createRunNotifications(options: { connectionString: string; logger: Logger }): RunNotifications {
  const listeners = new Map<string, Set<() => void>>();
  const call = (listener: () => void) => {
    try {
      listener();
    } catch (error) {
      options.logger.error({ err: error }, 'A run change listener failed');
    }
  };
  let listener: NotificationListener | undefined;
  return {
    async start() {
      listener ??= createNotificationListener({
        connectionString: options.connectionString,
        channel: RUNS_CHANNEL,
        logger: options.logger,
        onNotification: (runId) => listeners.get(runId)?.forEach(call),
        onReconnect: () => listeners.forEach((set) => set.forEach(call)),
      });
      await listener.start().catch((error: unknown) => {
        listener = undefined;
        options.logger.warn({ err: error }, 'Run changes cannot be listened to; watchers poll instead');
      });
    },
    async stop() {
      await listener?.stop();
      listener = undefined;
    },
    subscribe(runId, fn) {
      const set = listeners.get(runId) ?? new Set();
      const entry = () => fn();
      set.add(entry);
      listeners.set(runId, set);
      return () => {
        set.delete(entry);
        if (set.size === 0 && listeners.get(runId) === set) listeners.delete(runId);
      };
    },
  };
}

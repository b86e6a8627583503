import type { Logger } from '@assay/sdk';
import pg from 'pg';

/** Options of {@link createNotificationListener}. */
export interface NotificationListenerOptions {
  readonly connectionString: string;
  /** A plain lower-case identifier: it is interpolated into `LISTEN`. */
  readonly channel: string;
  readonly logger: Logger;
  readonly onNotification: (payload: string) => void;
  /** Called after each reconnect (not the first connect): notifications sent while disconnected were lost. */
  readonly onReconnect: () => void;
  /** How often the connection is checked, to notice drops no socket error reports (default 15 s). */
  readonly heartbeatMs?: number;
}

/** A dedicated LISTEN connection. */
export interface NotificationListener {
  /** Connects and listens; rejects when the first connection fails. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

const CHANNEL = /^[a-z_][a-z0-9_]*$/;
const HEARTBEAT_TIMEOUT_MS = 5000;
const MAX_BACKOFF_MS = 10_000;

/**
 * Holds one connection outside any pool that LISTENs on `channel`. When it drops (server restart, terminated
 * backend, failed heartbeat) it reconnects with backoff from 100 ms to 10 s and calls `onReconnect`.
 */
export function createNotificationListener(options: NotificationListenerOptions): NotificationListener {
  if (!CHANNEL.test(options.channel)) throw new TypeError(`"${options.channel}" is not a plain channel name`);
  const { logger } = options;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  let client: pg.Client | undefined;
  let stopped = false;
  let failedAttempts = 0;
  let timer: NodeJS.Timeout | undefined;

  async function connect(): Promise<void> {
    const next = new pg.Client({
      connectionString: options.connectionString,
      keepAlive: true,
      application_name: 'assay-events-listener',
    });
    next.on('notification', (message) => {
      if (client === next && message.channel === options.channel && message.payload !== undefined) {
        options.onNotification(message.payload);
      }
    });
    // Kept for the client's whole life: a late 'error' on a client with no listener would crash the process.
    next.on('error', (error) => dropped(next, error));
    next.on('end', () => dropped(next, new Error('the connection ended')));
    try {
      await next.connect();
      await next.query(`LISTEN ${options.channel}`);
    } catch (error) {
      await closeQuietly(next);
      throw error;
    }
    if (stopped) return closeQuietly(next);
    client = next;
    scheduleHeartbeat(next);
  }

  function dropped(target: pg.Client, error: Error): void {
    if (stopped || client !== target) return;
    client = undefined;
    clearTimeout(timer);
    void closeQuietly(target);
    logger.warn({ err: error, channel: options.channel }, 'Event listener connection dropped; reconnecting');
    scheduleReconnect();
  }

  function scheduleReconnect(): void {
    const delay = Math.min(MAX_BACKOFF_MS, 100 * 2 ** failedAttempts);
    timer = setTimeout(() => {
      connect().then(
        () => {
          if (stopped) return;
          failedAttempts = 0;
          logger.info({ channel: options.channel }, 'Event listener reconnected');
          options.onReconnect();
        },
        (error: unknown) => {
          failedAttempts++;
          logger.warn(
            { err: error, channel: options.channel, retryInMs: delay * 2 },
            'Event listener reconnect failed',
          );
          if (!stopped) scheduleReconnect();
        },
      );
    }, delay);
    timer.unref();
  }

  function scheduleHeartbeat(target: pg.Client): void {
    timer = setTimeout(() => {
      withTimeout(target.query('select 1'), HEARTBEAT_TIMEOUT_MS).then(
        () => {
          if (client === target) scheduleHeartbeat(target);
        },
        (error: Error) => dropped(target, error),
      );
    }, heartbeatMs);
    timer.unref();
  }

  return {
    start: connect,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      const current = client;
      client = undefined;
      if (current !== undefined) await current.end();
    },
  };
}

/** Ends a connection that is already broken or unwanted; its own end failing changes nothing. */
async function closeQuietly(target: pg.Client): Promise<void> {
  await target.end().catch(() => undefined);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timeout: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timeout = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timeout));
}

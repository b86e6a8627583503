import { setTimeout as sleep } from 'node:timers/promises';

// Connection exceptions (class 08), and the server shutting down, crashing or still starting (57P01-57P03).
const UNREACHABLE_STATES = /^(08...|57P0[1-3])$/;
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
// What node-postgres and knex throw without a code when a connection drops or cannot be had in time.
const UNREACHABLE_MESSAGES = [
  /^Connection terminated/,
  /^Client has encountered a connection error/,
  /^timeout exceeded when trying to connect$/,
];

/**
 * Whether `error` says the database could not be reached or dropped the connection (a restart, a failover, the
 * network), rather than that a statement failed. Such a failure says nothing about the work: trying it again once
 * the server answers may well succeed.
 */
export function isDatabaseUnreachable(error: unknown): boolean {
  if (error instanceof AggregateError && error.errors.length > 0) return error.errors.every(isDatabaseUnreachable);
  if (!(error instanceof Error)) return false;
  if (error.name === 'KnexTimeoutError') return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (UNREACHABLE_STATES.test(code) || NETWORK_CODES.has(code))) return true;
  return UNREACHABLE_MESSAGES.some((message) => message.test(error.message));
}

/** How long and how often {@link retryWhileUnreachable} tries. */
export interface UnreachableRetryOptions {
  /** Gives up (throwing the last error) once this long has passed since the first try. */
  readonly timeoutMs: number;
  /** The first pause; it doubles after each try, up to `maxDelayMs` (defaults 200 ms and 2 s). */
  readonly delayMs?: number;
  readonly maxDelayMs?: number;
  /** Called before each pause, for a log line. */
  readonly onRetry?: (error: unknown, tries: number) => void;
}

/**
 * Runs `work`, and runs it again while it fails because the database is unreachable ({@link isDatabaseUnreachable}),
 * until it succeeds, fails otherwise, or `timeoutMs` passed. Only for work that is safe to repeat: a transaction
 * whose connection dropped at its commit may have committed unseen.
 */
export async function retryWhileUnreachable<T>(work: () => Promise<T>, options: UnreachableRetryOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let delay = options.delayMs ?? 200;
  for (let tries = 1; ; tries++) {
    try {
      return await work();
    } catch (error) {
      if (!isDatabaseUnreachable(error) || Date.now() + delay > deadline) throw error;
      options.onRetry?.(error, tries);
      await sleep(delay);
      delay = Math.min(delay * 2, options.maxDelayMs ?? 2000);
    }
  }
}

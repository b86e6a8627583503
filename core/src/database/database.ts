import { OperationalError } from '@assay/sdk';
import type { Logger } from '@assay/sdk';
import knex, { type Knex } from 'knex';
import pg from 'pg';

/**
 * Creates the metadata database client. Nothing connects until the first query. knex's own warnings (a connection
 * it could not get, say, while the server restarts) go to `logger` instead of the console when one is given.
 */
export function createDatabase(
  connectionString: string,
  pool: { min: number; max: number } = { min: 0, max: 10 },
  logger?: Pick<Logger, 'warn' | 'error' | 'debug'>,
): Knex {
  return knex({
    client: 'pg',
    connection: connectionString,
    pool,
    acquireConnectionTimeout: 10_000,
    ...(logger === undefined
      ? {}
      : {
          log: {
            warn: (message: unknown) => logger.warn({ component: 'knex' }, String(message)),
            error: (message: unknown) => logger.error({ component: 'knex' }, String(message)),
            debug: (message: unknown) => logger.debug({ component: 'knex' }, String(message)),
            deprecate: (method: string, alternative: string) =>
              logger.warn({ component: 'knex' }, `${method} is deprecated: use ${alternative}`),
          },
        }),
  });
}

/**
 * Connects once with a plain client (knex's pool would keep retrying until its acquire timeout) and turns a
 * failure into one clear error naming the server.
 */
export async function assertDatabaseReachable(connectionString: string, timeoutMs = 5000): Promise<void> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    throw new OperationalError(
      `Cannot connect to PostgreSQL at ${redactUrl(connectionString)}: ${describeError(error)}`,
      { code: 'DATABASE_UNREACHABLE', cause: error },
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A connection string with its password replaced, safe to log. */
export function redactUrl(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return '<unparseable connection string>';
  }
}

/** The most useful line of a driver error (AggregateError from multi-address connects included). */
export function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describeError(error.errors[0]);
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}

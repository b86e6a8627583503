import { OperationalError } from '@assay/sdk';
import knex, { type Knex } from 'knex';

/** Creates the metadata database client. Nothing connects until the first query. */
export function createDatabase(connectionString: string, pool: { min: number; max: number } = { min: 0, max: 10 }): Knex {
  return knex({ client: 'pg', connection: connectionString, pool, acquireConnectionTimeout: 10_000 });
}

/** Runs `select 1`, turning a connection failure into one clear error naming the server. */
export async function assertDatabaseReachable(db: Knex, connectionString: string): Promise<void> {
  try {
    await db.raw('select 1');
  } catch (error) {
    throw new OperationalError(
      `Cannot connect to PostgreSQL at ${redactUrl(connectionString)}: ${describeError(error)}`,
      { code: 'DATABASE_UNREACHABLE', cause: error },
    );
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

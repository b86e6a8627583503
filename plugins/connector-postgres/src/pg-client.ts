import pg from 'pg';
import type { PostgresConnection } from './pg-config.ts';

/** A connected client; the caller ends it. */
export async function connect(config: PostgresConnection): Promise<pg.Client> {
  const client = new pg.Client({
    host: config.host,
    port: config.port,
    database: config.database,
    user: config.user,
    ...(config.password === undefined ? {} : { password: config.password }),
    connectionTimeoutMillis: config.connectTimeoutMs,
    application_name: 'assay-connector-postgres',
    ssl:
      config.ssl === 'disable'
        ? false
        : config.ssl === 'require'
          ? { rejectUnauthorized: false }
          : { rejectUnauthorized: true, ...(config.ca === undefined ? {} : { ca: config.ca }) },
  });
  // A broken connection emits 'error' on the client; without a listener it would crash the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return client;
}

/** `"schema"."table"` from `schema.table` or `table`. */
export function quoteTable(name: string): string {
  const parts = name.split('.');
  if (parts.length > 2 || parts.some((p) => p === '')) throw new Error(`"${name}" is not a table name`);
  return parts.map((p) => `"${p.replaceAll('"', '""')}"`).join('.');
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

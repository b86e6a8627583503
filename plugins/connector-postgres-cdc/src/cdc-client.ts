import { createHash } from 'node:crypto';
import { AssayError, OperationalError, UserError } from '@assay/sdk';
import pg from 'pg';
import type { CdcConnection } from './cdc-config.ts';

export function clientConfig(config: CdcConnection): pg.ClientConfig {
  return {
    host: config.host,
    port: config.port,
    database: config.database,
    user: config.user,
    ...(config.password === undefined ? {} : { password: config.password }),
    connectionTimeoutMillis: config.connectTimeoutMs,
    application_name: 'assay-connector-postgres-cdc',
  };
}

/** A client, or with `replication` a walsender connection (`replication=database`) for replication commands. */
export async function connect(config: CdcConnection, replication = false): Promise<pg.Client> {
  const client = new pg.Client({ ...clientConfig(config), ...(replication ? { replication: 'database' } : {}) });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return client;
}

/** `orders` → `public.orders`; `Sales.Orders` stays as written (quoted identifiers keep their case). */
export function qualified(table: string): string {
  return table.includes('.') ? table : `public.${table}`;
}

/** The slot of one stream: `<slot>_<schema>_<table>_<hash>`, within PostgreSQL's 63 characters. */
export function slotOf(config: CdcConnection, table: string): string {
  const hash = createHash('sha256').update(table).digest('hex').slice(0, 6);
  const base = `${config.slot}_${table.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}`.slice(0, 56);
  return `${base}_${hash}`;
}

export function quoteTable(name: string): string {
  return name
    .split('.')
    .map((p) => `"${p.replaceAll('"', '""')}"`)
    .join('.');
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A stable code and a message naming the server for a failed connection or query. */
export function diagnose(error: unknown, config: CdcConnection): { code: string; message: string } {
  const err = error as { code?: string; message?: string };
  const text = err.message ?? String(error);
  const where = `${config.host}:${config.port}`;
  switch (err.code) {
    case 'ECONNREFUSED':
      return { code: 'CONNECTION_REFUSED', message: `nothing accepts connections at ${where}` };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { code: 'HOST_NOT_FOUND', message: `host ${config.host} is not known` };
    case 'ETIMEDOUT':
      return { code: 'TIMEOUT', message: `${where} did not answer in time` };
    case '28P01':
    case '28000':
      return /replication/i.test(text)
        ? {
            code: 'REPLICATION_NOT_PERMITTED',
            message: `${where} refused a replication connection for ${config.user}: ${text} (grant REPLICATION and allow it in pg_hba.conf)`,
          }
        : { code: 'AUTH_FAILED', message: `${where} refused the credentials of ${config.user}: ${text}` };
    case '3D000':
      return { code: 'DATABASE_NOT_FOUND', message: `database "${config.database}" does not exist on ${where}` };
    case '42501':
      return /replication/i.test(text)
        ? {
            code: 'REPLICATION_NOT_PERMITTED',
            message: `${config.user} may not replicate on ${where}: ALTER ROLE ${config.user} REPLICATION`,
          }
        : { code: 'PERMISSION_DENIED', message: `${config.user} lacks a privilege on ${where}: ${text}` };
    case '55000':
      if (/wal_level/.test(text)) {
        return { code: 'WAL_LEVEL_NOT_LOGICAL', message: `${text}: set wal_level = logical and restart PostgreSQL` };
      }
      break;
  }
  if (/connection timeout|timeout expired/i.test(text)) {
    return { code: 'TIMEOUT', message: `${where} did not answer within ${config.connectTimeoutMs} ms` };
  }
  return { code: 'CONNECTION_FAILED', message: `${where}/${config.database}: ${text}` };
}

/** Any failure of a read as an AssayError: configuration and permission problems are user errors, the rest retried. */
export function readError(error: unknown, config: CdcConnection): AssayError {
  if (error instanceof AssayError) return error;
  const { code, message } = diagnose(error, config);
  const permanent = [
    'AUTH_FAILED',
    'DATABASE_NOT_FOUND',
    'REPLICATION_NOT_PERMITTED',
    'WAL_LEVEL_NOT_LOGICAL',
    'PERMISSION_DENIED',
    'HOST_NOT_FOUND',
  ];
  const ErrorClass =
    permanent.includes(code) || (error as { code?: string }).code?.startsWith('42') ? UserError : OperationalError;
  return new ErrorClass(`Change capture from PostgreSQL failed: ${message}`, { code, cause: error });
}

import { createHash } from 'node:crypto';
import { OperationalError, UserError, type AssayError } from '@assay/sdk';
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

/** The slot and publication of one table: `<prefix>_<table>_<hash>`, within PostgreSQL's 63 characters. */
export function namesOf(config: CdcConnection, table: string): { slot: string; publication: string } {
  const hash = createHash('sha256').update(table).digest('hex').slice(0, 8);
  const base = `${config.slotPrefix}_${table.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}`.slice(0, 50);
  return { slot: `${base}_${hash}`, publication: `${base}_${hash}` };
}

export function quoteTable(name: string): string {
  return name
    .split('.')
    .map((p) => `"${p.replaceAll('"', '""')}"`)
    .join('.');
}

export function diagnose(error: unknown, config: CdcConnection): { code: string; message: string } {
  const err = error as { code?: string; message?: string };
  const text = err.message ?? String(error);
  switch (err.code) {
    case 'ECONNREFUSED':
      return { code: 'CONNECTION_REFUSED', message: `nothing accepts connections at ${config.host}:${config.port}` };
    case 'ENOTFOUND':
      return { code: 'HOST_NOT_FOUND', message: `host ${config.host} is not known` };
    case '28P01':
    case '28000':
      return /replication/i.test(text)
        ? { code: 'REPLICATION_NOT_PERMITTED', message: `${config.user} may not replicate: ${text}` }
        : { code: 'AUTH_FAILED', message: `the server refused the credentials of ${config.user}: ${text}` };
    case '3D000':
      return { code: 'DATABASE_NOT_FOUND', message: `database "${config.database}" does not exist` };
    case '42501':
      return { code: 'REPLICATION_NOT_PERMITTED', message: `${config.user} lacks a privilege: ${text}` };
    case '55000':
      return { code: 'WAL_LEVEL_NOT_LOGICAL', message: `${text}: set wal_level = logical and restart PostgreSQL` };
    default:
      return { code: 'CONNECTION_FAILED', message: `${config.host}:${config.port}/${config.database}: ${text}` };
  }
}

export function readError(error: unknown, config: CdcConnection): AssayError {
  if (error instanceof UserError || error instanceof OperationalError) return error;
  const { code, message } = diagnose(error, config);
  const permanent = ['AUTH_FAILED', 'DATABASE_NOT_FOUND', 'REPLICATION_NOT_PERMITTED', 'WAL_LEVEL_NOT_LOGICAL'];
  const Error =
    permanent.includes(code) || (error as { code?: string }).code?.startsWith('42') ? UserError : OperationalError;
  return new Error(`Change capture from PostgreSQL failed: ${message}`, { code, cause: error });
}

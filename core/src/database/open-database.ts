import { join } from 'node:path';
import type { Logger } from '@assay/sdk';
import type { Knex } from 'knex';
import type { AssayConfig } from '../config/config.schema.ts';
import { assertDatabaseReachable, createDatabase } from './database.ts';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from './embedded-postgres.ts';

/** The metadata database a process works with, and how to let go of it. */
export interface OpenDatabase {
  readonly db: Knex;
  readonly url: string;
  /** Closes the pool, and stops the embedded server when this process started it. */
  close(): Promise<void>;
}

/**
 * Connects to `DATABASE_URL`, or — when it is not set — to an embedded PostgreSQL under `$ASSAY_HOME/pg`
 * (started here, or reused when another Assay process on the same home already runs it). Fails fast with
 * `DATABASE_UNREACHABLE` naming the server.
 */
export async function openDatabase(config: AssayConfig, logger: Logger): Promise<OpenDatabase> {
  const embedded = config.databaseUrl === undefined ? await startEmbedded(config, logger) : undefined;
  try {
    const url = config.databaseUrl ?? (await embeddedAppDatabase(embedded!));
    await assertDatabaseReachable(url);
    const db = createDatabase(url, undefined, logger);
    return {
      db,
      url,
      close: async () => {
        await db.destroy();
        if (embedded?.owned === true) await embedded.stop();
      },
    };
  } catch (error) {
    if (embedded?.owned === true) await embedded.stop();
    throw error;
  }
}

async function startEmbedded(config: AssayConfig, logger: Logger): Promise<EmbeddedPostgresHandle> {
  const dataDir = join(config.home, 'pg');
  const started = performance.now();
  const handle = await startEmbeddedPostgres({ dataDir });
  logger.info(
    { dataDir, ms: Math.round(performance.now() - started) },
    handle.owned ? 'embedded PostgreSQL started' : 'embedded PostgreSQL already running; reusing it',
  );
  return handle;
}

/** Assay keeps its metadata in its own `assay` database on the embedded server, created on first start. */
async function embeddedAppDatabase(embedded: EmbeddedPostgresHandle): Promise<string> {
  const admin = createDatabase(embedded.url, { min: 0, max: 1 });
  try {
    const exists = await admin.raw(`select 1 from pg_database where datname = 'assay'`);
    if ((exists as { rows: unknown[] }).rows.length === 0) await admin.raw('create database assay');
  } finally {
    await admin.destroy();
  }
  const url = new URL(embedded.url);
  url.pathname = '/assay';
  return url.toString();
}

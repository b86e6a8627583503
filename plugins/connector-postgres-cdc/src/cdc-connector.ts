import { CHANGE_LOG_COLUMNS, defineConnector } from '@assay/sdk';
import { connect, diagnose, readError } from './cdc-client.ts';
import { CdcConnectionConfig, cdcConnectionUi, CdcStreamConfig } from './cdc-config.ts';
import { readChanges } from './cdc-read.ts';

export const postgresCdcConnector = defineConnector({
  type: 'postgres-cdc',
  version: 1,
  title: 'PostgreSQL change data capture',
  description: 'Inserts, updates and deletes of PostgreSQL tables through logical replication (pgoutput)',
  config: CdcConnectionConfig,
  ui: cdcConnectionUi,
  streamConfig: CdcStreamConfig,
  produces: 'changes',
  async check(_ctx, config) {
    try {
      const client = await connect(config);
      try {
        const settings = await client.query<{ wal_level: string; replication: boolean; version: string }>(
          `SELECT current_setting('wal_level') AS wal_level, current_setting('server_version') AS version,
                  (SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user) AS replication`,
        );
        const { wal_level: walLevel, replication, version } = settings.rows[0]!;
        if (walLevel !== 'logical') {
          return {
            ok: false,
            code: 'WAL_LEVEL_NOT_LOGICAL',
            message: `wal_level is "${walLevel}": set wal_level = logical in postgresql.conf and restart PostgreSQL`,
          };
        }
        if (!replication) {
          return {
            ok: false,
            code: 'REPLICATION_NOT_PERMITTED',
            message: `${config.user} lacks the REPLICATION attribute: ALTER ROLE ${config.user} REPLICATION`,
          };
        }
        return {
          ok: true,
          message: `connected to ${config.host}:${config.port}/${config.database} (PostgreSQL ${version}, wal_level logical)`,
        };
      } finally {
        await client.end().catch(() => undefined);
      }
    } catch (error) {
      return { ok: false, ...diagnose(error, config) };
    }
  },
  async discover(_ctx, config) {
    const client = await connect(config).catch((error: unknown) => {
      throw readError(error, config);
    });
    try {
      const tables = await client.query<{ name: string }>(
        `SELECT n.nspname || '.' || c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
          ORDER BY 1`,
      );
      return tables.rows.map((t) => ({ name: t.name, columns: CHANGE_LOG_COLUMNS, details: { shape: 'change log' } }));
    } finally {
      await client.end().catch(() => undefined);
    }
  },
  read: (ctx, config, stream, state) => readChanges(ctx, config, stream, state),
});

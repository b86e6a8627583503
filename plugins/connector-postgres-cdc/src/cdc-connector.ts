import { CHANGE_LOG_COLUMNS, defineConnector } from '@assay/sdk';
import { describeTable } from './cdc-catalog.ts';
import { connect, diagnose, qualified, readError } from './cdc-client.ts';
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
    const where = `${config.host}:${config.port}/${config.database}`;
    try {
      const client = await connect(config);
      let version: string;
      try {
        const settings = await client.query<{ wal_level: string; replication: boolean; version: string }>(
          `SELECT current_setting('wal_level') AS wal_level, current_setting('server_version') AS version,
                  (SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user) AS replication`,
        );
        const { wal_level: walLevel, replication } = settings.rows[0]!;
        version = settings.rows[0]!.version;
        if (walLevel !== 'logical') {
          return {
            ok: false,
            code: 'WAL_LEVEL_NOT_LOGICAL',
            message:
              `${where} runs with wal_level = ${walLevel}: logical replication needs wal_level = logical ` +
              `(ALTER SYSTEM SET wal_level = logical, then restart PostgreSQL)`,
          };
        }
        if (!replication) {
          return {
            ok: false,
            code: 'REPLICATION_NOT_PERMITTED',
            message: `${config.user} may not replicate on ${where}: ALTER ROLE ${config.user} REPLICATION`,
          };
        }
      } finally {
        await client.end().catch(() => undefined);
      }
      // pg_hba.conf may still refuse replication connections: try one.
      const replication = await connect(config, true);
      await replication.query('IDENTIFY_SYSTEM');
      await replication.end().catch(() => undefined);
      return {
        ok: true,
        message: `connected to ${where} as ${config.user} (PostgreSQL ${version}): logical replication is available`,
      };
    } catch (error) {
      return { ok: false, ...diagnose(error, config) };
    }
  },
  async discover(_ctx, config) {
    const client = await connect(config).catch((error: unknown) => {
      throw readError(error, config);
    });
    try {
      const streams = [];
      for (const name of config.tables.map(qualified)) {
        const table = await describeTable(client, name);
        streams.push({
          name,
          columns: CHANGE_LOG_COLUMNS,
          details: { shape: 'change log', columns: table.columns, keyColumns: table.keyColumns },
        });
      }
      return streams;
    } catch (error) {
      throw readError(error, config);
    } finally {
      await client.end().catch(() => undefined);
    }
  },
  read: (ctx, config, stream, state) => readChanges(ctx, config, stream, state),
});

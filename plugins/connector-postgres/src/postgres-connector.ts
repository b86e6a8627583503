import { defineConnector } from '@assay/sdk';
import { connect } from './pg-client.ts';
import { PostgresConnectionConfig, postgresConnectionUi, PostgresStreamConfig, postgresStreamUi } from './pg-config.ts';
import { discoverStreams } from './pg-discover.ts';
import { diagnose } from './pg-failure.ts';
import { readStream } from './pg-read.ts';

export const postgresConnector = defineConnector({
  type: 'postgres',
  version: 1,
  title: 'PostgreSQL',
  description: 'Tables and queries of a PostgreSQL database: full loads and tie-safe incremental loads via COPY',
  config: PostgresConnectionConfig,
  ui: postgresConnectionUi,
  streamConfig: PostgresStreamConfig,
  streamUi: postgresStreamUi,
  produces: 'rows',
  async check(_ctx, config) {
    try {
      const client = await connect(config);
      try {
        const version = (await client.query<{ v: string }>(`SELECT current_setting('server_version') AS v`)).rows[0]!.v;
        return {
          ok: true,
          message: `connected to ${config.host}:${config.port}/${config.database} as ${config.user} (PostgreSQL ${version})`,
        };
      } finally {
        await client.end().catch(() => undefined);
      }
    } catch (error) {
      return { ok: false, ...diagnose(error, config) };
    }
  },
  discover: (_ctx, config) => discoverStreams(config),
  read: (ctx, config, stream, state) => readStream(ctx, config, stream, state),
});

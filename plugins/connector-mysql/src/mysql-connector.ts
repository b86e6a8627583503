import { defineConnector, type DiscoveredStream } from '@assay/sdk';
import type { RowDataPacket } from 'mysql2';
import { connect } from './mysql-client.ts';
import { MysqlConnectionConfig, mysqlConnectionUi, MysqlStreamConfig, mysqlStreamUi } from './mysql-config.ts';
import { diagnose, readError } from './mysql-failure.ts';
import { fieldsOf, quoteIdent, readStream } from './mysql-read.ts';
import { mappingOf } from './mysql-types.ts';

export const mysqlConnector = defineConnector({
  type: 'mysql',
  version: 1,
  title: 'MySQL / MariaDB',
  description: 'Tables and queries of a MySQL or MariaDB database, streamed as Arrow batches; full or incremental',
  config: MysqlConnectionConfig,
  ui: mysqlConnectionUi,
  streamConfig: MysqlStreamConfig,
  streamUi: mysqlStreamUi,
  produces: 'rows',
  async check(_ctx, config) {
    try {
      const connection = await connect(config);
      try {
        const [rows] = await connection.query<Array<{ v: string } & RowDataPacket>>('SELECT VERSION() AS v');
        return {
          ok: true,
          message: `connected to ${config.host}:${config.port}/${config.database} as ${config.user} (${rows[0]?.v})`,
        };
      } finally {
        await connection.end().catch(() => undefined);
      }
    } catch (error) {
      return { ok: false, ...diagnose(error, config) };
    }
  },
  async discover(_ctx, config) {
    const connection = await connect(config).catch((error: unknown) => {
      throw readError(error, config);
    });
    try {
      const [tables] = await connection.query<Array<{ name: string; kind: string; estimate: number } & RowDataPacket>>(
        `SELECT TABLE_NAME AS name, TABLE_TYPE AS kind, TABLE_ROWS AS estimate FROM information_schema.TABLES
          WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME`,
        [config.database],
      );
      const streams: DiscoveredStream[] = [];
      for (const table of tables) {
        const fields = await fieldsOf(connection, `SELECT * FROM ${quoteIdent(table.name)}`);
        const columns = fields.map((f) => ({ name: f.name, type: mappingOf(f).duckdbType, nullable: true }));
        const [keys] = await connection.query<Array<{ column: string } & RowDataPacket>>(
          `SELECT COLUMN_NAME AS \`column\` FROM information_schema.KEY_COLUMN_USAGE
            WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION`,
          [config.database, table.name],
        );
        const [sample] = await connection.query<RowDataPacket[]>(`SELECT * FROM ${quoteIdent(table.name)} LIMIT 5`);
        streams.push({
          name: table.name,
          columns,
          ...(keys.length === 0 ? {} : { primaryKey: keys.map((k) => k.column) }),
          cursorFields: columns
            .filter((c) => /^(BIGINT|INTEGER|UBIGINT|DATE|TIMESTAMP)$/.test(c.type))
            .map((c) => c.name),
          sample: sample.map(
            (row) =>
              JSON.parse(JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))) as Record<
                string,
                unknown
              >,
          ),
          details: { kind: table.kind === 'VIEW' ? 'view' : 'table', estimatedRows: Number(table.estimate ?? 0) },
        });
      }
      return streams;
    } finally {
      await connection.end().catch(() => undefined);
    }
  },
  read: (ctx, config, stream, state) => readStream(ctx, config, stream, state),
});

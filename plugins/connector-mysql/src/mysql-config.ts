import { Secret, Type, type Static, type UiHints } from '@assay/sdk';

export const MysqlConnectionConfig = Type.Object(
  {
    host: Type.String({ minLength: 1 }),
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 3306 }),
    database: Type.String({ minLength: 1 }),
    user: Type.String({ minLength: 1 }),
    password: Type.Optional(Secret()),
    ssl: Type.Union([Type.Literal('disable'), Type.Literal('require'), Type.Literal('verify-full')], {
      default: 'disable',
    }),
    ca: Type.Optional(Type.String({ description: 'PEM of the CA that signed the server certificate (verify-full)' })),
    connectTimeoutMs: Type.Integer({ minimum: 100, default: 10_000 }),
  },
  { additionalProperties: false },
);
export type MysqlConnection = Static<typeof MysqlConnectionConfig>;

export const mysqlConnectionUi: UiHints = {
  order: ['host', 'port', 'database', 'user', 'password', 'ssl', 'ca', 'connectTimeoutMs'],
  show: { ca: { ssl: ['verify-full'] } },
  widgets: { ca: 'textarea' },
};

export const MysqlStreamConfig = Type.Object(
  {
    table: Type.Optional(Type.String({ minLength: 1, description: 'The stream name when unset' })),
    query: Type.Optional(Type.String({ minLength: 1, description: 'A single SELECT instead of a table' })),
    mode: Type.Union([Type.Literal('full'), Type.Literal('incremental')], { default: 'full' }),
    watermark: Type.Optional(Type.String({ minLength: 1, description: 'Incremental: an ever-increasing column' })),
    lookbackSeconds: Type.Number({
      minimum: 0,
      default: 0,
      description: 'Incremental on a timestamp: also re-read this far below the last watermark (late commits)',
    }),
    batchRows: Type.Integer({ minimum: 100, maximum: 100_000, default: 10_000 }),
  },
  { additionalProperties: false },
);
export type MysqlStream = Static<typeof MysqlStreamConfig>;

export const mysqlStreamUi: UiHints = {
  order: ['table', 'query', 'mode', 'watermark', 'lookbackSeconds', 'batchRows'],
  show: { watermark: { mode: ['incremental'] }, lookbackSeconds: { mode: ['incremental'] } },
  widgets: { query: 'sql', watermark: 'column' },
};

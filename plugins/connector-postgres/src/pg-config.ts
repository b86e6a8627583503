import { Secret, Type, type Static, type UiHints } from '@assay/sdk';

/** Where the database is and how to sign in. */
export const PostgresConnectionConfig = Type.Object(
  {
    host: Type.String({ minLength: 1 }),
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 5432 }),
    database: Type.String({ minLength: 1 }),
    user: Type.String({ minLength: 1 }),
    password: Type.Optional(Secret({ description: 'Leave empty for trust or peer authentication' })),
    ssl: Type.Union([Type.Literal('disable'), Type.Literal('require'), Type.Literal('verify-full')], {
      default: 'disable',
      description: 'require: encrypted, any certificate; verify-full: the certificate must match the host (ca below)',
    }),
    ca: Type.Optional(Type.String({ description: 'PEM of the CA that signed the server certificate (verify-full)' })),
    schemas: Type.Array(Type.String({ minLength: 1 }), {
      default: ['public'],
      description: 'Schemas discover lists tables of',
    }),
    connectTimeoutMs: Type.Integer({ minimum: 100, default: 10_000 }),
  },
  { additionalProperties: false },
);
export type PostgresConnection = Static<typeof PostgresConnectionConfig>;

export const postgresConnectionUi: UiHints = {
  order: ['host', 'port', 'database', 'user', 'password', 'ssl', 'ca', 'schemas', 'connectTimeoutMs'],
  show: { ca: { ssl: ['verify-full'] } },
  widgets: { ca: 'textarea' },
};

/** What one stream reads and how. The stream name is the table (`schema.table`) unless `table` or `query` is set. */
export const PostgresStreamConfig = Type.Object(
  {
    table: Type.Optional(Type.String({ minLength: 1, description: 'schema.table; the stream name when unset' })),
    query: Type.Optional(Type.String({ minLength: 1, description: 'A single SELECT instead of a table' })),
    mode: Type.Union([Type.Literal('full'), Type.Literal('incremental')], { default: 'full' }),
    watermark: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'Incremental: an ever-increasing column (updated_at, a sequence id) the next load starts from',
      }),
    ),
    lookbackSeconds: Type.Number({
      minimum: 0,
      default: 0,
      description:
        'Incremental on a timestamp: also re-read this far below the last watermark, for rows that committed late ' +
        'with an older timestamp (set it above your longest transaction); load with dedupeKeys',
    }),
  },
  { additionalProperties: false },
);
export type PostgresStream = Static<typeof PostgresStreamConfig>;

export const postgresStreamUi: UiHints = {
  order: ['table', 'query', 'mode', 'watermark', 'lookbackSeconds'],
  show: { watermark: { mode: ['incremental'] }, lookbackSeconds: { mode: ['incremental'] } },
  widgets: { query: 'sql', watermark: 'column' },
};

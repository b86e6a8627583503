import { Secret, Type, type Static, type UiHints } from '@assay/sdk';

export const CdcConnectionConfig = Type.Object(
  {
    host: Type.String({ minLength: 1 }),
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 5432 }),
    database: Type.String({ minLength: 1 }),
    user: Type.String({ minLength: 1, description: 'Needs the REPLICATION attribute and SELECT on the tables' }),
    password: Type.Optional(Secret()),
    slotPrefix: Type.String({
      pattern: '^[a-z_][a-z0-9_]{0,40}$',
      default: 'assay',
      description: 'Each stream gets its own slot and publication: <prefix>_<table>_<hash>',
    }),
    connectTimeoutMs: Type.Integer({ minimum: 100, default: 10_000 }),
  },
  { additionalProperties: false },
);
export type CdcConnection = Static<typeof CdcConnectionConfig>;

export const cdcConnectionUi: UiHints = { order: ['host', 'port', 'database', 'user', 'password', 'slotPrefix'] };

export const CdcStreamConfig = Type.Object(
  {
    table: Type.Optional(Type.String({ minLength: 1, description: 'schema.table; the stream name when unset' })),
    snapshot: Type.Union([Type.Literal('initial'), Type.Literal('never')], {
      default: 'initial',
      description: 'initial: the first load copies the table as op "r" rows, then streams changes',
    }),
    resnapshot: Type.Boolean({
      default: false,
      description: 'After CDC_SLOT_LOST: recreate the slot and copy the table again (op "r")',
    }),
    idleMs: Type.Integer({ minimum: 50, default: 1000, description: 'A load ends when no change came for this long' }),
    maxChanges: Type.Integer({ minimum: 1, default: 100_000, description: 'A load ends after this many changes' }),
  },
  { additionalProperties: false },
);
export type CdcStream = Static<typeof CdcStreamConfig>;

import { Secret, Type, type Static, type UiHints } from '@assay/sdk';

export const CdcConnectionConfig = Type.Object(
  {
    host: Type.String({ minLength: 1 }),
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 5432 }),
    database: Type.String({ minLength: 1 }),
    user: Type.String({ minLength: 1, description: 'Needs the REPLICATION attribute and SELECT on the tables' }),
    password: Type.Optional(Secret()),
    slot: Type.String({
      pattern: '^[a-z_][a-z0-9_]{0,39}$',
      default: 'assay',
      description: 'Replication slot name; each stream (table) has its own slot <slot>_<schema>_<table>_<hash>',
    }),
    publication: Type.String({
      pattern: '^[A-Za-z_][A-Za-z0-9_]{0,62}$',
      default: 'assay_cdc',
      description: 'Publication holding the tables',
    }),
    tables: Type.Array(Type.String({ minLength: 1 }), {
      minItems: 1,
      description: 'Tables to capture, schema.table (public when no schema is given); each one is a stream',
    }),
    createSlot: Type.Boolean({ default: true, description: 'Create a missing slot (and recreate it on resnapshot)' }),
    createPublication: Type.Boolean({
      default: true,
      description: 'Create the publication if absent, and add listed tables it lacks',
    }),
    snapshot: Type.Union([Type.Literal('initial'), Type.Literal('never')], {
      default: 'initial',
      description: 'initial: the first load copies each table as op "r" rows, then streams changes',
    }),
    connectTimeoutMs: Type.Integer({ minimum: 100, default: 10_000 }),
  },
  { additionalProperties: false },
);
export type CdcConnection = Static<typeof CdcConnectionConfig>;

export const cdcConnectionUi: UiHints = {
  order: ['host', 'port', 'database', 'user', 'password', 'tables', 'publication', 'slot', 'snapshot'],
};

export const CdcStreamConfig = Type.Object(
  {
    slot: Type.Optional(
      Type.String({
        pattern: '^[a-z0-9_]{1,63}$',
        description: 'Exact slot name of this stream, instead of the name derived from the connection',
      }),
    ),
    resnapshot: Type.Boolean({
      default: false,
      description: 'After CDC_SLOT_LOST: recreate the slot and copy the table again (op "r")',
    }),
    idleMs: Type.Integer({ minimum: 50, default: 1000, description: 'A load ends when no change came for this long' }),
    maxChanges: Type.Integer({
      minimum: 1,
      default: 100_000,
      description: 'A load ends at the first commit after this many changes',
    }),
    maxDurationMs: Type.Integer({
      minimum: 100,
      default: 300_000,
      description: 'A load ends at the first commit after streaming this long',
    }),
  },
  { additionalProperties: false },
);
export type CdcStream = Static<typeof CdcStreamConfig>;

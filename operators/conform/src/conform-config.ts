import { Type, type Static, type UiHints } from '@assay/sdk';

const Name = Type.String({ minLength: 1, maxLength: 255 });

const TargetColumn = Type.Object(
  {
    name: Name,
    type: Type.String({
      minLength: 1,
      maxLength: 100,
      description: 'DuckDB type every source value is cast to: BIGINT, VARCHAR, DECIMAL(18,2), TIMESTAMP, DATE, …',
    }),
  },
  { additionalProperties: false },
);

const Source = Type.Object(
  {
    dataset: Type.String({ minLength: 3, maxLength: 255, description: 'One of the job’s inputs (layer.name)' }),
    system: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description:
          'The source system’s name, written to the lineage columns and used in the priority list; defaults to the ' +
          'dataset’s name (crm_customers for bronze.crm_customers)',
      }),
    ),
    columns: Type.Record(Type.String(), Name, {
      default: {},
      description:
        'Target column ← source column. A target column mapped neither here nor in expressions takes the source ' +
        'column of the same name, or NULL when the source has none',
    }),
    expressions: Type.Record(Type.String(), Type.String({ minLength: 1 }), {
      default: {},
      description:
        "Target column ← a SQL expression over the source’s columns (e.g. first_name || ' ' || last_name); the " +
        'text is SQL, run in the job’s sandbox',
    }),
    where: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'A SQL condition on the source’s columns: only rows for which it holds take part',
      }),
    ),
  },
  { additionalProperties: false },
);

/** The `conform` operator's config: the entity's columns, its sources and how their conflicts are resolved. */
export const ConformConfig = Type.Object(
  {
    key: Type.Array(Name, {
      minItems: 1,
      description:
        'Business key: target columns identifying one entity. It may include sourceSystemColumn, to keep one row ' +
        'per source system and key',
    }),
    columns: Type.Array(TargetColumn, {
      minItems: 1,
      description: 'The entity’s columns, in output order, with the types every source is cast to',
    }),
    sources: Type.Array(Source, { minItems: 1, description: 'The inputs conformed into the entity' }),
    resolution: Type.Object(
      {
        strategy: Type.Union([Type.Literal('priority'), Type.Literal('latest')], {
          default: 'priority',
          description:
            'priority: the row of the first source in the priority order wins; latest: the row with the latest ' +
            'updatedAt wins (NULLs last), ties broken by priority',
        }),
        priority: Type.Optional(
          Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
            minItems: 1,
            description: 'Source systems, most trusted first, each once; defaults to the order of sources',
          }),
        ),
        updatedAt: Type.String({
          minLength: 1,
          maxLength: 255,
          default: 'updated_at',
          description: 'latest: the target column holding the time a row was last changed',
        }),
        merge: Type.Union([Type.Literal('row'), Type.Literal('attributes')], {
          default: 'row',
          description:
            'row: the winning row is taken whole; attributes: each column takes the first non-NULL value in the ' +
            'resolution order, so a trusted source’s gaps are filled from the others',
        }),
        ties: Type.Union([Type.Literal('fail'), Type.Literal('arbitrary')], {
          default: 'fail',
          description:
            'Two different rows of one key from one source that rank equal (same updatedAt): fail with ' +
            'CONFORM_KEY_AMBIGUOUS, or pick one by a hash of its values (stable across runs)',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    sourceSystemColumn: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 255,
        description: 'When set, an output column of that name holds the source system of the row (e.g. source_system)',
      }),
    ),
    lineage: Type.Object(
      {
        winnerColumn: Type.String({
          minLength: 1,
          maxLength: 255,
          default: '_source_winner',
          description: 'Output column holding the source system whose row won the key',
        }),
        columnWinners: Type.Optional(
          Type.String({
            minLength: 1,
            maxLength: 255,
            description:
              'merge attributes: output column (a STRUCT, one field per non-key column) naming the source system ' +
              'each value came from; default _column_winners',
          }),
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    invalidRows: Type.Union([Type.Literal('fail'), Type.Literal('quarantine')], {
      default: 'fail',
      description:
        'Source rows with a NULL business key or a value that does not cast to its column’s type: fail the job ' +
        '(CONFORM_KEY_NULL, CONFORM_CAST_FAILED) or quarantine them and conform the rest',
    }),
    write: Type.Object(
      {
        mode: Type.Union([Type.Literal('full_refresh'), Type.Literal('merge')], {
          default: 'full_refresh',
          description: 'full_refresh: the entity replaces the table; merge: it upserts the table by the key',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false },
);

export type ConformSettings = Static<typeof ConformConfig>;

/** Form hints: the entity first, then its sources, then how conflicts resolve. */
export const conformUi: UiHints = {
  order: [
    'key',
    'columns',
    'sources',
    'resolution',
    'resolution.strategy',
    'resolution.priority',
    'resolution.updatedAt',
    'resolution.merge',
    'resolution.ties',
    'sourceSystemColumn',
    'lineage',
    'lineage.winnerColumn',
    'lineage.columnWinners',
    'invalidRows',
    'write',
    'write.mode',
  ],
  groups: [
    { title: 'Entity', fields: ['key', 'columns'] },
    { title: 'Sources', fields: ['sources'], description: 'Map each input’s columns onto the entity' },
    {
      title: 'Conflicts',
      fields: ['resolution', 'sourceSystemColumn', 'lineage', 'invalidRows'],
      description: 'Which source wins when several have the same key',
    },
    { title: 'Write', fields: ['write'] },
  ],
  show: {
    'resolution.updatedAt': { 'resolution.strategy': ['latest'] },
    'lineage.columnWinners': { 'resolution.merge': ['attributes'] },
  },
  widgets: { key: 'columns', sourceSystemColumn: 'column', 'resolution.updatedAt': 'column' },
  placeholders: { sourceSystemColumn: 'source_system', 'resolution.updatedAt': 'updated_at' },
  help: {
    key: 'Rows of all sources with the same key are one entity; one of them wins.',
    'resolution.priority': 'System names as in sources[].system (or the dataset name when unset).',
    'write.mode': 'merge keeps entities the sources no longer have; full_refresh drops them.',
  },
};

import { Type, type Static, type UiHints } from '@assay/sdk';

const Name = Type.String({ minLength: 1, maxLength: 255 });

const OnUnknown = Type.Union([Type.Literal('unknown_key'), Type.Literal('quarantine'), Type.Literal('fail')], {
  description:
    'A fact row with no dimension version at its event time (unknown or late-arriving member): give it the ' +
    'unknown key, quarantine it, or fail the job (FACT_UNKNOWN_MEMBER)',
});

const UnknownKey = Type.Union([Type.Integer(), Type.String({ minLength: 1, maxLength: 255 })], {
  description: 'The surrogate key of unknown members, cast to the surrogate key’s type',
});

const Dimension = Type.Object(
  {
    dataset: Type.String({ minLength: 3, maxLength: 255, description: 'An SCD2 dimension among the job’s inputs' }),
    name: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: 'Name in metrics and messages; defaults to the dataset’s name (dim_product)',
      }),
    ),
    businessKey: Type.Array(Name, { minItems: 1, description: 'The dimension’s business key columns' }),
    sourceKey: Type.Optional(
      Type.Array(Name, {
        minItems: 1,
        description: 'The source’s columns matching businessKey, in the same order; default the same names',
      }),
    ),
    surrogateKey: Type.String({ minLength: 1, maxLength: 255, description: 'The dimension’s surrogate key column' }),
    keyColumn: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 255,
        description: 'The fact’s column for the looked-up key; default the surrogate key’s name',
      }),
    ),
    validFrom: Type.String({ minLength: 1, maxLength: 255, default: 'valid_from' }),
    validTo: Type.String({
      minLength: 1,
      maxLength: 255,
      default: 'valid_to',
      description: 'End of a version’s validity; NULL (or a far-future date) for the current one',
    }),
    validToInclusive: Type.Boolean({
      default: false,
      description: 'false: a version is valid from validFrom up to, not including, validTo; true: including it',
    }),
    eventTime: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 255,
        description: 'The source column looked up against this dimension, when not the fact’s eventTime',
      }),
    ),
    onUnknown: Type.Optional(OnUnknown),
    unknownKey: Type.Optional(UnknownKey),
  },
  { additionalProperties: false },
);

const Measure = Type.Object(
  {
    name: Name,
    column: Type.Optional(
      Type.String({ minLength: 1, maxLength: 255, description: 'The source column; default the measure’s name' }),
    ),
    type: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: 'Cast to this DuckDB type, e.g. DECIMAL(18,2)' }),
    ),
  },
  { additionalProperties: false },
);

/** The `fact` operator's config: the source, its dimension lookups, grain, measures and how the rows land. */
export const FactConfig = Type.Object(
  {
    source: Type.String({ minLength: 3, maxLength: 255, description: 'The input holding the events (layer.name)' }),
    eventTime: Type.String({
      minLength: 1,
      maxLength: 255,
      description: 'The source column (DATE or TIMESTAMP) each dimension is looked up at, point in time',
    }),
    dimensions: Type.Array(Dimension, { minItems: 1 }),
    unknownKey: Type.Union([Type.Integer(), Type.String({ minLength: 1, maxLength: 255 })], {
      default: -1,
      description: 'The surrogate key of unknown members, cast to the surrogate key’s type',
    }),
    onUnknown: Type.Union([Type.Literal('unknown_key'), Type.Literal('quarantine'), Type.Literal('fail')], {
      default: 'unknown_key',
      description:
        'A fact row with no dimension version at its event time (unknown or late-arriving member): give it the ' +
        'unknown key, quarantine it, or fail the job (FACT_UNKNOWN_MEMBER); a dimension may override it',
    }),
    attributes: Type.Array(Name, {
      default: [],
      description: 'Source columns passed through as they are (dates, degenerate dimensions such as order_id)',
    }),
    measures: Type.Array(Measure, { default: [] }),
    grain: Type.Array(Name, {
      minItems: 1,
      description: 'The output columns one fact row is unique by; checked on every run',
    }),
    onGrainViolation: Type.Union([Type.Literal('fail'), Type.Literal('quarantine')], {
      default: 'fail',
      description: 'Rows sharing a grain: fail (FACT_GRAIN_VIOLATION, naming a sample) or quarantine all of them',
    }),
    write: Type.Object(
      {
        mode: Type.Union([Type.Literal('full_refresh'), Type.Literal('append'), Type.Literal('overwrite_partitions')], {
          default: 'full_refresh',
          description:
            'full_refresh: the rows replace the table; append: they are added; overwrite_partitions: they replace ' +
            'the partitions (days) they fall in',
        }),
        partitionColumn: Type.Optional(
          Type.String({
            minLength: 1,
            maxLength: 255,
            description:
              'The output’s DATE partition column: an attribute of type DATE, or a new column computed as the ' +
              'event time’s date. Required for overwrite_partitions',
          }),
        ),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false },
);

export type FactSettings = Static<typeof FactConfig>;
export type DimensionSettings = Static<typeof Dimension>;

/** Form hints: source and time first, then dimensions, then the fact's shape and the write. */
export const factUi: UiHints = {
  order: [
    'source',
    'eventTime',
    'dimensions',
    'unknownKey',
    'onUnknown',
    'attributes',
    'measures',
    'grain',
    'onGrainViolation',
    'write',
    'write.mode',
    'write.partitionColumn',
  ],
  groups: [
    { title: 'Source', fields: ['source', 'eventTime'] },
    {
      title: 'Dimensions',
      fields: ['dimensions', 'unknownKey', 'onUnknown'],
      description: 'Surrogate keys looked up in SCD2 dimensions at each event’s time',
    },
    { title: 'Fact', fields: ['attributes', 'measures', 'grain', 'onGrainViolation'] },
    { title: 'Write', fields: ['write'] },
  ],
  widgets: {
    source: 'dataset',
    eventTime: 'column',
    attributes: 'columns',
    grain: 'columns',
    'write.partitionColumn': 'column',
  },
  placeholders: { eventTime: 'sold_at', 'write.partitionColumn': 'sale_date' },
  help: {
    grain: 'Output column names: attributes, dimension key columns.',
    unknownKey: 'Keep a row with this key in each dimension for reports to join to.',
    'write.partitionColumn':
      'Also the column a backfill’s partitions are cut by: name it like the job’s partitions.column.',
  },
};

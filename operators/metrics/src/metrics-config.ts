import { Type, type Static, type UiHints } from '@assay/sdk';

const Column = Type.String({ minLength: 1, maxLength: 255 });
/** A column name the output gets: plain, so every engine and BI tool can read it unquoted. */
const outputName = (description: string, defaults: { default?: string } = {}) =>
  Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description, ...defaults });

/** One measure: an output column aggregating the input rows of a period and dimension values. */
export const MeasureConfig = Type.Object(
  {
    name: outputName('The output column (letters, digits and underscores)'),
    type: Type.Union(
      [
        Type.Literal('sum'),
        Type.Literal('count'),
        Type.Literal('count_distinct'),
        Type.Literal('avg'),
        Type.Literal('min'),
        Type.Literal('max'),
        Type.Literal('ratio'),
        Type.Literal('expression'),
      ],
      {
        description:
          'sum, avg, min, max of a column; count of rows (or of a column’s non-null values); count_distinct of a ' +
          'column; ratio of two other measures (numerator / denominator, NULL when the denominator is 0); ' +
          'expression: your own aggregate SQL',
      },
    ),
    column: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 255,
        description: 'The input column: required for sum, avg, min, max and count_distinct; optional for count',
      }),
    ),
    numerator: Type.Optional(Type.String({ minLength: 1, description: 'ratio: the name of another measure' })),
    denominator: Type.Optional(Type.String({ minLength: 1, description: 'ratio: the name of another measure' })),
    sql: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'expression: an aggregate SQL expression over the input columns, used as written (sum(price * qty))',
      }),
    ),
    filter: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'A SQL predicate over the input columns, used as written: only rows for which it holds count towards ' +
          'this measure (sum, count, count_distinct, avg, min, max)',
      }),
    ),
  },
  { additionalProperties: false },
);

export type MeasureSettings = Static<typeof MeasureConfig>;

/** The `metrics` operator's config. */
export const MetricsConfig = Type.Object(
  {
    measures: Type.Array(MeasureConfig, { minItems: 1, description: 'The output’s measure columns' }),
    dimensions: Type.Array(Column, {
      default: [],
      description: 'Input columns to group by besides the period; each becomes an output column',
    }),
    time: Type.Object(
      {
        column: Type.String({
          minLength: 1,
          maxLength: 255,
          description: 'The input’s DATE, TIMESTAMP or TIMESTAMP WITH TIME ZONE column the periods come from',
        }),
        grain: Type.Union(
          [
            Type.Literal('day'),
            Type.Literal('week'),
            Type.Literal('month'),
            Type.Literal('quarter'),
            Type.Literal('year'),
          ],
          { description: 'day, week (ISO: from Monday), month, quarter or year' },
        ),
        fiscalYearStartMonth: Type.Optional(
          Type.Integer({
            minimum: 1,
            maximum: 12,
            description: 'quarter and year grains: the month (1-12) the fiscal year starts in; default 1 (January)',
          }),
        ),
        timeZone: Type.Optional(
          Type.String({
            minLength: 1,
            maxLength: 64,
            description:
              'IANA time zone (Europe/Oslo) the periods are cut in. A TIMESTAMP WITH TIME ZONE is converted to it ' +
              '(UTC when unset); a plain TIMESTAMP is taken as UTC and converted; not for DATE columns',
          }),
        ),
        periodColumn: outputName(
          'The output column holding the period’s first day (a DATE); the output is partitioned by it',
          { default: 'period' },
        ),
      },
      { additionalProperties: false },
    ),
    filters: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      description: 'SQL predicates over the input columns, used as written: only rows for which all hold are counted',
    }),
    incremental: Type.Boolean({
      default: true,
      description:
        'Recompute only the periods the input’s changes since the last run touch; false recomputes everything',
    }),
  },
  { additionalProperties: false },
);

export type MetricsSettings = Static<typeof MetricsConfig>;

/** The time grains a metric can be computed at. */
export type Grain = MetricsSettings['time']['grain'];

/** Form hints: the measures first, then how rows are grouped in time and by dimension. */
export const metricsUi: UiHints = {
  order: [
    'measures',
    'time',
    'time.column',
    'time.grain',
    'time.fiscalYearStartMonth',
    'time.timeZone',
    'time.periodColumn',
    'dimensions',
    'filters',
    'incremental',
  ],
  show: { 'time.fiscalYearStartMonth': { 'time.grain': ['quarter', 'year'] } },
  widgets: { 'time.column': 'column', dimensions: 'columns' },
  placeholders: {
    'time.column': 'sold_at',
    'time.timeZone': 'Europe/Oslo',
    filters: "status <> 'cancelled'",
  },
  help: {
    measures: 'ratio refers to two other measures by name; expression is aggregate SQL such as sum(price * qty)',
    'time.fiscalYearStartMonth': 'A fiscal year starting in April (4) makes April–June the first quarter',
    incremental: 'Averages, distinct counts and ratios stay exact: a touched period is recomputed whole',
  },
};

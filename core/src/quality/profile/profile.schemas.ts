import { Type, type Static, type TSchema } from 'typebox';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Value = Type.Union([Type.String(), Type.Number(), Type.Boolean()]);

/** What a column's DuckDB type is profiled as. */
export const ColumnKindSchema = Type.Union(
  [
    Type.Literal('number'),
    Type.Literal('text'),
    Type.Literal('temporal'),
    Type.Literal('boolean'),
    Type.Literal('other'),
  ],
  { description: 'number, text, temporal (DATE/TIMESTAMP), boolean, or other (nested, binary, TIME, ...)' },
);

const Share = Type.Object({
  matches: Type.Integer({ description: 'Non-null values that match' }),
  share: Type.Number({ minimum: 0, maximum: 1, description: 'matches / non-null values' }),
});

export const ColumnProfileSchema = Type.Object({
  name: Type.String(),
  type: Type.String({ description: 'DuckDB type, as the caller sees the column' }),
  kind: ColumnKindSchema,
  masked: Type.Boolean({ description: "A policy masks the column for the caller: its values are the mask's" }),
  nulls: Type.Integer(),
  nullPercent: Type.Number({ minimum: 0, maximum: 100 }),
  distinct: Nullable(Type.Integer({ description: 'Distinct non-null values; null for nested types' })),
  distinctApproximate: Type.Boolean({ description: 'true when distinct is an approx_count_distinct estimate' }),
  min: Nullable(Value),
  max: Nullable(Value),
  minLength: Nullable(Type.Integer({ description: 'Text: the shortest value, in characters' })),
  maxLength: Nullable(Type.Integer()),
  topValues: Nullable(
    Type.Array(Type.Object({ value: Value, count: Type.Integer() }), {
      description: 'The 10 most frequent values, most frequent first; null unless the column has few distinct values',
    }),
  ),
  patterns: Type.Array(Type.Intersect([Type.Object({ pattern: Type.String() }), Share]), {
    description: 'Text: the share of values that look like each known pattern (email, iso_date, uuid, ...)',
  }),
  casts: Type.Array(Type.Intersect([Type.Object({ type: Type.String() }), Share]), {
    description: 'Text: the share of values that cast to BIGINT, DOUBLE, DATE and TIMESTAMP',
  }),
});

export const DatasetProfileSchema = Type.Object({
  relation: Type.String({ description: 'The view profiled, layer.name' }),
  rows: Type.Integer({ description: 'Rows the caller sees' }),
  profiledRows: Type.Integer({ description: 'Rows the statistics come from: all, or the sample' }),
  sampled: Type.Boolean(),
  profiledAt: Type.String({ format: 'date-time' }),
  columns: Type.Array(ColumnProfileSchema),
  candidateKeys: Type.Array(Type.Array(Type.String()), {
    description: 'Column sets with no NULL and a distinct value per row: single columns, else a few pairs',
  }),
});

export const SuggestionSchema = Type.Object({
  id: Type.String({ description: 'The id the check will go by in results and incidents' }),
  check: Type.Record(Type.String(), Type.Unknown(), {
    description: 'A job check, ready for the pipeline document: check type, its config, and an action',
  }),
  evidence: Type.String({ description: 'What was observed, in words' }),
  confidence: Type.Union([Type.Literal('high'), Type.Literal('medium')]),
});

export const SkippedColumnSchema = Type.Object({ column: Type.String(), reason: Type.String() });

/** A column profile. */
export type ColumnProfile = Static<typeof ColumnProfileSchema>;
/** What a column's type is profiled as. */
export type ColumnKind = Static<typeof ColumnKindSchema>;
/** The profile of a dataset as one caller sees it. */
export type DatasetProfile = Static<typeof DatasetProfileSchema>;
/** A suggested check with the evidence behind it. */
export type Suggestion = Static<typeof SuggestionSchema>;
/** A column no check was suggested for, and why. */
export type SkippedColumn = Static<typeof SkippedColumnSchema>;

import { Type, type Static } from '@assay/sdk';

/** A column name of a dataset. */
export const columnName = (description?: string) =>
  Type.String({ minLength: 1, maxLength: 255, ...(description === undefined ? {} : { description }) });

/** A dataset as a job names it: `layer.name`. */
export const datasetName = (description: string) =>
  Type.String({ minLength: 3, maxLength: 255, pattern: '^[^.]+\\.[^.]+$', description });

const ColumnName = columnName();

const Pattern = Type.String({
  minLength: 1,
  maxLength: 2000,
  description: "A regular expression in RE2 syntax (DuckDB's regexp functions)",
});

const IgnoreCase = Type.Optional(Type.Boolean({ default: false, description: 'Match letters case-insensitively' }));

/** A pair of columns a lookup joins on: the input's (standardized) column and the reference dataset's. */
export const JoinKey = Type.Object(
  {
    column: ColumnName,
    referenceColumn: Type.Optional(columnName('The reference column; default: the same name')),
  },
  { additionalProperties: false },
);

const closed = { additionalProperties: false } as const;

/** One standardization step of a column; steps run in the order listed, each on the result of the one before. */
export const Step = Type.Union([
  Type.Object({ op: Type.Literal('trim') }, closed),
  Type.Object(
    { op: Type.Literal('case'), to: Type.Union([Type.Literal('upper'), Type.Literal('lower'), Type.Literal('title')]) },
    closed,
  ),
  Type.Object({ op: Type.Literal('regex_validate'), pattern: Pattern, ignoreCase: IgnoreCase }, closed),
  Type.Object(
    {
      op: Type.Literal('regex_extract'),
      pattern: Pattern,
      group: Type.Optional(
        Type.Integer({ minimum: 0, maximum: 9, default: 0, description: '0: the whole match; n: the nth group' }),
      ),
      ignoreCase: IgnoreCase,
      onNoMatch: Type.Optional(
        Type.Union([Type.Literal('null'), Type.Literal('reject')], {
          default: 'null',
          description: 'A value the pattern does not match becomes NULL, or its row goes to quarantine',
        }),
      ),
    },
    closed,
  ),
  Type.Object(
    {
      op: Type.Literal('phone_digits'),
      minDigits: Type.Optional(Type.Integer({ minimum: 1, maximum: 32, description: 'Fewer digits: quarantine' })),
      maxDigits: Type.Optional(Type.Integer({ minimum: 1, maximum: 32, description: 'More digits: quarantine' })),
    },
    closed,
  ),
  Type.Object(
    {
      op: Type.Literal('date'),
      formats: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
        minItems: 1,
        description:
          'strptime formats tried in order (%Y-%m-%d, %d/%m/%Y, %Y-%m-%dT%H:%M:%S); none matching: quarantine',
      }),
      type: Type.Optional(
        Type.Union([Type.Literal('date'), Type.Literal('timestamp')], {
          default: 'date',
          description: 'DATE or TIMESTAMP',
        }),
      ),
    },
    closed,
  ),
  Type.Object(
    {
      op: Type.Literal('boolean'),
      trueValues: Type.Optional(
        Type.Array(Type.String({ maxLength: 100 }), {
          minItems: 1,
          description: 'Replaces the default yes, true, 1, y (compared trimmed, case-insensitively)',
        }),
      ),
      falseValues: Type.Optional(
        Type.Array(Type.String({ maxLength: 100 }), {
          minItems: 1,
          description: 'Replaces the default no, false, 0, n (compared trimmed, case-insensitively)',
        }),
      ),
    },
    closed,
  ),
  Type.Object(
    {
      op: Type.Literal('currency'),
      scale: Type.Optional(Type.Integer({ minimum: 0, maximum: 18, default: 2, description: 'Decimal places' })),
      precision: Type.Optional(Type.Integer({ minimum: 1, maximum: 38, default: 18, description: 'Total digits' })),
      decimalSeparator: Type.Optional(
        Type.Union([Type.Literal('.'), Type.Literal(',')], {
          default: '.',
          description: 'In text amounts; other characters than digits, it and a minus sign are dropped',
        }),
      ),
    },
    closed,
  ),
  Type.Object(
    {
      op: Type.Literal('map'),
      values: Type.Record(Type.String(), Type.Union([Type.String(), Type.Null()]), {
        minProperties: 1,
        description: 'Value → replacement (null for NULL), compared exactly with the value as text',
      }),
      default: Type.Optional(
        Type.Union([Type.String(), Type.Null()], {
          description: 'The replacement of values the map does not name; without it they stay as they are',
        }),
      ),
    },
    closed,
  ),
]);

/** What a column's NULLs (after its steps) become. */
export const NullHandling = Type.Union([
  Type.Object({ action: Type.Literal('reject') }, { additionalProperties: false }),
  Type.Object(
    {
      action: Type.Literal('default'),
      value: Type.Union([Type.String(), Type.Number(), Type.Boolean()], {
        description: "The value, cast to the column's type after its steps",
      }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      action: Type.Literal('forward_fill'),
      orderBy: columnName('The column ordering the rows (ties: input order)'),
      partitionBy: Type.Optional(
        Type.Array(ColumnName, { minItems: 1, description: 'Fill only from rows with the same values of these' }),
      ),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      action: Type.Literal('lookup'),
      dataset: datasetName('A reference dataset among the job’s inputs'),
      keys: Type.Array(JoinKey, { minItems: 1 }),
      value: columnName('The reference column whose value fills the NULL'),
    },
    { additionalProperties: false },
  ),
]);

/** The standardization of one column. */
export const ColumnRule = Type.Object(
  {
    column: ColumnName,
    steps: Type.Optional(Type.Array(Step, { default: [] })),
    nulls: Type.Optional(NullHandling),
  },
  { additionalProperties: false },
);

export type StepSettings = Static<typeof Step>;
export type NullSettings = Static<typeof NullHandling>;
export type ColumnRuleSettings = Static<typeof ColumnRule>;
export type JoinKeySettings = Static<typeof JoinKey>;

import { Type, type Static, type UiHints } from '@assay/sdk';
import { ColumnRule, columnName, datasetName, JoinKey } from './step-config.ts';

/** Enrichment: columns joined in from a reference dataset. */
export const LookupConfig = Type.Object(
  {
    dataset: datasetName('The reference dataset, one of the job’s inputs'),
    keys: Type.Array(JoinKey, { minItems: 1, description: 'The columns the rows join on (after standardization)' }),
    columns: Type.Array(
      Type.Object(
        {
          column: columnName('A column of the reference dataset'),
          as: Type.Optional(columnName('Its name in the output; default: the same name')),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, description: 'The reference columns the output gets' },
    ),
    join: Type.Optional(
      Type.Union([Type.Literal('left'), Type.Literal('inner')], {
        default: 'left',
        description: 'left: every row is kept (onNoMatch decides); inner: rows without a match are dropped',
      }),
    ),
    onNoMatch: Type.Optional(
      Type.Union([Type.Literal('keep_null'), Type.Literal('quarantine'), Type.Literal('fail')], {
        default: 'keep_null',
        description:
          'A left join’s rows without a match: keep them with NULL columns, quarantine them, or fail the job ' +
          '(CLEANSE_LOOKUP_NO_MATCH) before anything is written',
      }),
    ),
  },
  { additionalProperties: false },
);

/** The `cleanse` operator's config. */
export const CleanseConfig = Type.Object(
  {
    input: Type.Optional(
      datasetName('The dataset to cleanse; default: the first input that no lookup uses as reference'),
    ),
    columns: Type.Array(ColumnRule, {
      default: [],
      description: 'Per column: standardization steps in order, then what its NULLs become',
    }),
    businessKey: Type.Optional(
      Type.Array(columnName(), {
        minItems: 1,
        description: 'The columns identifying an entity: what dedupe groups by and a merge upserts by',
      }),
    ),
    dedupe: Type.Optional(
      Type.Object(
        {
          keep: Type.Union(
            [Type.Literal('first'), Type.Literal('last'), Type.Literal('latest_by'), Type.Literal('reject_all')],
            {
              description:
                'Of the rows of one business key: the first or the last in orderBy order (input order without ' +
                'it), the one with the greatest orderBy (latest_by), or none: all go to quarantine (reject_all)',
            },
          ),
          orderBy: Type.Optional(columnName('first, last: the ordering column (optional); latest_by: required')),
        },
        { additionalProperties: false },
      ),
    ),
    lookups: Type.Array(LookupConfig, { default: [], description: 'Reference datasets joined in, in order' }),
    write: Type.Object(
      {
        mode: Type.Union([Type.Literal('full_refresh'), Type.Literal('append'), Type.Literal('merge')], {
          default: 'full_refresh',
          description:
            'full_refresh: the clean rows replace the table (and its schema); append: they are added; merge: they ' +
            'upsert the table by businessKey',
        }),
        partitionBy: Type.Optional(
          Type.Array(columnName(), {
            minItems: 1,
            description: 'Partition columns of the output, when the job creates it',
          }),
        ),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false },
);

export type CleanseSettings = Static<typeof CleanseConfig>;
export type LookupSettings = Static<typeof LookupConfig>;

/** Form hints: the columns first, then keys, dedupe, lookups and the write. */
export const cleanseUi: UiHints = {
  order: ['input', 'columns', 'businessKey', 'dedupe', 'dedupe.keep', 'dedupe.orderBy', 'lookups', 'write'],
  groups: [
    { title: 'Standardize', fields: ['input', 'columns'] },
    { title: 'Deduplicate', fields: ['businessKey', 'dedupe', 'dedupe.keep', 'dedupe.orderBy'] },
    { title: 'Enrich', fields: ['lookups'] },
    { title: 'Write', fields: ['write', 'write.mode', 'write.partitionBy'] },
  ],
  show: { 'dedupe.orderBy': { 'dedupe.keep': ['first', 'last', 'latest_by'] } },
  widgets: {
    input: 'dataset',
    columns: 'code',
    businessKey: 'columns',
    'dedupe.orderBy': 'column',
    lookups: 'code',
    'write.partitionBy': 'columns',
  },
  placeholders: {
    columns:
      '[{ "column": "email", "steps": [{ "op": "trim" }, { "op": "case", "to": "lower" }], "nulls": { "action": "reject" } }]',
    'dedupe.orderBy': 'updated_at',
  },
  help: {
    columns:
      'Steps: trim, case, regex_validate, regex_extract, phone_digits, date, boolean, currency, map. ' +
      'Nulls: reject, default, forward_fill, lookup. A row failing a rule goes to quarantine.',
    businessKey: 'Required for dedupe and for write mode merge.',
    lookups: 'Each reference dataset must be one of the job’s inputs, with one row per key.',
    'write.partitionBy': 'Fixed when the table is created.',
  },
};

import { Type, type Static, type UiHints } from '@assay/sdk';

const Column = Type.String({ minLength: 1, maxLength: 255 });

/** The `sql` operator's config: the query, and how its rows land in the output. */
export const SqlConfig = Type.Object(
  {
    sql: Type.String({
      minLength: 1,
      description: 'One SELECT (or WITH … SELECT) over the job’s inputs, each named layer.name (e.g. bronze.orders)',
    }),
    write: Type.Object(
      {
        mode: Type.Union([Type.Literal('full_refresh'), Type.Literal('append'), Type.Literal('merge')], {
          default: 'full_refresh',
          description:
            'full_refresh: the rows replace the table (and its schema); append: the rows are added; merge: the rows ' +
            'upsert the table by key',
        }),
        key: Type.Optional(
          Type.Array(Column, { minItems: 1, description: 'Merge: the columns identifying a row (required)' }),
        ),
        deleteWhen: Type.Optional(
          Type.String({
            minLength: 1,
            description: "Merge: a condition on the rows' columns; a row for which it holds deletes its key",
          }),
        ),
        partitionBy: Type.Optional(
          Type.Array(Column, { minItems: 1, description: 'Partition columns of the output, when the job creates it' }),
        ),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false },
);

export type SqlSettings = Static<typeof SqlConfig>;

/** Form hints: the query first, the merge fields only for merges. */
export const sqlUi: UiHints = {
  order: ['sql', 'write', 'write.mode', 'write.key', 'write.deleteWhen', 'write.partitionBy'],
  show: { 'write.key': { 'write.mode': ['merge'] }, 'write.deleteWhen': { 'write.mode': ['merge'] } },
  widgets: { sql: 'sql', 'write.key': 'columns', 'write.partitionBy': 'columns' },
  placeholders: {
    sql: 'SELECT id, lower(email) AS email, amount FROM bronze.orders WHERE amount IS NOT NULL',
    'write.deleteWhen': "op = 'd'",
  },
  help: {
    sql: 'Only the job’s inputs can be read. Name every computed column (count(*) AS orders).',
    'write.partitionBy': 'Fixed when the table is created.',
  },
};

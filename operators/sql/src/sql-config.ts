import { Type, type Static, type UiHints } from '@assay/sdk';

const Column = Type.String({ minLength: 1, maxLength: 255 });
const Query = (description: string) => Type.String({ minLength: 1, description });

/** A declared output column of the {@link SqlConfig} contract. */
const ContractColumn = Type.Object(
  {
    name: Column,
    type: Type.String({
      minLength: 1,
      maxLength: 100,
      description:
        'DuckDB type the column is cast to: INTEGER, BIGINT, DOUBLE, DECIMAL(18,2), VARCHAR, BOOLEAN, DATE, ' +
        'TIMESTAMP, TIMESTAMP WITH TIME ZONE, VARCHAR[] …',
    }),
    nullable: Type.Optional(
      Type.Boolean({ default: true, description: 'false: a row with NULL in this column violates the contract' }),
    ),
  },
  { additionalProperties: false },
);

/** The `sql` operator's config: the query, how its rows land in the output, and the output's contract. */
export const SqlConfig = Type.Object(
  {
    sql: Query(
      'One SELECT (or WITH … SELECT) over the job’s inputs, each named layer.name (e.g. bronze.orders); the output ' +
        'itself is readable under its name once it exists (incremental loads)',
    ),
    initialSql: Type.Optional(
      Query(
        'Runs instead of sql while the output does not exist yet: the first load of a query that reads the ' +
          'output (WHERE updated_at > (SELECT max(updated_at) FROM silver.orders))',
      ),
    ),
    write: Type.Object(
      {
        mode: Type.Union(
          [
            Type.Literal('full_refresh'),
            Type.Literal('append'),
            Type.Literal('overwrite_partitions'),
            Type.Literal('merge'),
          ],
          {
            default: 'full_refresh',
            description:
              'full_refresh: the rows replace the table (and its schema); append: the rows are added; ' +
              'overwrite_partitions: the rows replace the partitions they fall in; merge: the rows upsert by key',
          },
        ),
        key: Type.Optional(
          Type.Array(Column, { minItems: 1, description: 'Merge: the columns identifying a row (required)' }),
        ),
        deleteWhen: Type.Optional(
          Type.String({
            minLength: 1,
            description:
              "Merge: a SQL condition on the rows' columns (trusted SQL, evaluated as written); a row for which it " +
              'holds deletes its key and is not inserted',
          }),
        ),
        onKeyProblem: Type.Optional(
          Type.Union([Type.Literal('fail'), Type.Literal('quarantine')], {
            description:
              'Merge: what a row with a NULL key, or one of several rows with one key, does: fail the run ' +
              '(default) or go to quarantine while the other rows are merged',
          }),
        ),
        partitionBy: Type.Optional(
          Type.Array(Column, {
            minItems: 1,
            description: 'Partition columns of the output, when the job creates it (overwrite_partitions needs them)',
          }),
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    contract: Type.Optional(
      Type.Object(
        {
          columns: Type.Array(ContractColumn, {
            minItems: 1,
            description: 'The output’s declared columns, in order; the query’s columns are cast to their types',
          }),
          onExtra: Type.Union([Type.Literal('fail'), Type.Literal('drop'), Type.Literal('evolve')], {
            default: 'fail',
            description:
              'A query column the contract does not declare: fail, drop it, or evolve (write it as it is, so the ' +
              'table gains it)',
          }),
          onMissing: Type.Union([Type.Literal('fail'), Type.Literal('null')], {
            default: 'fail',
            description: 'A declared column the query lacks: fail, or write it as NULL (nullable columns only)',
          }),
          onViolation: Type.Union([Type.Literal('fail'), Type.Literal('quarantine')], {
            default: 'fail',
            description:
              'A row breaking the contract (NULL in a nullable: false column, a value that does not cast to the ' +
              'declared type): fail the run, or quarantine the row and write the others',
          }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/** A validated `sql` config, defaults filled in. */
export type SqlSettings = Static<typeof SqlConfig>;
/** The output contract of a {@link SqlSettings}: declared columns and what to do about differences. */
export type SqlContract = NonNullable<SqlSettings['contract']>;

/** Form hints: the query first, the merge fields only for merges, the contract last. */
export const sqlUi: UiHints = {
  order: [
    'sql',
    'initialSql',
    'write',
    'write.mode',
    'write.key',
    'write.deleteWhen',
    'write.onKeyProblem',
    'write.partitionBy',
    'contract',
  ],
  groups: [
    { title: 'Query', fields: ['sql', 'initialSql'] },
    { title: 'Write', fields: ['write'] },
    {
      title: 'Contract',
      fields: ['contract'],
      description: 'Optional: the columns and types the output must have',
    },
  ],
  show: {
    'write.key': { 'write.mode': ['merge'] },
    'write.deleteWhen': { 'write.mode': ['merge'] },
    'write.onKeyProblem': { 'write.mode': ['merge'] },
  },
  widgets: { sql: 'sql', initialSql: 'sql', 'write.key': 'columns', 'write.partitionBy': 'columns' },
  placeholders: {
    sql: 'SELECT id, lower(email) AS email, amount FROM bronze.orders WHERE amount IS NOT NULL',
    initialSql: 'SELECT id, lower(email) AS email, amount, updated_at FROM bronze.orders',
    'write.deleteWhen': "op = 'd'",
  },
  help: {
    sql: 'Only the job’s inputs (and the output, once it exists) can be read. Name every computed column (count(*) AS orders).',
    initialSql: 'Only needed when sql reads the output itself: the first run has no output to read yet.',
    'write.partitionBy': 'Fixed when the table is created.',
    'write.onKeyProblem': 'Quarantined rows carry the rule sql.merge.key_null or sql.merge.key_duplicate.',
    contract:
      'Violations are quarantined as sql.contract.not_null or sql.contract.type when onViolation is quarantine.',
  },
};

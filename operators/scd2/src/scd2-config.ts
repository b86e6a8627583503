import { Type, type Static, type UiHints } from '@assay/sdk';

const Column = Type.String({ minLength: 1, maxLength: 255 });
const Columns = (description: string) => Type.Array(Column, { description, default: [] });
/** A column name the operator gives the output: plain, so every engine and BI tool can read it unquoted. */
const outputName = (description: string, name: string) =>
  Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description, default: name });

/** What happens to a key that was deleted in the source. */
export const DeletePolicy = Type.Union(
  [Type.Literal('ignore'), Type.Literal('invalidate'), Type.Literal('new_record')],
  {
    default: 'ignore',
    description:
      'ignore: deletes change nothing (flagged rows are skipped); invalidate: scd2 closes the current version ' +
      '(no current row is left), scd1 removes the row; new_record: scd2 closes it and opens a version flagged ' +
      'deleted, scd1 flags the row deleted',
  },
);

/** The `scd2` operator's config. */
export const Scd2Config = Type.Object(
  {
    mode: Type.Union([Type.Literal('scd2'), Type.Literal('scd1')], {
      default: 'scd2',
      description: 'scd2: keep every version of a key with its validity; scd1: one row per key, changed in place',
    }),
    businessKey: Type.Array(Column, {
      minItems: 1,
      description: 'The input columns identifying a member of the dimension (one or more)',
    }),
    input: Type.Union([Type.Literal('changes'), Type.Literal('snapshot')], {
      default: 'changes',
      description:
        'changes: the input holds changed rows only; snapshot: the input holds every live key, so keys missing ' +
        'from it were deleted (applied per deletes.policy)',
    }),
    effectiveFrom: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 255,
        description:
          'The input column (DATE or TIMESTAMP) from which a row’s values hold; without it every row of a run ' +
          'takes effect at the run’s start (load time)',
      }),
    ),
    sequenceBy: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 255,
        description: 'An input column ordering rows of one key with the same effective time: the higher is later',
      }),
    ),
    changeColumns: Type.Optional(
      Type.Array(Column, {
        minItems: 1,
        description:
          'Only changes of these columns make a new version; default: every written column except the key, ' +
          'ignoreColumns, effectiveFrom, sequenceBy and the audit columns _load_id, _ingested_at, _source, _hash',
      }),
    ),
    ignoreColumns: Columns('Columns written but never compared: a version keeps the values of the row that opened it'),
    excludeColumns: Columns('Input columns not written to the output at all (e.g. a CDC op column)'),
    deletes: Type.Object(
      {
        policy: DeletePolicy,
        when: Type.Optional(
          Type.String({
            minLength: 1,
            description:
              'A SQL predicate over the input columns, used as written, marking rows that delete their key ' +
              "(op = 'd'); the row's effective time is the time of the delete",
          }),
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    columns: Type.Object(
      {
        validFrom: outputName('scd2: when a version starts (inclusive)', 'valid_from'),
        validTo: outputName('scd2: when a version ends (exclusive); open for the current version', 'valid_to'),
        isCurrent: outputName('scd2: true for the latest version of a key', 'is_current'),
        surrogateKey: outputName('A deterministic key per row: business key (+ valid_from in scd2) hashed', 'sk'),
        hash: outputName('The row hash of the compared columns', '_hash'),
        deleted: outputName('deletes.policy new_record: true on the rows that record a delete', 'is_deleted'),
      },
      { additionalProperties: false, default: {} },
    ),
    surrogateKeyType: Type.Union([Type.Literal('bigint'), Type.Literal('varchar')], {
      default: 'bigint',
      description:
        'bigint: the first 64 bits of the MD5 of the key text, as a signed BIGINT (compact, fast joins); ' +
        'varchar: the 32 hex digits of the MD5',
    }),
    openEnd: Type.Union([Type.Literal('null'), Type.Literal('far_future')], {
      default: 'null',
      description: 'scd2: valid_to of the current version: NULL, or the farFuture date',
    }),
    farFuture: Type.String({
      minLength: 1,
      default: '9999-12-31',
      description: 'scd2, openEnd far_future: the open end, a date or timestamp',
    }),
    invalidRows: Type.Union([Type.Literal('quarantine'), Type.Literal('fail')], {
      default: 'quarantine',
      description:
        'Rows with a NULL business key column or a NULL effective time: set aside in the quarantine with rule ' +
        'and reason, or fail the run (SCD2_KEY_NULL, SCD2_EFFECTIVE_TIME_NULL)',
    }),
    restateFrom: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'scd2: rebuild history from this date or timestamp from the input, keeping earlier history; applied ' +
          'once (the job state remembers it), change it to restate again',
      }),
    ),
    partitionByCurrent: Type.Boolean({
      default: true,
      description:
        'scd2: partition a table the job creates by is_current, so a run rewrites only current rows’ files and ' +
        'closed history stays untouched',
    }),
  },
  { additionalProperties: false },
);

export type Scd2Settings = Static<typeof Scd2Config>;

const SCD2_ONLY = { mode: ['scd2'] };

/** Form hints: key and input shape first, then time, change detection, deletes and naming. */
export const scd2Ui: UiHints = {
  order: [
    'mode',
    'businessKey',
    'input',
    'effectiveFrom',
    'sequenceBy',
    'changeColumns',
    'ignoreColumns',
    'excludeColumns',
    'deletes',
    'deletes.policy',
    'deletes.when',
    'invalidRows',
    'restateFrom',
    'columns',
    'surrogateKeyType',
    'openEnd',
    'farFuture',
    'partitionByCurrent',
  ],
  groups: [
    { title: 'Dimension', fields: ['mode', 'businessKey', 'input', 'effectiveFrom', 'sequenceBy'] },
    { title: 'Change detection', fields: ['changeColumns', 'ignoreColumns', 'excludeColumns'] },
    { title: 'Deletes and bad rows', fields: ['deletes', 'deletes.policy', 'deletes.when', 'invalidRows'] },
    {
      title: 'History and layout',
      fields: ['restateFrom', 'columns', 'surrogateKeyType', 'openEnd', 'farFuture', 'partitionByCurrent'],
    },
  ],
  show: {
    restateFrom: SCD2_ONLY,
    openEnd: SCD2_ONLY,
    farFuture: { mode: ['scd2'], openEnd: ['far_future'] },
    partitionByCurrent: SCD2_ONLY,
    'columns.validFrom': SCD2_ONLY,
    'columns.validTo': SCD2_ONLY,
    'columns.isCurrent': SCD2_ONLY,
    'columns.deleted': { 'deletes.policy': ['new_record'] },
  },
  widgets: {
    businessKey: 'columns',
    effectiveFrom: 'column',
    sequenceBy: 'column',
    changeColumns: 'columns',
    ignoreColumns: 'columns',
    excludeColumns: 'columns',
    'deletes.when': 'sql',
  },
  placeholders: {
    businessKey: 'customer_id',
    effectiveFrom: 'updated_at',
    'deletes.when': "op = 'd'",
    restateFrom: '2026-03-01',
  },
  help: {
    effectiveFrom:
      'Several changes of one key in one run each become a version, in this order; rows older than the history ' +
      'are inserted where they belong.',
    'deletes.when': 'A snapshot input also deletes the keys it lacks (at the run’s start).',
    restateFrom: 'The input must then hold every change since this date.',
    partitionByCurrent: 'Fixed when the table is created.',
  },
};

import { Type, type Static, type UiHints } from '@assay/sdk';

const Column = Type.String({ minLength: 1, maxLength: 255 });
const Columns = (description: string) => Type.Array(Column, { minItems: 1, description });

/** The `cdc-merge` operator's config: which rows of the change log, in what order, and how they land. */
export const CdcMergeConfig = Type.Object(
  {
    businessKey: Columns(
      'Fields of the row images (after, before, key) identifying a row; they become the merge key of the table',
    ),
    sourceTable: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'Apply only the changes whose source_table is this (schema.table, db.table for MySQL): for a change log ' +
          'that holds several tables, as a Debezium topic set can',
      }),
    ),
    position: Type.Array(Column, {
      minItems: 1,
      default: ['source_position'],
      description:
        'Change-log column(s) giving the source order (LSN, binlog file and position, …), compared as a tuple in ' +
        'this order; the event time breaks ties',
    }),
    positionAs: Type.Union([Type.Literal('auto'), Type.Literal('text'), Type.Literal('number')], {
      default: 'auto',
      description:
        'How text position columns compare. auto: numeric columns as numbers, text as text (right for the CDC ' +
        "connectors' zero-padded source_position); text: every column as text; number: text columns as integers",
    }),
    eventTime: Type.Union([Column, Type.Null()], {
      default: 'event_time',
      description: 'Change-log column with the time of the change, the tie-break after the position; null for none',
    }),
    deletes: Type.Union([Type.Literal('hard'), Type.Literal('soft')], {
      default: 'hard',
      description:
        'hard: a delete removes the row; soft: the row stays, flagged deleted with the time of the delete (a later ' +
        'insert of the key brings it back)',
    }),
    deletedFlagColumn: Type.String({
      minLength: 1,
      maxLength: 255,
      default: 'is_deleted',
      description: 'Soft deletes: the BOOLEAN column flagging deleted rows',
    }),
    deletedAtColumn: Type.String({
      minLength: 1,
      maxLength: 255,
      default: 'deleted_at',
      description: 'Soft deletes: the TIMESTAMP WITH TIME ZONE column with the time of the delete (NULL while live)',
    }),
    include: Type.Optional(
      Columns('Fields of the after image that become columns, in this order (default: all; the key always)'),
    ),
    exclude: Type.Optional(Columns('Fields of the after image that do not become columns')),
    types: Type.Union([Type.Literal('infer'), Type.Literal('text')], {
      default: 'infer',
      description:
        'Column types when the job creates the table. infer: from the JSON values (numbers, booleans, text); text: ' +
        'every column VARCHAR. An existing table keeps its types',
    }),
    casts: Type.Optional(
      Type.Record(
        Column,
        Type.String({
          minLength: 1,
          maxLength: 100,
          pattern: '^[A-Za-z][A-Za-z0-9_ ]*(\\(\\s*\\d+\\s*(,\\s*\\d+\\s*)?\\))?$',
        }),
        {
          description:
            'A DuckDB type per column when the job creates the table (e.g. price: DECIMAL(18,2), at: TIMESTAMPTZ): ' +
            'the JSON value is cast to it',
        },
      ),
    ),
    auditColumns: Type.Boolean({
      default: true,
      description:
        'Add _cdc_op, _cdc_position and _cdc_event_time (the applied change). Hard deletes always write _cdc_op: ' +
        'the merge deletes the rows where it is d',
    }),
    onNewColumns: Type.Union([Type.Literal('fail'), Type.Literal('ignore')], {
      default: 'fail',
      description:
        'When after images have fields the existing table lacks (a merge cannot add columns). fail: ' +
        'CDC_NEW_COLUMNS; ignore: leave them out',
    }),
    onInvalid: Type.Union([Type.Literal('fail'), Type.Literal('quarantine')], {
      default: 'fail',
      description:
        'Changes with a NULL key or position, or a value that does not fit its column type. fail: the run stops ' +
        'and writes nothing; quarantine: they are set aside with the reason and the rest is applied',
    }),
  },
  { additionalProperties: false },
);

export type CdcMergeSettings = Static<typeof CdcMergeConfig>;

/** Form hints: key and order first, then deletes, columns and what to do with bad changes. */
export const cdcMergeUi: UiHints = {
  order: [
    'businessKey',
    'sourceTable',
    'position',
    'positionAs',
    'eventTime',
    'deletes',
    'deletedFlagColumn',
    'deletedAtColumn',
    'include',
    'exclude',
    'types',
    'casts',
    'auditColumns',
    'onNewColumns',
    'onInvalid',
  ],
  groups: [
    { title: 'Changes', fields: ['businessKey', 'sourceTable', 'position', 'positionAs', 'eventTime'] },
    { title: 'Deletes', fields: ['deletes', 'deletedFlagColumn', 'deletedAtColumn'] },
    { title: 'Columns', fields: ['include', 'exclude', 'types', 'casts', 'auditColumns', 'onNewColumns'] },
    { title: 'Bad changes', fields: ['onInvalid'] },
  ],
  show: { deletedFlagColumn: { deletes: ['soft'] }, deletedAtColumn: { deletes: ['soft'] } },
  widgets: { position: 'columns', eventTime: 'column', casts: 'code' },
  placeholders: { businessKey: 'id', sourceTable: 'public.customers', casts: '{ "price": "DECIMAL(18,2)" }' },
  help: {
    businessKey: 'Deletes find it in the before image or the key column.',
    position: 'The CDC connectors write source_position, which sorts like the source (LSN, binlog position).',
    include: 'Other fields are left out; the business key is always a column.',
  },
};

import { Type, type Static, type UiHints } from '@assay/sdk';

const Column = Type.String({ minLength: 1, maxLength: 255 });
const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'A day, YYYY-MM-DD' });

/** The `snapshot` operator's config. */
export const SnapshotConfig = Type.Object(
  {
    source: Type.Union([Type.Literal('scd2'), Type.Literal('table')], {
      default: 'scd2',
      description:
        'scd2: the input is a type-2 dimension; a snapshot holds the versions valid at the end of its day. ' +
        'table: a fact or any table; a snapshot holds its rows up to the day (with dateColumn) or all of them',
    }),
    validFrom: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 255,
        description: 'scd2: the column a version starts at (default valid_from)',
      }),
    ),
    validTo: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 255,
        description:
          'scd2: the column a version ends at, exclusive (default valid_to); the open end is NULL or a far-future date',
      }),
    ),
    dateColumn: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 255,
        description:
          'table: a snapshot holds the rows whose date or timestamp is on or before its day; unset: every row',
      }),
    ),
    asOf: Type.Optional(
      Type.String({
        pattern: '^(\\d{4}-\\d{2}-\\d{2}|today|yesterday)$',
        description: 'One snapshot: a day (YYYY-MM-DD), or today / yesterday (UTC) for a scheduled job; default today',
      }),
    ),
    range: Type.Optional(
      Type.Object(
        {
          from: Day,
          to: Day,
          every: Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month')], {
            default: 'day',
            description: 'One snapshot per day, week (ISO, Monday to Sunday) or month of the range',
          }),
          at: Type.Union([Type.Literal('end'), Type.Literal('start')], {
            default: 'end',
            description: 'week and month: snapshot on the period’s last day (Sunday, month end) or its first',
          }),
        },
        { additionalProperties: false, description: 'Periodic snapshots: every period in from..to (both included)' },
      ),
    ),
    timeZone: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description:
          'IANA time zone whose midnight ends a snapshot’s day, for timestamp columns (UTC when unset; a plain ' +
          'TIMESTAMP is taken as UTC)',
      }),
    ),
    columns: Type.Optional(
      Type.Array(Column, { minItems: 1, description: 'The input columns to keep (default: all of them)' }),
    ),
    filter: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'A SQL predicate over the input columns, used as written: only rows for which it holds are kept',
      }),
    ),
    snapshotColumn: Type.String({
      minLength: 1,
      maxLength: 128,
      pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
      default: 'snapshot_date',
      description: 'The output column holding the snapshot’s day (a DATE); the output is partitioned by it',
    }),
  },
  { additionalProperties: false },
);

export type SnapshotSettings = Static<typeof SnapshotConfig>;

/** Form hints: the source first, its own fields only for it; one day or a range. */
export const snapshotUi: UiHints = {
  order: [
    'source',
    'validFrom',
    'validTo',
    'dateColumn',
    'asOf',
    'range',
    'range.from',
    'range.to',
    'range.every',
    'range.at',
    'timeZone',
    'columns',
    'filter',
    'snapshotColumn',
  ],
  show: {
    validFrom: { source: ['scd2'] },
    validTo: { source: ['scd2'] },
    dateColumn: { source: ['table'] },
    'range.at': { 'range.every': ['week', 'month'] },
  },
  widgets: { validFrom: 'column', validTo: 'column', dateColumn: 'column', columns: 'columns' },
  placeholders: { asOf: 'yesterday', filter: 'NOT is_deleted', timeZone: 'Europe/Oslo' },
  help: {
    asOf: 'Leave empty and give a range for periodic snapshots; a backfill computes one snapshot per day of each partition',
    range: 'Re-running a day replaces its snapshot',
  },
};

import { Type, type TSchema } from 'typebox';
import { MAX_QUARANTINE_IDS } from './quarantine-filter.ts';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Text = Nullable(Type.String());

/** The id of a quarantined row: a hash of its stored columns, new after each edit. */
export const QuarantineId = Type.String({ pattern: '^[0-9a-f]{32}$', description: 'quarantine_id of a listed row' });

const Ids = Type.Array(QuarantineId, { minItems: 1, maxItems: MAX_QUARANTINE_IDS });
const Filterable = Type.String({ minLength: 1, maxLength: 500 });

export const QuarantineListQuery = Type.Object({
  check: Type.Optional(Filterable),
  runId: Type.Optional(Filterable),
  loadId: Type.Optional(Filterable),
  errorType: Type.Optional(Filterable),
  search: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'Text in the raw row or reason' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'default 100' })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, description: 'nextCursor of the previous page' })),
});

export const QuarantinedRowSchema = Type.Object(
  {
    quarantine_id: QuarantineId,
    _load_id: Text,
    _quarantined_at: Nullable(Type.String({ format: 'date-time' })),
    check_id: Text,
    _source: Text,
    line: Nullable(Type.Number()),
    column_name: Text,
    error_type: Text,
    reason: Text,
    raw_row: Nullable(Type.String({ description: 'The original row: JSON of its columns, or raw text of a line' })),
    run_id: Text,
    row: Nullable(Type.Record(Type.String(), Type.Unknown(), { description: 'raw_row parsed, when a JSON object' })),
  },
  { additionalProperties: true },
);

export const QuarantinePageSchema = Type.Object({
  rows: Type.Array(QuarantinedRowSchema),
  truncated: Type.Boolean({ description: 'More rows follow: pass nextCursor as cursor' }),
  nextCursor: Text,
});

const Count = Type.Object({ rows: Type.Integer(), latest: Nullable(Type.String({ format: 'date-time' })) });
export const QuarantineSummarySchema = Type.Object({
  total: Type.Integer(),
  version: Nullable(Type.Integer({ description: "The quarantine table's version; null when nothing was set aside" })),
  byCheck: Type.Array(Type.Intersect([Type.Object({ check: Text }), Count])),
  byRun: Type.Array(Type.Intersect([Type.Object({ runId: Text }), Count])),
});

export const QuarantineEditBody = Type.Object(
  {
    row: Type.Record(Type.String(), Type.Unknown(), {
      minProperties: 1,
      description: 'New values by column; only these change, unless replace is true',
    }),
    replace: Type.Optional(Type.Boolean({ description: 'Replace the whole row with row (default false: merge)' })),
  },
  { additionalProperties: false },
);

export const QuarantineEditResult = Type.Object({
  quarantineId: QuarantineId,
  previousId: QuarantineId,
  version: Type.Integer(),
  changed: Type.Boolean(),
});

export const QuarantineFixBody = Type.Object(
  {
    set: Type.Record(Type.String({ minLength: 1, maxLength: 200 }), Type.String({ minLength: 1, maxLength: 4000 }), {
      minProperties: 1,
      maxProperties: 100,
      description: "Column → DuckDB expression over the row's columns, e.g. { amount: \"replace(amount, ',', '.')\" }",
    }),
    where: Type.Optional(
      Type.Object(
        { check: Type.Optional(Filterable), runId: Type.Optional(Filterable), ids: Type.Optional(Ids) },
        { additionalProperties: false },
      ),
    ),
    dryRun: Type.Optional(Type.Boolean({ description: 'Show before/after for a sample; write nothing' })),
    sampleSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'dry run rows, default 20' })),
  },
  { additionalProperties: false },
);

export const QuarantineFixResult = Type.Object({
  dryRun: Type.Boolean(),
  rowsMatched: Type.Integer({ description: 'Matching rows holding columns (raw text lines are not fixed in bulk)' }),
  rowsChanged: Type.Integer(),
  version: Nullable(Type.Integer()),
  sample: Type.Array(
    Type.Object({
      quarantineId: QuarantineId,
      before: Type.Record(Type.String(), Type.Unknown()),
      after: Type.Record(Type.String(), Type.Unknown()),
    }),
  ),
});

export const QuarantineDiscardBody = Type.Object(
  {
    reason: Type.String({ minLength: 3, maxLength: 2000, description: 'Why the rows are discarded (audited)' }),
    ids: Type.Optional(Ids),
    check: Type.Optional(Filterable),
    runId: Type.Optional(Filterable),
    loadId: Type.Optional(Filterable),
    errorType: Type.Optional(Filterable),
    all: Type.Optional(Type.Boolean({ description: 'Discard every row; required when no filter is given' })),
  },
  { additionalProperties: false },
);

export const QuarantineDiscardResult = Type.Object({
  discarded: Type.Integer(),
  version: Nullable(Type.Integer()),
});

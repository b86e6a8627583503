import { Type, type Static } from '@assay/sdk';

const ColumnName = Type.String({ minLength: 1, maxLength: 255 });

/**
 * How a load lands a stream in Bronze. The same schema is the `ingest` operator's config in pipelines, the body
 * of `POST …/ingest` and what `assay ingest` builds from its flags.
 */
export const IngestOptionsSchema = Type.Object(
  {
    schema: Type.Optional(
      Type.Object(
        {
          mode: Type.Union([Type.Literal('infer'), Type.Literal('declared')], {
            default: 'infer',
            description: 'infer: types from the source (sniffed for text files); declared: the columns listed here',
          }),
          columns: Type.Optional(
            Type.Array(Type.Object({ name: ColumnName, type: Type.String({ minLength: 1 }) }), {
              description: 'Declared columns (source names) and DuckDB types; values that do not cast are quarantined',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    schemaDrift: Type.Union([Type.Literal('add_columns'), Type.Literal('fail'), Type.Literal('ignore_new')], {
      default: 'add_columns',
      description: 'What a new source column does: add it to the table, fail the load, or leave it out',
    }),
    badRows: Type.Optional(
      Type.Object(
        {
          maxCount: Type.Optional(Type.Integer({ minimum: 0 })),
          maxPercent: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
        },
        {
          additionalProperties: false,
          description: 'More quarantined rows than this fails the load (nothing of it is committed)',
        },
      ),
    ),
    dedupeKeys: Type.Optional(
      Type.Array(ColumnName, {
        minItems: 1,
        description: 'Business key: the latest row per key wins within a load, and replaces the stored row (merge)',
      }),
    ),
    rename: Type.Optional(Type.Record(Type.String(), ColumnName, { description: 'Source column → Bronze column' })),
    partitionBy: Type.Optional(
      Type.Union([
        Type.Object({ column: ColumnName }, { additionalProperties: false }),
        Type.Object(
          {
            ingestDate: Type.String({
              minLength: 2,
              description: 'strftime pattern of the load time, e.g. %Y-%m-%d, in column _ingest_date',
            }),
          },
          { additionalProperties: false },
        ),
      ]),
    ),
    compression: Type.Union([Type.Literal('zstd'), Type.Literal('snappy')], { default: 'zstd' }),
    auditColumns: Type.Boolean({ default: true, description: 'Add _load_id, _ingested_at and _source' }),
  },
  { additionalProperties: false },
);

export type IngestOptions = Static<typeof IngestOptionsSchema>;

/** One load: which stream of which connection goes to which Bronze dataset, and how. */
export interface IngestRequest {
  readonly workspace: string;
  /** Connection id or name. */
  readonly connection: string;
  readonly stream: string;
  /** The stream's settings, validated against the connector's `streamConfig`. */
  readonly streamConfig?: Record<string, unknown> | undefined;
  /** `layer.name`, usually `bronze.<name>`. */
  readonly dataset: string;
  readonly options?: Partial<IngestOptions> | undefined;
  /** Who started it (principal id), recorded on the load and the commits. */
  readonly actor?: string | undefined;
  /** The pipeline run it belongs to, when it runs as a job. */
  readonly runId?: string | undefined;
  readonly signal?: AbortSignal | undefined;
  /** The load record's id, when the load was queued with one. */
  readonly loadId?: string | undefined;
}

/** Audit columns a load adds to every row. */
export const AUDIT_COLUMNS = ['_load_id', '_ingested_at', '_source'] as const;
/** The partition column of `partitionBy.ingestDate`. */
export const INGEST_DATE_COLUMN = '_ingest_date';

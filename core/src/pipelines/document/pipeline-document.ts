import { Type, type Static } from '@assay/sdk';

/** The only `apiVersion` documents are written in today. */
export const API_VERSION = 'assay.dev/v1';

const Name = Type.String({
  pattern: '^[a-z][a-z0-9_-]*$',
  maxLength: 100,
  description: 'lower-case letters, digits, - and _, starting with a letter',
});
const JobId = Type.String({
  pattern: '^[a-z][a-z0-9_]*$',
  maxLength: 100,
  description: 'lower-case letters, digits and _, starting with a letter; unique in the pipeline',
});
/** `layer.name`, as the lake names datasets. */
export const DatasetRef = Type.String({
  pattern: '^[a-z][a-z0-9_]*\\.[a-z][a-z0-9_]*$',
  description: 'a dataset as layer.name, e.g. bronze.orders',
});

const Metadata = Type.Object(
  {
    name: Name,
    /** The workspace the document belongs to; the one applied to when omitted. */
    workspace: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9]*(-[a-z0-9]+)*$' })),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    labels: Type.Optional(Type.Record(Type.String(), Type.String())),
  },
  { additionalProperties: false },
);

const Retry = {
  retries: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 20,
      description: 'Attempts after the first failure (operational errors only)',
    }),
  ),
  retryDelaySeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 86400 })),
  timeoutMinutes: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 7 * 24 * 60 })),
};

/** A data-quality check declared on a job; validated against the check type's schema when one is installed. */
export const JobCheckSchema = Type.Object(
  {
    check: Type.String({ minLength: 1 }),
    // Spelled out rather than mapped from a list, so the TypeScript type keeps the literals.
    action: Type.Optional(
      Type.Union([
        Type.Literal('warn'),
        Type.Literal('drop'),
        Type.Literal('quarantine'),
        Type.Literal('fix'),
        Type.Literal('fail'),
        Type.Literal('gate'),
        Type.Literal('rollback'),
      ]),
    ),
    id: Type.Optional(
      Type.String({
        pattern: '^[a-z][a-z0-9_]*([.+][a-z0-9_]+)*$',
        maxLength: 200,
        description: 'Names the check in results and incidents; by default its type and column(s)',
      }),
    ),
    where: Type.Optional(
      Type.String({ minLength: 1, description: 'A SQL predicate: only rows for which it holds are checked' }),
    ),
    mostly: Type.Optional(
      Type.Number({ minimum: 0, maximum: 1, description: 'The fraction of checked rows that must pass (default 1)' }),
    ),
    fix: Type.Optional(
      Type.Record(Type.String({ minLength: 1 }), Type.String({ minLength: 1 }), {
        description: 'With action fix: column → SQL expression that replaces the value in failing rows',
      }),
    ),
    weight: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 100,
        description: "The check's weight in the quality score (default 1)",
      }),
    ),
  },
  { additionalProperties: true },
);

const ColumnName = Type.String({ minLength: 1, maxLength: 255 });

/** How a job computes one date partition at a time (backfills); its operator must support it. */
export const JobPartitionsSchema = Type.Object(
  {
    column: Type.String({
      minLength: 1,
      maxLength: 255,
      description: "the output's partition column, a DATE; the output is created partitioned by it",
    }),
    grain: Type.Optional(
      Type.Union([Type.Literal('day'), Type.Literal('month')], {
        default: 'day',
        description: 'one task per day or per calendar month',
      }),
    ),
    inputs: Type.Optional(
      Type.Record(DatasetRef, ColumnName, {
        description:
          'the inputs narrowed to the partition, each by its date column; when omitted, every input that has a ' +
          'column named like the partition column',
        additionalProperties: false,
      }),
    ),
  },
  { additionalProperties: false },
);

export const JobSchema = Type.Object(
  {
    id: JobId,
    operator: Type.String({ minLength: 1, description: 'operator type, e.g. sql or ingest' }),
    version: Type.Optional(Type.Integer({ minimum: 1, description: 'operator version; the latest when omitted' })),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    /** The connection an ingest job reads (a name in the workspace or in the same apply). */
    connection: Type.Optional(Name),
    config: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    inputs: Type.Optional(Type.Array(DatasetRef, { uniqueItems: true })),
    output: Type.Optional(DatasetRef),
    /** Extra ordering edges beside the ones from dataset references. */
    dependsOn: Type.Optional(Type.Array(JobId, { uniqueItems: true })),
    checks: Type.Optional(Type.Array(JobCheckSchema)),
    partitions: Type.Optional(JobPartitionsSchema),
    ...Retry,
  },
  { additionalProperties: false },
);

const Schedule = Type.Object(
  {
    cron: Type.String({
      minLength: 9,
      description: 'cron: five fields ("0 6 * * *"), or six with seconds first ("*/30 * * * * *")',
    }),
    timezone: Type.Optional(Type.String({ minLength: 1, description: 'IANA time zone, e.g. Europe/Amsterdam' })),
  },
  { additionalProperties: false },
);

const Trigger = Type.Union([
  Type.Object(
    { type: Type.Literal('pipeline_succeeded'), pipeline: Name },
    { additionalProperties: false, description: 'runs after another pipeline of the workspace succeeds' },
  ),
  Type.Object(
    {
      type: Type.Literal('new_files'),
      connection: Name,
      stream: Type.Optional(Type.String({ minLength: 1 })),
      pollSeconds: Type.Optional(Type.Integer({ minimum: 10, maximum: 86400 })),
    },
    { additionalProperties: false, description: 'runs when new files appear in a file or S3 connection' },
  ),
]);

export const PipelineSpecSchema = Type.Object(
  {
    schedule: Type.Optional(Schedule),
    triggers: Type.Optional(Type.Array(Trigger)),
    defaults: Type.Optional(Type.Object({ ...Retry }, { additionalProperties: false })),
    concurrency: Type.Optional(
      Type.Object(
        {
          maxParallelJobs: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
          allowOverlap: Type.Optional(Type.Boolean({ description: 'let a new run start while one is active' })),
        },
        { additionalProperties: false },
      ),
    ),
    jobs: Type.Array(JobSchema, { minItems: 1 }),
  },
  { additionalProperties: false },
);

export const PipelineDocumentSchema = Type.Object(
  {
    apiVersion: Type.Literal(API_VERSION),
    kind: Type.Literal('Pipeline'),
    metadata: Metadata,
    spec: PipelineSpecSchema,
  },
  { additionalProperties: false },
);

export const ConnectionDocumentSchema = Type.Object(
  {
    apiVersion: Type.Literal(API_VERSION),
    kind: Type.Literal('Connection'),
    metadata: Metadata,
    spec: Type.Object(
      {
        type: Type.String({ minLength: 1, description: 'connector type, e.g. postgres' }),
        version: Type.Optional(Type.Integer({ minimum: 1 })),
        /** Secret fields as `${env:NAME}` (resolved by the applying CLI) or `${secret:name}` (a workspace secret). */
        config: Type.Record(Type.String(), Type.Unknown()),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export type PipelineDocument = Static<typeof PipelineDocumentSchema>;
export type PipelineSpec = Static<typeof PipelineSpecSchema>;
export type JobSpec = Static<typeof JobSchema>;
export type JobCheck = Static<typeof JobCheckSchema>;
export type JobPartitions = Static<typeof JobPartitionsSchema>;
export type ConnectionDocument = Static<typeof ConnectionDocumentSchema>;
export type AssayDocument = PipelineDocument | ConnectionDocument;

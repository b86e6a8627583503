import { Type } from 'typebox';
import { errorResponses } from '../../http/error-body.ts';
import { RUN_TRIGGERS } from './run-records.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const DateTime = Type.String({ format: 'date-time' });

export const RunStatusSchema = Type.Enum(['queued', 'running', 'succeeded', 'failed', 'cancelling', 'cancelled']);
export const JobRunStatusSchema = Type.Enum([
  'pending',
  'queued',
  'running',
  'retrying',
  'succeeded',
  'failed',
  'skipped',
  'upstream_failed',
  'cancelled',
]);

export const SelectionSchema = Type.Object(
  {
    job: Type.String({ minLength: 1, description: 'a job id of the pipeline' }),
    direction: Type.Enum(['only', 'downstream', 'upstream']),
  },
  { additionalProperties: false, description: 'Run one job, or a job with everything downstream or upstream of it' },
);

const StoredSelectionSchema = Type.Union([
  SelectionSchema,
  Type.Object(
    { resumeOf: Type.String(), jobs: Type.Array(Type.String()) },
    { description: 'A resume: the jobs of the run it resumes that did not succeed' },
  ),
]);

const RunProperties = {
  id: Type.String({ format: 'uuid' }),
  workspace: Type.String(),
  pipeline: Type.String(),
  pipelineId: Type.String({ format: 'uuid' }),
  version: Type.Integer({ description: 'The pipeline version the run executes' }),
  sequence: Type.Integer({ description: 'The run number within the pipeline: 1, 2, …' }),
  status: RunStatusSchema,
  trigger: Type.Enum([...RUN_TRIGGERS]),
  triggerDetails: Nullable(Type.Record(Type.String(), Type.Unknown())),
  triggerKey: Nullable(Type.String()),
  actor: Nullable(Type.String({ description: 'The user or service account the run acts for' })),
  selection: Nullable(StoredSelectionSchema),
  resumedFrom: Nullable(Type.String({ format: 'uuid' })),
  backfill: Nullable(
    Type.Object(
      {
        from: Type.String({ format: 'date' }),
        to: Type.String({ format: 'date' }),
        partitions: Type.Integer({ description: 'Partition job runs of the run' }),
      },
      { description: 'What a backfill covers' },
    ),
  ),
  createdAt: DateTime,
  startedAt: Nullable(DateTime),
  finishedAt: Nullable(DateTime),
  durationMs: Nullable(Type.Integer()),
  error: Nullable(Type.Object({ code: Type.String(), message: Type.String(), job: Type.Optional(Type.String()) })),
  jobCounts: Type.Record(Type.String(), Type.Integer(), { description: 'Job runs by status' }),
};

export const RunSchema = Type.Object(RunProperties, {
  $id: 'PipelineRun',
  description: 'One run of one pipeline version',
});

export const JobRunSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    runId: Type.String({ format: 'uuid' }),
    jobId: Type.String(),
    partition: Nullable(Type.String({ description: 'The partition it computes in a backfill (2026-03-01, 2026-03)' })),
    operator: Type.String(),
    operatorVersion: Nullable(Type.Integer()),
    status: JobRunStatusSchema,
    attempt: Type.Integer({ description: 'Attempts started; 0 before the first' }),
    upstream: Type.Array(Type.String(), {
      description: 'The job runs of this run it waits for: job ids, or job[partition] in a backfill',
    }),
    queuedAt: Nullable(DateTime),
    startedAt: Nullable(DateTime),
    finishedAt: Nullable(DateTime),
    durationMs: Nullable(Type.Integer()),
    nextAttemptAt: Nullable(DateTime),
    rowsRead: Type.Integer(),
    rowsWritten: Type.Integer(),
    rowsUpdated: Type.Integer(),
    rowsDeleted: Type.Integer(),
    rowsQuarantined: Type.Integer(),
    deltaVersion: Nullable(Type.Integer({ description: 'The output’s Delta version after the job' })),
    commitSkipped: Nullable(
      Type.Boolean({ description: 'An earlier attempt had committed the write: nothing was written twice' }),
    ),
    inputVersions: Nullable(Type.Record(Type.String(), Type.Integer())),
    metrics: Nullable(Type.Record(Type.String(), Type.Number())),
    progress: Nullable(Type.Object({ done: Type.Number(), total: Nullable(Type.Number()) })),
    error: Nullable(Type.Object({ code: Type.String(), message: Type.String(), errorClass: Nullable(Type.String()) })),
    logExcerpt: Nullable(Type.String({ description: 'The last log lines of the last attempt' })),
  },
  { $id: 'JobRun', description: 'One job of a run' },
);

export const RunWithJobsSchema = Type.Object(
  { ...RunProperties, jobs: Type.Array(Type.Ref('JobRun')) },
  { $id: 'PipelineRunWithJobs', description: 'A run with its job runs in topological order' },
);

export const LogLineSchema = Type.Object({
  id: Type.Integer(),
  attempt: Type.Integer(),
  at: DateTime,
  level: Type.String(),
  message: Type.String(),
  fields: Nullable(Type.Record(Type.String(), Type.Unknown())),
});

const Workspace = Type.String({ pattern: '^[a-z][a-z0-9]*(-[a-z0-9]+)*$' });
export const RunParams = Type.Object({ ws: Workspace, id: Type.String({ minLength: 1, maxLength: 64 }) });
export const PipelineRunParams = Type.Object({ ws: Workspace, name: Type.String({ minLength: 1, maxLength: 100 }) });
export const JobLogParams = Type.Object({
  ws: Workspace,
  id: Type.String({ minLength: 1, maxLength: 64 }),
  jobId: Type.String({ minLength: 1, maxLength: 100 }),
});
export const WsOnly = Type.Object({ ws: Workspace });

export const StartRunBody = Type.Object(
  {
    version: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'default: current' })),
    select: Type.Optional(SelectionSchema),
    wait: Type.Optional(
      Type.Boolean({ description: 'Answer when the run has finished (200) instead of at once (202); default false' }),
    ),
  },
  { additionalProperties: false },
);

export const ListRunsQuery = Type.Object({
  pipeline: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  status: Type.Optional(RunStatusSchema),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, description: 'default 50' })),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page' })),
});

export const LogsQuery = Type.Object({
  partition: Type.Optional(
    Type.String({ minLength: 1, maxLength: 20, description: 'The partition, for a job of a backfill' }),
  ),
  attempt: Type.Optional(Type.Integer({ minimum: 1 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'default 200' })),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page' })),
});

export const runErrors = {
  ...errorResponses,
  403: Type.Ref('ErrorBody'),
  422: Type.Ref('ErrorBody'),
  503: Type.Ref('ErrorBody'),
};

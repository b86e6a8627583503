import { Type } from 'typebox';
import { RunStatusSchema } from '../runs/run-schemas.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const DateTime = Type.String({ format: 'date-time' });
const Count = Type.Integer({ minimum: 0 });
const rate = (description: string) =>
  Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()], { description });
const Ms = Type.Integer({ minimum: 0 });

export const StatsQuery = Type.Object({
  days: Type.Optional(Type.Integer({ minimum: 1, maximum: 366, description: 'The window in days; default 30' })),
});

/** The newest run of a pipeline, as lists show it. */
export const LastRunSchema = Nullable(
  Type.Object(
    {
      id: Type.String({ format: 'uuid' }),
      status: RunStatusSchema,
      finishedAt: Nullable(DateTime),
    },
    { description: 'The newest run (active ones too: finishedAt is null while it runs); null before the first' },
  ),
);

const JobStatsSchema = Type.Object({
  jobId: Type.String(),
  operator: Type.String({ description: 'The operator of its newest job run, else of the current version' }),
  runs: Type.Integer({ minimum: 0, description: 'Job runs that finished, whatever the status' }),
  succeeded: Count,
  failures: Count,
  upstreamFailed: Type.Integer({ minimum: 0, description: 'Never ran because an upstream job did not succeed' }),
  cancelled: Count,
  skipped: Count,
  successRate: rate('succeeded / (succeeded + failures); null when it neither succeeded nor failed'),
  durationMs: Nullable(
    Type.Object(
      { p50: Ms, p95: Ms },
      { description: 'From the first attempt’s start to the end, over job runs that succeeded or failed' },
    ),
  ),
  meanRowsWritten: Nullable(Type.Number({ description: 'Over job runs that succeeded' })),
  lastErrorCode: Nullable(Type.String({ description: 'The code of its newest failure in the window' })),
});

export const PipelineStatsSchema = Type.Object(
  {
    pipeline: Type.String(),
    days: Type.Integer(),
    since: Type.String({ format: 'date-time', description: 'Runs created since this time are counted' }),
    runs: Type.Object({
      total: Count,
      byStatus: Type.Object({
        queued: Count,
        running: Count,
        cancelling: Count,
        succeeded: Count,
        failed: Count,
        cancelled: Count,
      }),
      finished: Type.Integer({ minimum: 0, description: 'succeeded + failed + cancelled' }),
      successRate: rate('succeeded / finished; null without finished runs'),
      durationMs: Nullable(
        Type.Object(
          { p50: Ms, p90: Ms, p95: Ms, max: Ms },
          {
            description:
              'Over finished runs, from the start (the creation if no job started) to the end; percentile_cont ' +
              '(interpolated), rounded to whole milliseconds',
          },
        ),
      ),
      meanTimeBetweenFailuresMs: Nullable(
        Type.Integer({ description: 'Mean time between the ends of consecutive failed runs; null with fewer than 2' }),
      ),
    }),
    lastRun: LastRunSchema,
    lastSuccess: Nullable(
      Type.Object({ id: Type.String({ format: 'uuid' }), finishedAt: DateTime }, { description: 'Whenever it was' }),
    ),
    jobs: Type.Array(JobStatsSchema, {
      description: 'The current version’s jobs in document order, then jobs that ran in the window and are gone',
    }),
  },
  { $id: 'PipelineStats', description: 'How a pipeline’s runs went over the last `days` days' },
);

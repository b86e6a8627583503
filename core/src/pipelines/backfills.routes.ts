import type { PluginHttpApp } from '@assay/sdk';
import { Type } from 'typebox';
import {
  JobRunSchema,
  PipelineRunParams,
  RunWithJobsSchema,
  SelectionSchema,
  runErrors as errors,
} from './runs/run-schemas.ts';
import type { RunService } from './runs/run-service.ts';

const READ = { access: { permission: 'pipeline:read' } } as const;
const RUN = { access: { permission: 'pipeline:run' } } as const;
const tags = ['runs'];

const day = (description: string) => Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description });
const Range = {
  from: day('The first day, inclusive (YYYY-MM-DD)'),
  to: day('The last day, inclusive (YYYY-MM-DD)'),
  version: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'default: current' })),
  select: Type.Optional(SelectionSchema),
};

const PreviewSchema = Type.Object(
  {
    from: Type.String(),
    to: Type.String(),
    version: Type.Integer({ description: 'The pipeline version the backfill would run' }),
    partitions: Type.Integer({ description: 'Partition job runs' }),
    tasks: Type.Integer({ description: 'All job runs: partitions, and jobs that recompute whole' }),
    jobs: Type.Array(
      Type.Object({
        job: Type.String(),
        operator: Type.String(),
        output: Type.Union([Type.String(), Type.Null()]),
        mode: Type.Enum(['partitions', 'full']),
        grain: Type.Union([Type.Enum(['day', 'month']), Type.Null()]),
        partitions: Type.Array(Type.String()),
        estimatedRows: Type.Union([Type.Integer(), Type.Null()], {
          description: 'Input rows its job runs read, from Delta statistics; null when files carry none',
        }),
        estimatedBytes: Type.Integer(),
        inputsMissing: Type.Array(Type.String()),
      }),
    ),
    datasets: Type.Array(Type.String(), { description: 'The datasets the backfill rewrites' }),
    confirmAbove: Type.Integer(),
    needsConfirmation: Type.Boolean(),
  },
  { $id: 'BackfillPreview', description: 'What a backfill would run, before it starts' },
);

/**
 * Backfills of a pipeline: a preview (`pipeline:read`) and the start (`pipeline:run`) of a run over the partitions
 * of a range of days. Its job runs, resume and events are the runs API's.
 */
export async function backfillsRoutes(app: PluginHttpApp, options: { runs: RunService }): Promise<void> {
  const { runs } = options;
  app.addSchema(JobRunSchema);
  app.addSchema(PreviewSchema);

  app.get(
    '/workspaces/:ws/pipelines/:name/backfills/preview',
    {
      config: READ,
      schema: {
        tags,
        summary: 'Preview a backfill: its partitions per job, the datasets it rewrites, the rows and bytes it reads',
        description:
          'Estimates come from the inputs’ Delta statistics as they stand. 400 BACKFILL_RANGE_INVALID, ' +
          'BACKFILL_NOT_PARTITIONED (no job of the selection declares partitions), BACKFILL_TOO_LARGE or ' +
          'BACKFILL_OUTPUT_NOT_PARTITIONED (an output exists without the partition column).',
        params: PipelineRunParams,
        querystring: Type.Object({
          from: Range.from,
          to: Range.to,
          version: Range.version,
          job: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'a job to backfill (select)' })),
          direction: Type.Optional(
            Type.Enum(['only', 'downstream', 'upstream'], { description: 'with job; default downstream' }),
          ),
        }),
        response: { 200: Type.Ref('BackfillPreview'), ...errors },
      },
    },
    async (request) => {
      const { from, to, version, job, direction } = request.query;
      return runs.previewBackfill({
        workspace: request.params.ws,
        pipeline: request.params.name,
        from,
        to,
        version,
        ...(job === undefined ? {} : { select: { job, direction: direction ?? 'downstream' } }),
      });
    },
  );

  app.post(
    '/workspaces/:ws/pipelines/:name/backfills',
    {
      config: RUN,
      schema: {
        tags,
        summary: 'Start a backfill: a run with one job run per partition of each partition-aware job (202)',
        description:
          '409 BACKFILL_CONFIRMATION_REQUIRED above the configured number of partitions without confirm=true; ' +
          'otherwise as starting a run (409 RUN_ALREADY_ACTIVE, 422 OPERATOR_NOT_FOUND). Resume the run to repeat ' +
          'only its partitions that did not succeed.',
        params: PipelineRunParams,
        body: Type.Object(
          {
            ...Range,
            confirm: Type.Optional(Type.Boolean({ description: 'Start it even above the confirmation threshold' })),
          },
          { additionalProperties: false },
        ),
        response: { 202: RunWithJobsSchema, ...errors },
      },
    },
    async (request, reply) => {
      const { ws, name } = request.params;
      const run = await runs.startBackfill({
        workspace: ws,
        pipeline: name,
        ...request.body,
        actor: request.principal?.id,
      });
      return reply.code(202).send(run);
    },
  );
}

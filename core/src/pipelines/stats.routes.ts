import type { PluginHttpApp } from '@assay/sdk';
import { errorResponses } from '../http/error-body.ts';
import { NameParams } from './pipelines.schemas.ts';
import type { PipelineStats } from './stats/pipeline-stats.ts';
import { PipelineStatsSchema, StatsQuery } from './stats/stats-schemas.ts';
import { Type } from 'typebox';

const DEFAULT_DAYS = 30;

/** How a pipeline's runs went: `GET /workspaces/:ws/pipelines/:name/stats` (`pipeline:read`). */
export async function statsRoutes(app: PluginHttpApp, options: { stats: PipelineStats }): Promise<void> {
  app.get(
    '/workspaces/:ws/pipelines/:name/stats',
    {
      config: { access: { permission: 'pipeline:read' } },
      schema: {
        tags: ['pipelines'],
        summary: 'Run statistics of a pipeline over the last `days` days (default 30, at most 366)',
        description:
          'Runs by status, success rate (succeeded / finished), run duration percentiles over finished runs, the ' +
          'last run and the last success (whenever they were), and per job: runs, failures, success rate, ' +
          'duration percentiles, mean rows written and the last error code. 404 PIPELINE_NOT_FOUND.',
        params: NameParams,
        querystring: StatsQuery,
        response: { 200: PipelineStatsSchema, ...errorResponses, 403: Type.Ref('ErrorBody') },
      },
    },
    async (request) => options.stats.of(request.params.ws, request.params.name, request.query.days ?? DEFAULT_DAYS),
  );
}

import type { Knex } from 'knex';
import type { AccessControl } from '../auth/access-control.ts';
import type { AssayHttpServer } from '../http/http-server.ts';
import type { PipelineService } from './apply/pipeline-service.ts';
import { applyRoutes } from './apply.routes.ts';
import { backfillsRoutes } from './backfills.routes.ts';
import { pipelinesRoutes } from './pipelines.routes.ts';
import type { RunService } from './runs/run-service.ts';
import { runsRoutes } from './runs.routes.ts';
import { lastRunsOf } from './stats/last-runs.ts';
import { createPipelineStats } from './stats/pipeline-stats.ts';
import { statsRoutes } from './stats.routes.ts';
import type { PipelineTriggers } from './triggers/pipeline-triggers.ts';
import { triggersRoutes } from './triggers/triggers.routes.ts';

/** The pipelines API under `/api/v1`: documents, apply, runs, backfills, stats and triggers. */
export async function registerPipelinesApi(
  http: AssayHttpServer,
  deps: {
    readonly db: Knex;
    readonly pipelines: PipelineService;
    readonly runs: RunService;
    readonly triggers: PipelineTriggers;
    readonly access: AccessControl;
  },
): Promise<void> {
  const { db, pipelines, runs, triggers } = deps;
  const prefix = '/api/v1';
  await http.register(pipelinesRoutes, { prefix, pipelines, lastRuns: lastRunsOf(db) });
  await http.register(applyRoutes, { prefix, pipelines, access: deps.access });
  await http.register(runsRoutes, { prefix, runs });
  await http.register(backfillsRoutes, { prefix, runs });
  await http.register(statsRoutes, { prefix, stats: createPipelineStats({ db, pipelines: pipelines.store }) });
  await http.register(triggersRoutes, { prefix, triggers });
}

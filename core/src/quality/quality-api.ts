import type { Knex } from 'knex';
import type { EventBus } from '@assay/sdk';
import type { Engine } from '../engine/engine.ts';
import type { DataPolicyService } from '../governance/data-policy-service.ts';
import type { AssayHttpServer } from '../http/http-server.ts';
import type { LakeService } from '../lake/lake-service.ts';
import type { PipelineService } from '../pipelines/apply/pipeline-service.ts';
import type { RunService } from '../pipelines/runs/run-service.ts';
import { reprocessRoutes } from './reprocess.routes.ts';
import { incidentsRoutes } from './incidents.routes.ts';
import { profileRoutes } from './profile.routes.ts';
import { qualityRoutes } from './quality.routes.ts';
import { quarantineRoutes } from './quarantine.routes.ts';

/** What the quality routes are built from. */
export interface QualityApiDeps {
  readonly db: Knex;
  readonly lake: LakeService;
  readonly engine: Engine;
  readonly policies: DataPolicyService;
  readonly pipelines: PipelineService;
  readonly runs: RunService;
  readonly events: EventBus | undefined;
}

/** The data-quality API under `/api/v1`: results and scores, incidents, quarantine, profiles and suggestions. */
export async function registerQualityApi(http: AssayHttpServer, deps: QualityApiDeps): Promise<void> {
  const prefix = '/api/v1';
  const { db, lake, policies, events } = deps;
  await http.register(qualityRoutes, { prefix, db, lake, policies });
  await http.register(incidentsRoutes, { prefix, db, policies, events });
  await http.register(quarantineRoutes, { prefix, lake, engine: deps.engine, policies });
  await http.register(reprocessRoutes, {
    prefix,
    lake,
    engine: deps.engine,
    runs: deps.runs,
    store: deps.pipelines.store,
  });
  await http.register(profileRoutes, { prefix, lake, engine: deps.engine, policies, pipelines: deps.pipelines });
}

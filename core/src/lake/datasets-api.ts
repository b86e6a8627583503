import type { Authorizer } from '../auth/authorizer.ts';
import type { Engine } from '../engine/engine.ts';
import type { DataPolicyService } from '../governance/data-policy-service.ts';
import type { AssayHttpServer } from '../http/http-server.ts';
import { datasetsListRoutes } from './datasets-list.routes.ts';
import { datasetsRoutes } from './datasets.routes.ts';
import type { LakeService } from './lake-service.ts';

/** The datasets API under `/api/v1`: the list of a workspace's datasets, and each one's info, history and data. */
export async function registerDatasetsApi(
  http: AssayHttpServer,
  deps: { lake: LakeService; engine: Engine; policies: DataPolicyService; access: Authorizer },
): Promise<void> {
  const prefix = '/api/v1';
  const { lake, engine, policies, access } = deps;
  await http.register(datasetsRoutes, { prefix, lake, engine, policies });
  await http.register(datasetsListRoutes, { prefix, lake, policies, access });
}

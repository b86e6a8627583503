import type { FastifyRequest } from 'fastify';
import type { ResourceResolver } from '../auth/access-hook.ts';
import type { DataPolicyService } from './data-policy-service.ts';

const DATASET_ROUTE = /\/datasets\/:layer\/:name(\/|$)/;
const PART = /^[a-z][a-z0-9_]*$/;

/**
 * Routes addressing one dataset (`…/datasets/:layer/:name…`) are checked with the dataset's attributes (layer,
 * classification, tags, owner), so ABAC policies such as "analysts read gold only" or "contractors never read
 * finance-tagged data" hold at the route, before any handler runs.
 */
export function datasetResourceOf(policies: DataPolicyService): ResourceResolver {
  return async (request: FastifyRequest) => {
    if (!DATASET_ROUTE.test(request.routeOptions.url ?? '')) return undefined;
    const { ws, layer, name } = request.params as { ws: string; layer?: string; name?: string };
    // A malformed name gets the route's own 400 from validation, which runs after this hook.
    if (layer === undefined || name === undefined || !PART.test(layer) || !PART.test(name)) return undefined;
    return policies.attributesOf(ws, `${layer}.${name}`);
  };
}

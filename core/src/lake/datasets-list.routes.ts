import type { PluginHttpApp } from '@assay/sdk';
import { Type, type TSchema } from 'typebox';
import type { Authorizer } from '../auth/authorizer.ts';
import type { DataPolicyService } from '../governance/data-policy-service.ts';
import { errorResponses } from '../http/error-body.ts';
import { listDatasets } from './dataset-list.ts';
import type { LakeService } from './lake-service.ts';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const DatasetSummary = Type.Object({
  dataset: Type.String({ description: '`layer.name`' }),
  layer: Type.String(),
  name: Type.String(),
  version: Type.Integer({ description: 'The latest commit, held back by checks or not' }),
  publishedVersion: Nullable(Type.Integer({ description: 'What readers see; null while the only versions are held' })),
  heldVersion: Nullable(Type.Integer({ description: 'Set while checks hold newer commits back from readers' })),
  updatedAt: Type.String({ format: 'date-time' }),
  rows: Nullable(
    Type.Integer({ description: 'From file statistics of the latest version; null when a file has none' }),
  ),
  sizeBytes: Type.Integer(),
  files: Type.Integer(),
  owner: Nullable(Type.String({ description: 'Principal id of the owner' })),
  classification: Nullable(Type.String()),
  tags: Type.Array(Type.String()),
});
const errors = { 400: errorResponses[400], 500: errorResponses[500] };

/**
 * `GET /workspaces/:ws/datasets`: the workspace's datasets (Delta tables of the lake, not quarantine tables), by
 * layer and a search on the name, paged with an opaque cursor; datasets ABAC keeps from the caller are left out. What the portal's dataset browser shows.
 */
export async function datasetsListRoutes(
  app: PluginHttpApp,
  options: { lake: LakeService; policies: DataPolicyService; access: Authorizer },
): Promise<void> {
  app.get(
    '/workspaces/:ws/datasets',
    {
      config: { access: { permission: 'dataset:read' } },
      schema: {
        tags: ['datasets'],
        summary: "The workspace's datasets with version, size, rows, owner, classification and tags",
        params: Type.Object({ ws: Type.String({ pattern: '^[a-z][a-z0-9]*(-[a-z0-9]+)*$' }) }),
        querystring: Type.Object({
          layer: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9_]*$', description: 'e.g. bronze' })),
          search: Type.Optional(Type.String({ maxLength: 200, description: 'A part of `layer.name`' })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
          cursor: Type.Optional(Type.String({ maxLength: 500, description: "The previous page's nextCursor" })),
        }),
        response: {
          200: Type.Object({ items: Type.Array(DatasetSummary), nextCursor: Nullable(Type.String()) }),
          ...errors,
        },
      },
    },
    async (request) => {
      const { layer, search, cursor } = request.query;
      const { ws } = request.params;
      return listDatasets(options.lake, options.policies, ws, {
        limit: request.query.limit ?? 50,
        // The same check a single dataset's routes make, so the list never shows what its page would refuse.
        canRead: (attributes) => options.access.can(request.principal!, ws, 'dataset:read', attributes),
        ...(layer === undefined ? {} : { layer }),
        ...(search === undefined ? {} : { search }),
        ...(cursor === undefined ? {} : { cursor }),
      });
    },
  );
}

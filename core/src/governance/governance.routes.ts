import type { PluginHttpApp } from '@assay/sdk';
import { Type, type TSchema, type TSchemaOptions } from 'typebox';
import { errorResponses } from '../http/error-body.ts';
import type { DataPolicyService } from './data-policy-service.ts';
import { DATA_POLICY_KINDS } from './data-policy.ts';
import { CLASSIFICATIONS } from './dataset-governance.ts';
import { MASK_FUNCTIONS } from './mask-functions.ts';
import { MASKING_CLASSIFICATIONS } from './mask-plan.ts';

const Workspace = Type.String({ pattern: '^[a-z][a-z0-9]*(-[a-z0-9]+)*$' });
const DatasetParams = Type.Object({
  ws: Workspace,
  layer: Type.String({ pattern: '^[a-z][a-z0-9_]*$' }),
  name: Type.String({ pattern: '^[a-z][a-z0-9_]*$' }),
});
const Nullable = <T extends TSchema>(schema: T, options?: TSchemaOptions) => Type.Union([schema, Type.Null()], options);
const Classification = Type.Enum([...CLASSIFICATIONS]);
const Mask = Type.Enum([...MASK_FUNCTIONS]);
const Tags = Type.Array(Type.String({ maxLength: 63 }), { maxItems: 50 });
const ColumnGovernance = Type.Object(
  { classification: Type.Optional(Classification), tags: Type.Optional(Tags), mask: Type.Optional(Mask) },
  { additionalProperties: false },
);
const Governance = Type.Object({
  dataset: Type.String(),
  owner: Nullable(Type.String({ description: 'Principal id of the owner' })),
  classification: Nullable(Classification),
  tags: Type.Array(Type.String()),
  columns: Type.Record(Type.String(), ColumnGovernance),
  updatedBy: Nullable(Type.String()),
  updatedAt: Nullable(Type.String({ format: 'date-time' })),
});
const GovernanceBody = Type.Object(
  {
    owner: Type.Optional(Nullable(Type.String({ description: 'Principal id (uuid) of the owner' }))),
    classification: Type.Optional(Nullable(Classification)),
    tags: Type.Optional(Tags),
    columns: Type.Optional(
      Type.Record(Type.String({ maxLength: 128 }), ColumnGovernance, {
        description: 'Column → attributes; column names are plain identifiers',
      }),
    ),
  },
  {
    additionalProperties: false,
    description: 'Replaces the whole governance of the dataset; absent fields are cleared',
  },
);
const DataPolicy = Type.Object({
  id: Type.String({ format: 'uuid' }),
  kind: Type.Enum([...DATA_POLICY_KINDS]),
  dataset: Type.String({ description: '`layer.name`, `layer.*` or `*`' }),
  column: Nullable(Type.String()),
  mask: Nullable(Mask),
  predicate: Nullable(Type.String()),
  roles: Type.Array(Type.String()),
  description: Nullable(Type.String()),
  createdBy: Nullable(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
});
const DataPolicyBody = Type.Object(
  {
    kind: Type.Enum([...DATA_POLICY_KINDS]),
    dataset: Type.String({ maxLength: 200, description: '`layer.name`, `layer.*` or `*`' }),
    column: Type.Optional(Type.String({ maxLength: 128, description: 'The masked column (mask)' })),
    mask: Type.Optional(Mask),
    predicate: Type.Optional(
      Type.String({
        maxLength: 4000,
        description: 'SQL predicate (row_filter); may use {{principal.id}}, {{principal.email}}, {{principal.name}}',
      }),
    ),
    roles: Type.Array(Type.String({ maxLength: 63 }), { minItems: 1, maxItems: 20 }),
    description: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);
const Reason = Type.Enum([...MASKING_CLASSIFICATIONS]);
const AccessSummary = Type.Object({
  dataset: Type.String(),
  masked: Type.Array(
    Type.Object({ column: Type.String(), mask: Mask, reason: Type.Enum([...MASKING_CLASSIFICATIONS, 'policy']) }),
  ),
  otherColumns: Nullable(Type.Object({ mask: Mask, reason: Reason }), {
    description: 'How columns not listed in `masked` are masked, from the dataset classification; null: in clear',
  }),
  rowFilter: Type.Boolean({ description: 'Whether some rows are hidden from the caller' }),
});
const errors = { ...errorResponses, 401: Type.Ref('ErrorBody'), 403: Type.Ref('ErrorBody') };

/**
 * Data governance of a workspace: a dataset's classification, tags, owner and column attributes (which drive
 * column masks and ABAC checks), explicit data policies (column masks and row filters by role), and what the
 * caller itself sees of a dataset. docs/data-policies.md describes the rules.
 */
export async function governanceRoutes(app: PluginHttpApp, options: { policies: DataPolicyService }): Promise<void> {
  const { policies } = options;
  const datasetOf = (params: { layer: string; name: string }) => `${params.layer}.${params.name}`;

  app.get(
    '/workspaces/:ws/datasets/:layer/:name/governance',
    {
      config: { access: { permission: 'dataset:read' } },
      schema: {
        tags: ['governance'],
        summary: "A dataset's classification, tags, owner and column attributes",
        params: DatasetParams,
        response: { 200: Governance, ...errors },
      },
    },
    async (request) => policies.governance(request.params.ws, datasetOf(request.params)),
  );

  app.put(
    '/workspaces/:ws/datasets/:layer/:name/governance',
    {
      config: { access: { permission: 'dataset:classify' } },
      schema: {
        tags: ['governance'],
        summary: "Replace a dataset's classification, tags, owner and column attributes",
        params: DatasetParams,
        body: GovernanceBody,
        response: { 200: Governance, ...errors },
      },
    },
    async (request) =>
      policies.setGovernance(request.params.ws, datasetOf(request.params), request.body, request.principal!.id),
  );

  app.get(
    '/workspaces/:ws/datasets/:layer/:name/access',
    {
      config: { access: { permission: 'dataset:read' } },
      schema: {
        tags: ['governance'],
        summary: 'What the caller sees of a dataset: masked columns and whether rows are filtered',
        params: DatasetParams,
        response: { 200: AccessSummary, ...errors },
      },
    },
    async (request) => policies.accessSummary(request.principal!, request.params.ws, datasetOf(request.params)),
  );

  app.get(
    '/workspaces/:ws/data-policies',
    {
      config: { access: { permission: 'policy:read' } },
      schema: {
        tags: ['governance'],
        summary: 'Column-mask and row-filter policies of a workspace',
        params: Type.Object({ ws: Workspace }),
        response: { 200: Type.Object({ items: Type.Array(DataPolicy) }), ...errors },
      },
    },
    async (request) => ({ items: await policies.listPolicies(request.params.ws) }),
  );

  app.post(
    '/workspaces/:ws/data-policies',
    {
      config: { access: { permission: 'policy:manage' } },
      schema: {
        tags: ['governance'],
        summary: 'Create a column-mask or row-filter policy for some roles',
        params: Type.Object({ ws: Workspace }),
        body: DataPolicyBody,
        response: { 201: DataPolicy, ...errors },
      },
    },
    async (request, reply) => {
      const policy = await policies.createPolicy(request.params.ws, request.body, request.principal!.id);
      return reply.status(201).send(policy);
    },
  );

  app.delete(
    '/workspaces/:ws/data-policies/:id',
    {
      config: { access: { permission: 'policy:manage' } },
      schema: {
        tags: ['governance'],
        summary: 'Delete a data policy',
        params: Type.Object({ ws: Workspace, id: Type.String({ maxLength: 64 }) }),
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await policies.deletePolicy(request.params.ws, request.params.id);
      return reply.status(204).send(null);
    },
  );
}

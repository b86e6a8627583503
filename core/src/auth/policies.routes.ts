import { InputError, NotFoundError, type PluginHttpApp } from '@assay/sdk';
import type { Knex } from 'knex';
import { Type } from 'typebox';
import { errorResponses } from '../http/error-body.ts';
import { validateCondition, type PolicyRule } from './access-control.ts';
import type { Identity } from './identity.ts';
import { assertRoleExists } from './workspace-roles.ts';

const Params = Type.Object({ ws: Type.String({ pattern: '^[a-z][a-z0-9]*(-[a-z0-9]+)*$' }) });
const Policy = Type.Object({
  id: Type.String(),
  subject: Type.String(),
  permission: Type.String(),
  condition: Type.String(),
  effect: Type.Union([Type.Literal('allow'), Type.Literal('deny')]),
  builtin: Type.Boolean({ description: 'A built-in role grant, the same in every workspace; read-only' }),
});
const errors = { ...errorResponses, 401: Type.Ref('ErrorBody'), 403: Type.Ref('ErrorBody') };

/** Opaque, stable id of a policy line (Casbin lines have none). */
function policyId(rule: PolicyRule): string {
  return Buffer.from(JSON.stringify([rule.subject, rule.permission, rule.condition, rule.effect])).toString(
    'base64url',
  );
}

function ruleOf(id: string, workspace: string): PolicyRule | undefined {
  try {
    const [subject, permission, condition, effect] = JSON.parse(Buffer.from(id, 'base64url').toString()) as string[];
    if (typeof subject !== 'string' || typeof permission !== 'string' || typeof condition !== 'string')
      return undefined;
    if (effect !== 'allow' && effect !== 'deny') return undefined;
    return { subject, domain: workspace, permission, condition, effect };
  } catch {
    return undefined;
  }
}

/**
 * Policies of a workspace: grants and denials for a role or group, optionally conditional on the resource's
 * attributes (ABAC), e.g. `{ subject: 'role:analyst', permission: 'dataset:read', condition: "r.res.layer == 'gold'" }`
 * or a denial `{ subject: 'group:contractors', permission: 'dataset:read', condition: "hasTag(r.res, 'finance')",
 * effect: 'deny' }`. A deny wins over any allow.
 */
export async function policiesRoutes(app: PluginHttpApp, options: { identity: Identity; db: Knex }): Promise<void> {
  const { identity, db } = options;

  app.get(
    '/workspaces/:ws/policies',
    {
      config: { access: { permission: 'policy:read' } },
      schema: {
        tags: ['access'],
        summary: 'Policies of a workspace, with the built-in role grants',
        params: Params,
        response: { 200: Type.Object({ items: Type.Array(Policy) }), ...errors },
      },
    },
    async (request) => ({
      items: identity.access.policies(request.params.ws, true).map((rule) => ({
        id: policyId(rule),
        subject: rule.subject,
        permission: rule.permission,
        condition: rule.condition,
        effect: rule.effect,
        builtin: rule.domain === '*',
      })),
    }),
  );

  app.post(
    '/workspaces/:ws/policies',
    {
      config: { access: { permission: 'policy:manage' } },
      schema: {
        tags: ['access'],
        summary: 'Add a policy for a role or group, optionally conditional on resource attributes',
        params: Params,
        body: Type.Object(
          {
            subject: Type.String({ pattern: '^(role:[a-z][a-z0-9-]{0,62}|group:[A-Za-z0-9][A-Za-z0-9._ -]{0,99})$' }),
            permission: Type.String({ pattern: '^(\\*|[a-z][a-z0-9-]*(:[a-z][a-z0-9-]*)+)$' }),
            condition: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
            effect: Type.Optional(Type.Union([Type.Literal('allow'), Type.Literal('deny')])),
          },
          { additionalProperties: false },
        ),
        response: { 201: Policy, ...errors },
      },
    },
    async (request, reply) => {
      const { ws } = request.params;
      const { subject, permission } = request.body;
      if (subject.startsWith('role:')) await assertRoleExists(db, ws, subject.slice('role:'.length));
      const condition = request.body.condition ?? 'true';
      await validateCondition(condition);
      const rule: PolicyRule = { subject, domain: ws, permission, condition, effect: request.body.effect ?? 'allow' };
      if (identity.access.policies(ws).some((p) => policyId(p) === policyId(rule))) {
        throw new InputError('This policy exists already', { code: 'POLICY_EXISTS' });
      }
      await identity.access.addPolicies([rule]);
      return reply.status(201).send({ id: policyId(rule), ...rule, builtin: false });
    },
  );

  app.delete(
    '/workspaces/:ws/policies/:id',
    {
      config: { access: { permission: 'policy:manage' } },
      schema: {
        tags: ['access'],
        summary: 'Remove a policy (built-in role grants cannot be removed)',
        params: Type.Object({ ws: Params.properties.ws, id: Type.String({ minLength: 1, maxLength: 4000 }) }),
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      const { ws, id } = request.params;
      const rule = ruleOf(id, ws);
      if (rule === undefined || !identity.access.policies(ws).some((p) => policyId(p) === id)) {
        throw new NotFoundError(`No policy ${id} in workspace "${ws}"`, { code: 'POLICY_NOT_FOUND' });
      }
      await identity.access.removePolicies([rule]);
      return reply.status(204).send(null);
    },
  );
}

import { ConflictError, NotFoundError, type PluginHttpApp } from '@assay/sdk';
import type { Knex } from 'knex';
import { Type } from 'typebox';
import { errorResponses } from '../http/error-body.ts';
import type { PolicyRule } from './access-control.ts';
import { BUILTIN_ROLES, isBuiltinRole } from './builtin-roles.ts';
import { subjectOfRole } from './casbin-model.ts';
import type { Identity } from './identity.ts';
import { assertRoleName } from './workspace-roles.ts';

const Params = Type.Object({ ws: Type.String({ pattern: '^[a-z][a-z0-9]*(-[a-z0-9]+)*$' }) });
const RoleParams = Type.Object({
  ws: Type.String({ pattern: '^[a-z][a-z0-9]*(-[a-z0-9]+)*$' }),
  name: Type.String({ minLength: 1, maxLength: 63 }),
});
const Role = Type.Object({
  name: Type.String(),
  builtin: Type.Boolean(),
  description: Type.String(),
  permissions: Type.Array(Type.String(), { description: 'Unconditional grants; conditional ones are policies' }),
});
const errors = { ...errorResponses, 401: Type.Ref('ErrorBody'), 403: Type.Ref('ErrorBody') };
const PERMISSION = '^(\\*|[a-z][a-z0-9-]*(:[a-z][a-z0-9-]*)+)$';

const BUILTIN_DESCRIPTIONS: Record<string, string> = {
  admin: 'Everything in the workspace, including members, roles, policies, PII and the audit log',
  engineer: 'Builds pipelines, connections and datasets; manages secrets; runs queries',
  analyst: 'Reads and queries data; cannot change pipelines',
  viewer: 'Reads metadata and data; changes nothing',
};

/** Built-in and custom roles of a workspace; custom roles are sets of unconditional permission grants. */
export async function rolesRoutes(app: PluginHttpApp, options: { identity: Identity; db: Knex }): Promise<void> {
  const { identity, db } = options;

  const grantsOf = (workspace: string, role: string): string[] =>
    identity.access
      .policies(workspace, true)
      .filter((p) => p.subject === subjectOfRole(role) && p.condition === 'true' && p.effect === 'allow')
      .filter((p) => (isBuiltinRole(role) ? p.domain === '*' : p.domain === workspace))
      .map((p) => p.permission)
      .sort();

  app.get(
    '/workspaces/:ws/roles',
    {
      config: { access: { permission: 'role:read' } },
      schema: {
        tags: ['access'],
        summary: 'Built-in and custom roles with their permissions',
        params: Params,
        response: { 200: Type.Object({ items: Type.Array(Role) }), ...errors },
      },
    },
    async (request) => {
      const { ws } = request.params;
      const custom = await db('core_roles').where({ workspace: ws }).orderBy('name');
      return {
        items: [
          ...BUILTIN_ROLES.map((name) => ({
            name,
            builtin: true,
            description: BUILTIN_DESCRIPTIONS[name] ?? '',
            permissions: grantsOf(ws, name),
          })),
          ...custom.map((row: { name: string; description: string }) => ({
            name: row.name,
            builtin: false,
            description: row.description,
            permissions: grantsOf(ws, row.name),
          })),
        ],
      };
    },
  );

  app.put(
    '/workspaces/:ws/roles/:name',
    {
      config: { access: { permission: 'role:manage' } },
      schema: {
        tags: ['access'],
        summary: 'Create a custom role or replace its permissions',
        params: RoleParams,
        body: Type.Object(
          {
            description: Type.Optional(Type.String({ maxLength: 500 })),
            permissions: Type.Array(Type.String({ pattern: PERMISSION }), { maxItems: 200 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Role, ...errors },
      },
    },
    async (request) => {
      const { ws, name } = request.params;
      assertRoleName(name);
      if (isBuiltinRole(name)) {
        throw new ConflictError(`"${name}" is a built-in role and cannot be changed`, { code: 'ROLE_BUILTIN' });
      }
      const description = request.body.description ?? '';
      await db('core_roles')
        .insert({ workspace: ws, name, description })
        .onConflict(['workspace', 'name'])
        .merge({ description });
      const toRule = (permission: string): PolicyRule => ({
        subject: subjectOfRole(name),
        domain: ws,
        permission,
        condition: 'true',
        effect: 'allow',
      });
      const current = grantsOf(ws, name);
      const wanted = [...new Set(request.body.permissions)];
      await identity.access.removePolicies(current.filter((p) => !wanted.includes(p)).map(toRule));
      await identity.access.addPolicies(wanted.filter((p) => !current.includes(p)).map(toRule));
      return { name, builtin: false, description, permissions: grantsOf(ws, name) };
    },
  );

  app.delete(
    '/workspaces/:ws/roles/:name',
    {
      config: { access: { permission: 'role:manage' } },
      schema: {
        tags: ['access'],
        summary: 'Delete a custom role, its policies and its members’ links to it',
        params: RoleParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      const { ws, name } = request.params;
      if (isBuiltinRole(name)) {
        throw new ConflictError(`"${name}" is a built-in role and cannot be deleted`, { code: 'ROLE_BUILTIN' });
      }
      const deleted = await db('core_roles').where({ workspace: ws, name }).delete();
      if (deleted === 0) throw new NotFoundError(`No role "${name}" in workspace "${ws}"`, { code: 'ROLE_NOT_FOUND' });
      await identity.access.dropRole(name, ws);
      return reply.status(204).send(null);
    },
  );
}

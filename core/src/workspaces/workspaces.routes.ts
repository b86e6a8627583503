import type { PluginHttpApp } from '@assay/sdk';
import { Type } from 'typebox';
import { PLATFORM_ADMIN_ROLE } from '../auth/builtin-roles.ts';
import { subjectOfUser } from '../auth/casbin-model.ts';
import type { Identity } from '../auth/identity.ts';
import { errorResponses } from '../http/error-body.ts';

const WorkspaceBody = Type.Object({
  slug: Type.String(),
  name: Type.String(),
  description: Type.String(),
  status: Type.Union([Type.Literal('active'), Type.Literal('archived')]),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  archivedAt: Type.Union([Type.String(), Type.Null()]),
});
const Params = Type.Object({ ws: Type.String({ pattern: '^[a-z][a-z0-9]*(-[a-z0-9]+)*$' }) });
const errors = { ...errorResponses, 401: Type.Ref('ErrorBody'), 403: Type.Ref('ErrorBody') };

/**
 * Workspaces: list the caller's, create (platform admins; the creator becomes the workspace's admin), read, rename,
 * archive and un-archive. Archived workspaces stay readable and refuse changes.
 */
export async function workspacesRoutes(app: PluginHttpApp, options: { identity: Identity }): Promise<void> {
  const { identity } = options;

  app.get(
    '/workspaces',
    {
      config: { access: { authenticated: true } },
      schema: {
        tags: ['workspaces'],
        summary: 'Workspaces the caller is a member of (all of them for platform admins)',
        response: { 200: Type.Object({ items: Type.Array(WorkspaceBody) }), ...errors },
      },
    },
    async (request) => {
      const principal = request.principal!;
      const all = await identity.workspaces.list();
      const items = [];
      for (const workspace of all) {
        if (principal.platformAdmin || (await identity.access.rolesOf(principal, workspace.slug)).length > 0) {
          items.push(workspace);
        }
      }
      return { items };
    },
  );

  app.post(
    '/workspaces',
    {
      config: { access: { permission: 'platform:workspaces' } },
      schema: {
        tags: ['workspaces'],
        summary: 'Create a workspace; the caller becomes its admin',
        body: Type.Object(
          {
            slug: Type.String({ minLength: 1, maxLength: 63 }),
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            description: Type.Optional(Type.String({ maxLength: 2000 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: WorkspaceBody, ...errors },
      },
    },
    async (request, reply) => {
      const workspace = await identity.workspaces.create(request.body);
      const principal = request.principal!;
      // A platform token acts as its owner; a workspace token cannot create workspaces at all.
      if (principal.token === undefined || principal.token.role === PLATFORM_ADMIN_ROLE) {
        await identity.access.assign(subjectOfUser(principal.id), 'admin', workspace.slug);
      }
      return reply.status(201).send(workspace);
    },
  );

  app.get(
    '/workspaces/:ws',
    {
      config: { access: { permission: 'workspace:read' } },
      schema: {
        tags: ['workspaces'],
        summary: 'A workspace',
        params: Params,
        response: { 200: WorkspaceBody, ...errors },
      },
    },
    async (request) => identity.workspaces.get(request.params.ws),
  );

  app.patch(
    '/workspaces/:ws',
    {
      config: { access: { permission: 'workspace:update' } },
      schema: {
        tags: ['workspaces'],
        summary: 'Rename or describe a workspace',
        params: Params,
        body: Type.Object(
          {
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            description: Type.Optional(Type.String({ maxLength: 2000 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: WorkspaceBody, ...errors },
      },
    },
    async (request) => identity.workspaces.update(request.params.ws, request.body),
  );

  for (const [action, archived] of [
    ['archive', true],
    ['unarchive', false],
  ] as const) {
    app.post(
      `/workspaces/:ws/${action}`,
      {
        config: { access: { permission: 'workspace:update' } },
        schema: {
          tags: ['workspaces'],
          summary: archived ? 'Archive a workspace: readable, but no changes' : 'Un-archive a workspace',
          params: Params,
          response: { 200: WorkspaceBody, ...errors },
        },
      },
      async (request) => {
        const workspace = await identity.workspaces.setArchived(request.params.ws, archived);
        identity.changed();
        return workspace;
      },
    );
  }
}

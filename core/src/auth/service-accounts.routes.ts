import { ConflictError, NotFoundError, type PluginHttpApp } from '@assay/sdk';
import { Type } from 'typebox';
import { errorResponses } from '../http/error-body.ts';
import { ExpiresInDays, IssuedTokenBody, TokenName, WorkspaceParams } from './api-token.schema.ts';
import { subjectOfUser } from './casbin-model.ts';
import type { Identity } from './identity.ts';
import { assertRoleGrantable, workspaceTokenExpiry } from './token-grants.ts';
import type { User } from './users.ts';

const ServiceAccountBody = Type.Object({
  id: Type.String(),
  name: Type.String(),
  workspace: Type.String(),
  roles: Type.Array(Type.String()),
  disabled: Type.Boolean(),
  createdAt: Type.String(),
});
const AccountParams = Type.Intersect([
  WorkspaceParams,
  Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) }),
]);
const errors = { ...errorResponses, 401: Type.Ref('ErrorBody'), 403: Type.Ref('ErrorBody') };
const access = { permission: 'service-account:manage' } as const;

/**
 * Service accounts: non-human users of one workspace, holding one role there, that pipelines and integrations run
 * as. They sign in only with API tokens, which act as the account's role. The caller hands out only roles whose
 * permissions they hold, both when creating an account and when minting a token for one.
 */
export async function serviceAccountsRoutes(app: PluginHttpApp, options: { identity: Identity }): Promise<void> {
  const { identity } = options;

  const describe = (account: User) => ({
    id: account.id,
    name: account.name,
    workspace: account.workspace!,
    roles: identity.access.directRoles(subjectOfUser(account.id), account.workspace!),
    disabled: account.disabled,
    createdAt: account.createdAt,
  });

  /** The service account `id` of `workspace`; users and other workspaces' accounts are not found. */
  const accountOf = async (workspace: string, id: string): Promise<User> => {
    const account = await identity.users.get(id).catch(() => undefined);
    if (account?.kind !== 'service-account' || account.workspace !== workspace) {
      throw new NotFoundError(`Workspace "${workspace}" has no service account ${id}`, {
        code: 'SERVICE_ACCOUNT_NOT_FOUND',
      });
    }
    return account;
  };

  app.get(
    '/workspaces/:ws/service-accounts',
    {
      config: { access },
      schema: {
        tags: ['service-accounts'],
        summary: 'Service accounts of the workspace with their roles',
        params: WorkspaceParams,
        response: { 200: Type.Object({ items: Type.Array(ServiceAccountBody) }), ...errors },
      },
    },
    async (request) => {
      const accounts = await identity.users.list({ workspace: request.params.ws, kind: 'service-account' });
      return { items: accounts.map(describe) };
    },
  );

  app.post(
    '/workspaces/:ws/service-accounts',
    {
      config: { access },
      schema: {
        tags: ['service-accounts'],
        summary: 'Create a service account holding a role you hold yourself',
        params: WorkspaceParams,
        body: Type.Object(
          { name: Type.String({ minLength: 1, maxLength: 100 }), role: Type.String({ minLength: 1, maxLength: 100 }) },
          { additionalProperties: false },
        ),
        response: { 201: ServiceAccountBody, ...errors },
      },
    },
    async (request, reply) => {
      const { ws } = request.params;
      const { name, role } = request.body;
      await assertRoleGrantable(identity.access, request.principal!, ws, role);
      const account = await identity.users.createServiceAccount({ workspace: ws, name });
      try {
        await identity.access.assign(subjectOfUser(account.id), role, ws);
      } catch (error) {
        await identity.users.remove(account.id);
        throw error;
      }
      return reply.status(201).send(describe(account));
    },
  );

  app.post(
    '/workspaces/:ws/service-accounts/:id/tokens',
    {
      config: { access },
      schema: {
        tags: ['service-accounts'],
        summary: "Create an API token acting as the service account's role; the secret is shown only here",
        params: AccountParams,
        body: Type.Object({ name: TokenName, expiresInDays: ExpiresInDays }, { additionalProperties: false }),
        response: { 201: IssuedTokenBody, ...errors },
      },
    },
    async (request, reply) => {
      const principal = request.principal!;
      const { ws, id } = request.params;
      const account = await accountOf(ws, id);
      const [role] = identity.access.directRoles(subjectOfUser(account.id), ws);
      if (role === undefined) {
        throw new ConflictError(`Service account "${account.name}" holds no role in workspace "${ws}"`, {
          code: 'SERVICE_ACCOUNT_HAS_NO_ROLE',
        });
      }
      // Minting a token is handing out the account's role, so the same no-escalation rule applies.
      await assertRoleGrantable(identity.access, principal, ws, role);
      const expiresAt = await workspaceTokenExpiry(identity.access, principal, ws, request.body.expiresInDays);
      const issued = await identity.tokens.create({
        userId: account.id,
        workspace: ws,
        role,
        name: request.body.name,
        expiresAt,
        createdBy: principal.id,
      });
      return reply.status(201).send(issued);
    },
  );

  app.delete(
    '/workspaces/:ws/service-accounts/:id',
    {
      config: { access },
      schema: {
        tags: ['service-accounts'],
        summary: 'Delete a service account: its role links and tokens go with it',
        params: AccountParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      const { ws, id } = request.params;
      const account = await accountOf(ws, id);
      await identity.access.unassignAll(subjectOfUser(account.id), ws);
      for (const token of await identity.tokens.list({ userId: account.id })) {
        if (token.revokedAt === null) await identity.tokens.revoke(token.id);
      }
      await identity.users.remove(account.id);
      identity.changed();
      return reply.status(204).send(null);
    },
  );
}

import { NotFoundError, type PluginHttpApp, type Principal } from '@assay/sdk';
import { Type } from 'typebox';
import { errorResponses } from '../http/error-body.ts';
import type { ApiToken } from './api-tokens.ts';
import {
  ApiTokenBody,
  ExpiresInDays,
  IssuedTokenBody,
  TokenIdParams,
  TokenName,
  WorkspaceParams,
} from './api-token.schema.ts';
import { PLATFORM_ADMIN_ROLE } from './builtin-roles.ts';
import type { Identity } from './identity.ts';
import { assertRoleGrantable, daysFromNow, DEFAULT_TOKEN_DAYS, workspaceTokenExpiry } from './token-grants.ts';

const errors = { ...errorResponses, 401: Type.Ref('ErrorBody'), 403: Type.Ref('ErrorBody') };
const TokenList = Type.Object({ items: Type.Array(ApiTokenBody) });

/**
 * API tokens. Workspace tokens act as one role in one workspace and never beyond what their owner may do; a caller
 * hands out only roles whose permissions they hold. Members see and revoke their own tokens, member managers
 * everyone's in the workspace. Platform tokens (role `platform-admin`, no workspace) let CI and the CLI administer
 * the platform. Secrets are shown once, at creation, and never listed.
 */
export async function tokensRoutes(app: PluginHttpApp, options: { identity: Identity }): Promise<void> {
  const { identity } = options;

  const notFound = (id: string): NotFoundError => new NotFoundError(`No API token ${id}`, { code: 'TOKEN_NOT_FOUND' });

  /** A token the caller may manage in `workspace`; anything else (other workspaces included) is not found. */
  const manageableToken = async (principal: Principal, workspace: string, id: string): Promise<ApiToken> => {
    const token = await identity.tokens.get(id);
    if (token.workspace !== workspace) throw notFound(id);
    if (token.userId !== principal.id && !(await identity.access.can(principal, workspace, 'member:manage'))) {
      throw notFound(id);
    }
    return token;
  };

  app.get(
    '/workspaces/:ws/tokens',
    {
      config: { access: { permission: 'token:create' } },
      schema: {
        tags: ['tokens'],
        summary: "The caller's API tokens in the workspace (everyone's for member managers); never their secrets",
        params: WorkspaceParams,
        response: { 200: TokenList, ...errors },
      },
    },
    async (request) => {
      const principal = request.principal!;
      const { ws } = request.params;
      const everyone = await identity.access.can(principal, ws, 'member:manage');
      const items = await identity.tokens.list(everyone ? { workspace: ws } : { workspace: ws, userId: principal.id });
      return { items };
    },
  );

  app.post(
    '/workspaces/:ws/tokens',
    {
      config: { access: { permission: 'token:create' } },
      schema: {
        tags: ['tokens'],
        summary: 'Create an API token acting as a role you hold in the workspace; the secret is shown only here',
        params: WorkspaceParams,
        body: Type.Object(
          { name: TokenName, role: Type.String({ minLength: 1, maxLength: 100 }), expiresInDays: ExpiresInDays },
          { additionalProperties: false },
        ),
        response: { 201: IssuedTokenBody, ...errors },
      },
    },
    async (request, reply) => {
      const principal = request.principal!;
      const { ws } = request.params;
      const { name, role, expiresInDays } = request.body;
      await assertRoleGrantable(identity.access, principal, ws, role);
      const expiresAt = await workspaceTokenExpiry(identity.access, principal, ws, expiresInDays);
      const issued = await identity.tokens.create({
        userId: principal.id,
        workspace: ws,
        role,
        name,
        expiresAt,
        createdBy: principal.id,
      });
      return reply.status(201).send(issued);
    },
  );

  app.delete(
    '/workspaces/:ws/tokens/:id',
    {
      config: { access: { permission: 'token:create' } },
      schema: {
        tags: ['tokens'],
        summary: 'Revoke an API token of the workspace (your own, or anyone’s for member managers)',
        params: Type.Intersect([WorkspaceParams, TokenIdParams]),
        response: { 200: ApiTokenBody, ...errors },
      },
    },
    async (request) => {
      const { ws, id } = request.params;
      await manageableToken(request.principal!, ws, id);
      const revoked = await identity.tokens.revoke(id);
      identity.changed();
      return revoked;
    },
  );

  app.post(
    '/tokens',
    {
      config: { access: { permission: 'platform:users' } },
      schema: {
        tags: ['tokens'],
        summary: 'Create a platform token (role platform-admin) for CI and the CLI; the secret is shown only here',
        body: Type.Object({ name: TokenName, expiresInDays: ExpiresInDays }, { additionalProperties: false }),
        response: { 201: IssuedTokenBody, ...errors },
      },
    },
    async (request, reply) => {
      const principal = request.principal!;
      const { name, expiresInDays } = request.body;
      const issued = await identity.tokens.create({
        userId: principal.id,
        workspace: null,
        role: PLATFORM_ADMIN_ROLE,
        name,
        expiresAt: expiresInDays === null ? null : daysFromNow(expiresInDays ?? DEFAULT_TOKEN_DAYS),
        createdBy: principal.id,
      });
      return reply.status(201).send(issued);
    },
  );

  app.get(
    '/tokens',
    {
      config: { access: { authenticated: true } },
      schema: {
        tags: ['tokens'],
        summary: 'Your own API tokens in every workspace, and your platform tokens; never their secrets',
        response: { 200: TokenList, ...errors },
      },
    },
    async (request) => ({ items: await identity.tokens.list({ userId: request.principal!.id }) }),
  );

  app.delete(
    '/tokens/:id',
    {
      config: { access: { authenticated: true } },
      schema: {
        tags: ['tokens'],
        summary: 'Revoke one of your own API tokens',
        params: TokenIdParams,
        response: { 200: ApiTokenBody, ...errors },
      },
    },
    async (request) => {
      const { id } = request.params;
      const token = await identity.tokens.get(id);
      if (token.userId !== request.principal!.id) throw notFound(id);
      const revoked = await identity.tokens.revoke(id);
      identity.changed();
      return revoked;
    },
  );
}

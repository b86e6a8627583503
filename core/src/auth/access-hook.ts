import {
  AssayError,
  AuthenticationError,
  ConflictError,
  NotAllowedError,
  type Principal,
  type RouteAccess,
} from '@assay/sdk';
import type {} from '@fastify/cookie';
import type { FastifyInstance, FastifyRequest, FastifySchema, RouteOptions } from 'fastify';
import type { WorkspaceStore } from '../workspaces/workspace-store.ts';
import { workspaceNotFound } from '../workspaces/workspace-store.ts';
import type { AccessControl } from './access-control.ts';
import type { Authenticated, Authenticator } from './authenticator.ts';
import type { ResourceAttributes } from './authorizer.ts';
import { CSRF_HEADER, SESSION_COOKIE } from './sessions.ts';

/** A registered route and who may call it. */
export interface RouteEntry {
  readonly method: string;
  readonly url: string;
  readonly access: RouteAccess;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered so far (core and plugins) with its declared access; for audits and tests. */
    readonly routeCatalog: readonly RouteEntry[];
  }
  interface FastifyRequest {
    /** The browser session behind `principal`, when the request authenticated with the session cookie. */
    authSession: Authenticated['session'];
  }
}

/** Looks up the attributes ABAC conditions see for the resource a route addresses (datasets, for now). */
export type ResourceResolver = (request: FastifyRequest) => Promise<ResourceAttributes | undefined>;

export interface AccessHookOptions {
  authenticator: Authenticator;
  access: AccessControl;
  workspaces: WorkspaceStore;
  resourceOf?: ResourceResolver;
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Routes core registers through third-party Fastify plugins (the API document); public by nature. */
const PUBLIC_PREFIXES = ['/api/docs'];

/** The access a route declared; undefined for the not-found handler. */
export function routeAccess(request: FastifyRequest): RouteAccess | undefined {
  return request.routeOptions.config.access;
}

/**
 * Makes access control part of routing: every route must declare `config.access` (registration fails otherwise,
 * for core and plugin routes alike), and every request is authenticated and checked against it in `onRequest`,
 * before the body is parsed or validated, so a caller without access learns nothing from validation errors.
 *
 * Workspace routes (`:ws`) answer 404 WORKSPACE_NOT_FOUND to non-members whether or not the workspace exists,
 * 403 PERMISSION_DENIED to members without the permission, and 409 WORKSPACE_ARCHIVED to changes in an archived
 * workspace (except un-archiving it). Cookie-authenticated changes need the session's CSRF token in
 * `x-csrf-token`.
 */
export function installAccessHook(app: FastifyInstance, options: AccessHookOptions): void {
  app.decorateRequest('principal', undefined);
  app.decorateRequest('authSession', undefined);
  const catalog: RouteEntry[] = [];
  app.decorate('routeCatalog', catalog);

  app.addHook('onRoute', (route) => {
    const config = (route.config ?? {}) as { access?: RouteAccess };
    const record = (access: RouteAccess): void => {
      for (const method of [route.method].flat()) {
        if (method !== 'HEAD') catalog.push({ method, url: route.url, access });
      }
    };
    if (config.access !== undefined) {
      describeAccess(route, config.access);
      return record(config.access);
    }
    if (PUBLIC_PREFIXES.some((prefix) => route.url.startsWith(prefix))) {
      route.config = { ...route.config, access: { public: true } } as typeof route.config;
      return record({ public: true });
    }
    throw new AssayError(
      `Route ${[route.method].flat().join(',')} ${route.url} declares no access: set config.access to a permission, ` +
        `{ authenticated: true } or { public: true }`,
      { code: 'ROUTE_ACCESS_UNDECLARED', status: 500 },
    );
  });

  app.addHook('onRequest', async (request) => {
    const access = routeAccess(request);
    if (access === undefined) return; // no route matched: the not-found handler answers
    const authenticated = await authenticateRequest(request, options.authenticator, 'public' in access);
    request.principal = authenticated?.principal;
    request.authSession = authenticated?.session;
    if ('public' in access) return;
    const principal = request.principal;
    if (principal === undefined) {
      throw new AuthenticationError('Sign in or send an API token (Authorization: Bearer …)', {
        code: 'AUTHENTICATION_REQUIRED',
      });
    }
    if (authenticated?.session !== undefined && MUTATING.has(request.method)) {
      if (request.headers[CSRF_HEADER] !== authenticated.session.csrfToken) {
        throw new NotAllowedError(`Changes made with a session cookie need the ${CSRF_HEADER} header of the session`, {
          code: 'CSRF_TOKEN_INVALID',
        });
      }
    }
    if ('authenticated' in access) return;
    const workspace = (request.params as { ws?: string }).ws;
    if (workspace === undefined) {
      if (!(await options.access.can(principal, undefined, access.permission))) {
        throw new NotAllowedError(`You need the platform permission "${access.permission}"`, {
          code: 'PERMISSION_DENIED',
          details: { permission: access.permission },
        });
      }
      return;
    }
    await checkWorkspace(request, principal, workspace, access.permission, options);
  });
}

/** Puts the route's access into its OpenAPI operation: who may call it, and no credentials on public routes. */
function describeAccess(route: RouteOptions, access: RouteAccess): void {
  const schema: FastifySchema = route.schema ?? {};
  const who =
    'public' in access
      ? 'Public.'
      : 'authenticated' in access
        ? 'Any signed-in caller.'
        : `Needs the permission \`${access.permission}\`${route.url.includes(':ws') ? ' in the workspace' : ''}.`;
  route.schema = {
    ...schema,
    description: schema.description === undefined ? who : `${schema.description}\n\n${who}`,
    ...('public' in access ? { security: [] } : {}),
  };
}

async function checkWorkspace(
  request: FastifyRequest,
  principal: Principal,
  workspace: string,
  permission: string,
  options: AccessHookOptions,
): Promise<void> {
  if (principal.token !== undefined && principal.token.role !== 'platform-admin') {
    if (principal.token.workspace !== workspace) {
      throw new NotAllowedError(`This API token is for workspace "${principal.token.workspace}", not "${workspace}"`, {
        code: 'TOKEN_WORKSPACE_MISMATCH',
      });
    }
  }
  const status = await options.workspaces.status(workspace);
  if (status === undefined) throw workspaceNotFound(workspace);
  const resource = (await options.resourceOf?.(request)) ?? {};
  if (!(await options.access.can(principal, workspace, permission, resource))) {
    const member = principal.platformAdmin || (await options.access.rolesOf(principal, workspace)).length > 0;
    if (!member) throw workspaceNotFound(workspace);
    throw new NotAllowedError(`You need the permission "${permission}" in workspace "${workspace}"`, {
      code: 'PERMISSION_DENIED',
      details: { permission, workspace },
    });
  }
  if (status === 'archived' && MUTATING.has(request.method) && permission !== 'workspace:update') {
    throw new ConflictError(`Workspace "${workspace}" is archived; un-archive it to make changes`, {
      code: 'WORKSPACE_ARCHIVED',
    });
  }
}

/** On public routes bad credentials are ignored rather than refused, so a stale cookie never blocks login. */
async function authenticateRequest(
  request: FastifyRequest,
  authenticator: Authenticator,
  isPublic: boolean,
): Promise<Authenticated | undefined> {
  const header = request.headers.authorization;
  let bearer: string | undefined;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match === null) {
      if (isPublic) return undefined;
      throw new AuthenticationError('The Authorization header must be "Bearer <API token>"', {
        code: 'TOKEN_MALFORMED',
      });
    }
    bearer = match[1];
  }
  const sessionCookie = request.cookies[SESSION_COOKIE];
  try {
    return await authenticator.authenticate({
      ...(bearer === undefined ? {} : { bearer }),
      ...(sessionCookie === undefined ? {} : { sessionCookie }),
    });
  } catch (error) {
    if (isPublic && error instanceof AuthenticationError) return undefined;
    throw error;
  }
}

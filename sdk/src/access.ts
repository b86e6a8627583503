/**
 * Who may call a route. Every route, core or plugin, declares one in its options as `config: { access }`; core
 * refuses to register a route without it and checks it before validation and the handler run.
 *
 * - `{ permission }`: the caller needs this permission. On a route with a `:ws` parameter it is checked in that
 *   workspace (the caller must be a member); on any other route it is a platform permission (platform admins).
 * - `{ authenticated: true }`: any signed-in caller; the handler scopes what it returns to the caller.
 * - `{ public: true }`: anyone, signed in or not (health checks, login, the API document).
 *
 * `audit: 'read'` records a successful call in the audit log although it changes nothing: routes that return
 * data rows. Mutating methods (POST, PUT, PATCH, DELETE) are always audited.
 *
 * @example
 * ```ts
 * import type { PluginHttpApp } from '@assay/sdk';
 * export async function routes(app: PluginHttpApp): Promise<void> {
 *   app.get('/workspaces/:ws/report', { config: { access: { permission: 'dataset:read', audit: 'read' } } }, async () => ({}));
 * }
 * ```
 */
export type RouteAccess =
  | { readonly permission: Permission | (string & {}); readonly audit?: 'read' }
  | { readonly authenticated: true; readonly audit?: 'read' }
  | { readonly public: true };

/**
 * The permissions core knows. Built-in roles hold documented sets of them (docs/access.md); custom roles and
 * policies grant any of them. Plugins may check their own permission strings (`<plugin id>:<action>`); only roles
 * granted them, and admins, hold those.
 */
export const PERMISSIONS = [
  'workspace:read',
  'workspace:update',
  'member:read',
  'member:manage',
  'role:read',
  'role:manage',
  'policy:read',
  'policy:manage',
  'token:create',
  'service-account:manage',
  'audit:read',
  'dataset:read',
  'dataset:read-pii',
  'dataset:read-confidential',
  'dataset:write',
  'dataset:manage',
  'dataset:classify',
  'query:run',
  'connection:read',
  'connection:edit',
  'secret:read',
  'secret:manage',
  'pipeline:read',
  'pipeline:edit',
  'pipeline:run',
  'quality:read',
  'quality:edit',
  'plugin:read',
  'plugin:configure',
  // Platform permissions (checked outside any workspace).
  'platform:workspaces',
  'platform:users',
  'platform:plugins',
  'platform:audit',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

/** The authenticated caller of a request or the identity a job runs as. */
export interface Principal {
  /** User or service account id (uuid). */
  readonly id: string;
  readonly kind: 'user' | 'service-account';
  /** Display name (service account name for service accounts). */
  readonly name: string;
  readonly email: string | undefined;
  /** Holds every platform permission. */
  readonly platformAdmin: boolean;
  /** How the request authenticated. */
  readonly via: 'session' | 'token';
  /** For token callers: the token's id, workspace and role; the token grants no more than that role there. */
  readonly token?: { readonly id: string; readonly workspace: string; readonly role: string };
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call this route; see {@link RouteAccess}. Required on every route. */
    access?: RouteAccess;
  }
  interface FastifyRequest {
    /** The authenticated caller; undefined only on public routes called anonymously. */
    principal: Principal | undefined;
  }
}

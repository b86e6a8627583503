import { api, call } from './api/client';
import type { paths } from './api/schema';

/** An API token as listed: never its secret. */
export type ApiToken = paths['/api/v1/tokens']['get']['responses'][200]['content']['application/json']['items'][number];
/** The answer to creating a token: the only time the secret is shown. */
export type IssuedToken =
  paths['/api/v1/workspaces/{ws}/tokens']['post']['responses'][201]['content']['application/json'];

/** The caller's own tokens in every workspace, and their platform tokens. */
export async function listMyTokens(): Promise<ApiToken[]> {
  return (await call(api.GET('/api/v1/tokens'))).items;
}

export function createToken(input: {
  workspace: string;
  name: string;
  role: string;
  expiresInDays: number;
}): Promise<IssuedToken> {
  return call(
    api.POST('/api/v1/workspaces/{ws}/tokens', {
      params: { path: { ws: input.workspace } },
      body: { name: input.name, role: input.role, expiresInDays: input.expiresInDays },
    }),
  );
}

export function revokeToken(id: string): Promise<ApiToken> {
  return call(api.DELETE('/api/v1/tokens/{id}', { params: { path: { id } } }));
}

/** Roles a token in `workspace` may act as: every role there for callers who may read roles, else their own. */
export async function grantableRoles(workspace: string, held: string[], canReadRoles: boolean): Promise<string[]> {
  if (!canReadRoles) return held;
  const { items } = await call(api.GET('/api/v1/workspaces/{ws}/roles', { params: { path: { ws: workspace } } }));
  return [...new Set([...held, ...items.map((role) => role.name)])];
}

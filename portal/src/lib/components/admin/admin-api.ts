import type { Answer } from '$lib/api/answer';
import type { ApiError } from '$lib/api/api-error';
import type { paths } from '$lib/api/schema';

type Json<P extends keyof paths, M extends keyof paths[P]> = Answer<paths[P][M]>;

/** A loaded plugin as `GET /api/v1/plugins` describes it. */
export type Plugin = Json<'/api/v1/plugins', 'get'>['items'][number];
export type Contributions = Plugin['contributions'];
/** A member of a workspace: a user, service account or group with its roles. */
export type Member = Json<'/api/v1/workspaces/{ws}/members', 'get'>['items'][number];
export type Role = Json<'/api/v1/workspaces/{ws}/roles', 'get'>['items'][number];
export type User = Json<'/api/v1/users', 'get'>['items'][number];
export type AuditEntry = Json<'/api/v1/workspaces/{ws}/audit', 'get'>['items'][number];
export type AuditOutcome = AuditEntry['outcome'];

/**
 * The field of a form a server error is about: a validation error names its JSON path (`/body/email`), a few codes
 * are about one field whatever the path. Undefined means the error belongs to the form as a whole.
 */
export function fieldOf(error: ApiError, codes: Readonly<Record<string, string>>): string | undefined {
  const byCode = codes[error.code];
  if (byCode !== undefined) return byCode;
  const path = error.details?.['path'];
  if (typeof path !== 'string') return undefined;
  return /^\/(?:body|querystring|params)\/([^/]+)/.exec(path)?.[1];
}

import { PERMISSIONS, type Principal } from '@assay/sdk';
import type { Identity } from './identity.ts';

/** What `GET /api/v1/me` answers: the caller, their workspaces with roles and the permissions held in each. */
export async function describeMe(identity: Identity, principal: Principal) {
  const user = await identity.users.get(principal.id);
  const all = await identity.workspaces.list();
  const workspaces = [];
  for (const workspace of all) {
    const roles = await identity.access.rolesOf(principal, workspace.slug);
    if (roles.length === 0 && !principal.platformAdmin) continue;
    const permissions: string[] = [];
    for (const permission of PERMISSIONS) {
      if (permission.startsWith('platform:')) continue;
      if (await identity.access.can(principal, workspace.slug, permission)) permissions.push(permission);
    }
    workspaces.push({ slug: workspace.slug, name: workspace.name, status: workspace.status, roles, permissions });
  }
  return {
    user: { id: user.id, kind: user.kind, email: user.email, name: user.name, sso: user.sso },
    platformAdmin: principal.platformAdmin,
    via: principal.via,
    groups: identity.access.groupsOf(principal.id),
    workspaces,
  };
}

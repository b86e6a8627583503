import { api, call } from '$lib/api/client';
import type { Member } from './admin-api';

/** Who to add: a user by e-mail, or a group by name (groups come from sign-in, e.g. OIDC claims). */
export type NewMember = { kind: 'user'; email: string } | { kind: 'group'; group: string };

/** Adds a member, or replaces a member's roles: the server keeps exactly `roles`. */
export async function saveMember(ws: string, who: NewMember, roles: string[]): Promise<Member> {
  const body = who.kind === 'user' ? { email: who.email, roles } : { group: who.group, roles };
  return call(api.POST('/api/v1/workspaces/{ws}/members', { params: { path: { ws } }, body }));
}

/** Replaces the roles of an existing member, naming it by id so an account without e-mail works too. */
export async function changeRoles(ws: string, member: Member, roles: string[]): Promise<Member> {
  const body = member.kind === 'group' ? { group: member.id, roles } : { userId: member.id, roles };
  return call(api.POST('/api/v1/workspaces/{ws}/members', { params: { path: { ws } }, body }));
}

export async function removeMember(ws: string, member: Member): Promise<void> {
  // A service account is a user to the access model.
  const kind = member.kind === 'group' ? 'group' : 'user';
  await call(
    api.DELETE('/api/v1/workspaces/{ws}/members/{kind}/{id}', { params: { path: { ws, kind, id: member.id } } }),
  );
}

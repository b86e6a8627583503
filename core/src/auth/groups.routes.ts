import { InputError, NotFoundError, type PluginHttpApp } from '@assay/sdk';
import { Type } from 'typebox';
import { errorResponses } from '../http/error-body.ts';
import type { AccessControl } from './access-control.ts';
import { subjectOfGroup } from './casbin-model.ts';
import type { Identity } from './identity.ts';
import type { User } from './users.ts';

const GROUP_NAME = '^[A-Za-z0-9][A-Za-z0-9._ -]{0,99}$';
const MemberBody = Type.Object({
  id: Type.String(),
  name: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
});
const GroupBody = Type.Object({ name: Type.String(), members: Type.Array(MemberBody) });
const NameParams = Type.Object({ name: Type.String({ pattern: GROUP_NAME }) });
const errors = { ...errorResponses, 401: Type.Ref('ErrorBody'), 403: Type.Ref('ErrorBody') };
const access = { permission: 'platform:users' } as const;

/**
 * Groups of people, which workspaces grant roles to (`group:<name>` in Casbin). Membership lives only in Casbin, the
 * single source of authorization decisions: a group exists while it has members or holds a role somewhere.
 */
export async function groupsRoutes(app: PluginHttpApp, options: { identity: Identity }): Promise<void> {
  const { identity } = options;
  const { access: control } = identity;

  /** Every group with its members, including groups that only hold roles. */
  const allGroups = async (): Promise<Map<string, User[]>> => {
    const groups = new Map<string, User[]>();
    for (const user of await identity.users.list()) {
      for (const group of control.groupsOf(user.id)) groups.set(group, [...(groups.get(group) ?? []), user]);
    }
    for (const workspace of await identity.workspaces.list()) {
      for (const { subject } of control.assignments(workspace.slug)) {
        if (subject.startsWith('group:')) {
          const name = subject.slice('group:'.length);
          if (!groups.has(name)) groups.set(name, []);
        }
      }
    }
    return groups;
  };

  const describe = (name: string, members: readonly User[]) => ({
    name,
    members: members.map((u) => ({ id: u.id, name: u.name, email: u.email })),
  });

  app.get(
    '/groups',
    {
      config: { access },
      schema: {
        tags: ['groups'],
        summary: 'Every group with its members',
        response: { 200: Type.Object({ items: Type.Array(GroupBody) }), ...errors },
      },
    },
    async () => {
      const groups = await allGroups();
      const names = [...groups.keys()].sort();
      return { items: names.map((name) => describe(name, groups.get(name)!)) };
    },
  );

  app.put(
    '/groups/:name',
    {
      config: { access },
      schema: {
        tags: ['groups'],
        summary: 'Set the members of a group (creating it when new)',
        params: NameParams,
        body: Type.Object(
          {
            members: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 10_000, uniqueItems: true }),
          },
          { additionalProperties: false },
        ),
        response: { 200: GroupBody, ...errors },
      },
    },
    async (request) => {
      const { name } = request.params;
      const wanted = await identity.users.listByIds(request.body.members);
      const found = new Set(wanted.filter((u) => u.kind === 'user').map((u) => u.id));
      const unknown = request.body.members.filter((id) => !found.has(id));
      if (unknown.length > 0) {
        throw new InputError(`No user ${unknown.join(', ')}: groups hold people, by user id`, {
          code: 'GROUP_MEMBER_NOT_FOUND',
          details: { unknown },
        });
      }
      const current = (await allGroups()).get(name) ?? [];
      await setMembers(control, name, current, [...found]);
      identity.changed();
      return describe(name, wanted);
    },
  );

  app.delete(
    '/groups/:name',
    {
      config: { access },
      schema: {
        tags: ['groups'],
        summary: 'Delete a group: its members leave it and every role it holds is taken away',
        params: NameParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      const members = (await allGroups()).get(name);
      if (members === undefined) throw new NotFoundError(`No group "${name}"`, { code: 'GROUP_NOT_FOUND' });
      await setMembers(control, name, members, []);
      const subject = subjectOfGroup(name);
      for (const workspace of await identity.workspaces.list()) {
        if (control.directRoles(subject, workspace.slug).length > 0) await control.unassignAll(subject, workspace.slug);
      }
      identity.changed();
      return reply.status(204).send(null);
    },
  );
}

/**
 * Makes `wanted` the members of `group`. Casbin stores memberships per user, so each affected user's full set of
 * groups is recomputed: only `group` is added or removed, their other memberships stay.
 */
async function setMembers(
  control: AccessControl,
  group: string,
  current: readonly User[],
  wanted: readonly string[],
): Promise<void> {
  const keep = new Set(wanted);
  for (const user of current) {
    if (!keep.has(user.id))
      await control.setGroupMembership(
        user.id,
        control.groupsOf(user.id).filter((g) => g !== group),
      );
  }
  const before = new Set(current.map((u) => u.id));
  for (const id of wanted) {
    if (!before.has(id)) await control.setGroupMembership(id, [...control.groupsOf(id), group]);
  }
}

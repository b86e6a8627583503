import { ConflictError, InputError, NotFoundError, type PluginHttpApp } from '@assay/sdk';
import type { Knex } from 'knex';
import { Type } from 'typebox';
import { errorResponses } from '../http/error-body.ts';
import { subjectOfGroup, subjectOfUser } from './casbin-model.ts';
import type { Identity } from './identity.ts';
import { assertRoleExists } from './workspace-roles.ts';

const Params = Type.Object({ ws: Type.String({ pattern: '^[a-z][a-z0-9]*(-[a-z0-9]+)*$' }) });
const MemberParams = Type.Object({
  ws: Type.String({ pattern: '^[a-z][a-z0-9]*(-[a-z0-9]+)*$' }),
  kind: Type.Union([Type.Literal('user'), Type.Literal('group')]),
  id: Type.String({ minLength: 1, maxLength: 200 }),
});
const Member = Type.Object({
  kind: Type.Union([Type.Literal('user'), Type.Literal('service-account'), Type.Literal('group')]),
  id: Type.String(),
  name: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  roles: Type.Array(Type.String()),
});
const errors = { ...errorResponses, 401: Type.Ref('ErrorBody'), 403: Type.Ref('ErrorBody') };

/** Members of a workspace (users, service accounts and groups) and their roles. */
export async function membersRoutes(app: PluginHttpApp, options: { identity: Identity; db: Knex }): Promise<void> {
  const { identity, db } = options;

  const listMembers = async (workspace: string) => {
    const bySubject = new Map<string, string[]>();
    for (const { subject, role } of identity.access.assignments(workspace)) {
      bySubject.set(subject, [...(bySubject.get(subject) ?? []), role]);
    }
    const userIds = [...bySubject.keys()].filter((s) => s.startsWith('user:')).map((s) => s.slice(5));
    const users = new Map((await identity.users.listByIds(userIds)).map((u) => [u.id, u]));
    const items = [];
    for (const [subject, roles] of bySubject) {
      if (subject.startsWith('group:')) {
        const name = subject.slice('group:'.length);
        items.push({ kind: 'group' as const, id: name, name, email: null, roles: roles.sort() });
        continue;
      }
      const user = users.get(subject.slice('user:'.length));
      if (user === undefined) continue; // a deleted user's links are removed with it; never show a dangling one
      items.push({ kind: user.kind, id: user.id, name: user.name, email: user.email, roles: roles.sort() });
    }
    return items.sort((a, b) => a.name.localeCompare(b.name));
  };

  const assertNotLastAdmin = (workspace: string, subject: string, keepsAdmin: boolean): void => {
    if (keepsAdmin) return;
    const admins = identity.access.assignments(workspace).filter((a) => a.role === 'admin');
    if (admins.length === 1 && admins[0]!.subject === subject) {
      throw new ConflictError(`This is the last admin of workspace "${workspace}"; make someone else admin first`, {
        code: 'LAST_ADMIN',
      });
    }
  };

  app.get(
    '/workspaces/:ws/members',
    {
      config: { access: { permission: 'member:read' } },
      schema: {
        tags: ['access'],
        summary: 'Members of a workspace with their roles',
        params: Params,
        response: { 200: Type.Object({ items: Type.Array(Member) }), ...errors },
      },
    },
    async (request) => ({ items: await listMembers(request.params.ws) }),
  );

  app.post(
    '/workspaces/:ws/members',
    {
      config: { access: { permission: 'member:manage' } },
      schema: {
        tags: ['access'],
        summary: "Add a user (by e-mail or id) or a group, or replace a member's roles",
        params: Params,
        body: Type.Object(
          {
            email: Type.Optional(Type.String({ minLength: 3, maxLength: 320 })),
            userId: Type.Optional(Type.String({ format: 'uuid' })),
            group: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._ -]{0,99}$' })),
            roles: Type.Array(Type.String({ minLength: 1, maxLength: 63 }), { minItems: 1, maxItems: 20 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Member, ...errors },
      },
    },
    async (request) => {
      const { ws } = request.params;
      const { email, userId, group, roles } = request.body;
      if ([email, userId, group].filter((v) => v !== undefined).length !== 1) {
        throw new InputError('Name exactly one of email, userId or group', { code: 'MEMBER_INVALID' });
      }
      for (const role of roles) await assertRoleExists(db, ws, role);
      let subject: string;
      if (group !== undefined) {
        subject = subjectOfGroup(group);
      } else {
        const user = email !== undefined ? await identity.users.findByEmail(email) : await identity.users.get(userId!);
        if (user === undefined) throw new NotFoundError(`No user with e-mail ${email}`, { code: 'USER_NOT_FOUND' });
        if (user.kind === 'service-account' && user.workspace !== ws) {
          throw new NotFoundError(`No user ${user.id}`, { code: 'USER_NOT_FOUND' });
        }
        subject = subjectOfUser(user.id);
      }
      assertNotLastAdmin(ws, subject, roles.includes('admin'));
      await identity.access.unassignAll(subject, ws);
      for (const role of new Set(roles)) await identity.access.assign(subject, role, ws);
      const member = (await listMembers(ws)).find((m) =>
        subject.startsWith('group:') ? m.kind === 'group' && m.id === group : `user:${m.id}` === subject,
      );
      return member!;
    },
  );

  app.delete(
    '/workspaces/:ws/members/:kind/:id',
    {
      config: { access: { permission: 'member:manage' } },
      schema: {
        tags: ['access'],
        summary: 'Remove a user or group from a workspace',
        params: MemberParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      const { ws, kind, id } = request.params;
      const subject = kind === 'group' ? subjectOfGroup(id) : subjectOfUser(id);
      assertNotLastAdmin(ws, subject, false);
      if ((await identity.access.unassignAll(subject, ws)) === 0) {
        throw new NotFoundError(`No ${kind} ${id} in workspace "${ws}"`, { code: 'MEMBER_NOT_FOUND' });
      }
      return reply.status(204).send(null);
    },
  );
}

import { ConflictError, NotFoundError, type PluginHttpApp, type Principal } from '@assay/sdk';
import { Type } from 'typebox';
import { errorResponses } from '../http/error-body.ts';
import { subjectOfUser } from './casbin-model.ts';
import type { Identity } from './identity.ts';
import type { User } from './users.ts';

const PlatformUserBody = Type.Object({
  id: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  name: Type.String(),
  disabled: Type.Boolean(),
  sso: Type.Boolean(),
  platformAdmin: Type.Boolean(),
  groups: Type.Array(Type.String()),
  createdAt: Type.String(),
  lastLoginAt: Type.Union([Type.String(), Type.Null()]),
});
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const errors = { ...errorResponses, 401: Type.Ref('ErrorBody'), 403: Type.Ref('ErrorBody') };
const access = { permission: 'platform:users' } as const;

/**
 * Platform administration of people: list, create local accounts, disable (which ends their sessions), grant or
 * take platform admin, delete. Service accounts are managed in their workspace. An admin can neither disable,
 * demote nor delete themselves (409 SELF_LOCKOUT), so the platform always keeps the admin doing the change.
 */
export async function usersRoutes(app: PluginHttpApp, options: { identity: Identity }): Promise<void> {
  const { identity } = options;

  const describe = (user: User) => ({
    id: user.id,
    email: user.email,
    name: user.name,
    disabled: user.disabled,
    sso: user.sso,
    platformAdmin: identity.access.isPlatformAdmin(user.id),
    groups: identity.access.groupsOf(user.id),
    createdAt: user.createdAt,
    lastLoginAt: user.lastLoginAt,
  });

  /** A person (not a service account). */
  const personOf = async (id: string): Promise<User> => {
    const user = await identity.users.get(id);
    if (user.kind !== 'user') {
      throw new NotFoundError(`No user ${id}; service accounts are managed in their workspace`, {
        code: 'USER_NOT_FOUND',
      });
    }
    return user;
  };

  const refuseSelfLockout = (principal: Principal, id: string, what: string): void => {
    if (principal.id === id) {
      throw new ConflictError(`You cannot ${what} yourself; ask another platform admin`, { code: 'SELF_LOCKOUT' });
    }
  };

  app.get(
    '/users',
    {
      config: { access },
      schema: {
        tags: ['users'],
        summary: 'Every person with their platform admin flag and groups',
        response: { 200: Type.Object({ items: Type.Array(PlatformUserBody) }), ...errors },
      },
    },
    async () => ({ items: (await identity.users.list({ kind: 'user' })).map(describe) }),
  );

  app.post(
    '/users',
    {
      config: { access },
      schema: {
        tags: ['users'],
        summary: 'Create a local account (e-mail and password)',
        body: Type.Object(
          {
            email: Type.String({ format: 'email', maxLength: 320 }),
            name: Type.String({ minLength: 1, maxLength: 200 }),
            password: Type.String({ minLength: 1, maxLength: 1024 }),
            platformAdmin: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: { 201: PlatformUserBody, ...errors },
      },
    },
    async (request, reply) => {
      const { platformAdmin, ...account } = request.body;
      const user = await identity.users.createLocal(account);
      if (platformAdmin === true) await identity.access.setPlatformAdmin(user.id, true);
      return reply.status(201).send(describe(user));
    },
  );

  app.patch(
    '/users/:id',
    {
      config: { access },
      schema: {
        tags: ['users'],
        summary: 'Disable or enable a person (disabling ends their sessions), grant or take platform admin',
        params: IdParams,
        body: Type.Object(
          { disabled: Type.Optional(Type.Boolean()), platformAdmin: Type.Optional(Type.Boolean()) },
          { additionalProperties: false },
        ),
        response: { 200: PlatformUserBody, ...errors },
      },
    },
    async (request) => {
      const principal = request.principal!;
      const { id } = request.params;
      const { disabled, platformAdmin } = request.body;
      await personOf(id);
      if (disabled === true) refuseSelfLockout(principal, id, 'disable');
      if (platformAdmin === false) refuseSelfLockout(principal, id, 'remove platform admin from');
      if (platformAdmin !== undefined) await identity.access.setPlatformAdmin(id, platformAdmin);
      if (disabled !== undefined) {
        await identity.users.setDisabled(id, disabled);
        if (disabled) await identity.sessions.removeAllOf(id);
        identity.changed();
      }
      return describe(await personOf(id));
    },
  );

  app.delete(
    '/users/:id',
    {
      config: { access },
      schema: {
        tags: ['users'],
        summary: 'Delete a person with their role links, group memberships, sessions and tokens',
        params: IdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      refuseSelfLockout(request.principal!, id, 'delete');
      await personOf(id);
      const subject = subjectOfUser(id);
      for (const workspace of await identity.workspaces.list()) {
        if (identity.access.directRoles(subject, workspace.slug).length > 0) {
          await identity.access.unassignAll(subject, workspace.slug);
        }
      }
      await identity.access.setGroupMembership(id, []);
      await identity.access.setPlatformAdmin(id, false);
      // Sessions and tokens go with the row (foreign keys cascade).
      await identity.users.remove(id);
      identity.changed();
      return reply.status(204).send(null);
    },
  );
}

import { randomBytes } from 'node:crypto';
import type { PluginHttpApp } from '@assay/sdk';
import { createContainer } from 'awilix';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createHttpServer } from '../http/http-server.ts';
import { createIdentityTestKit } from '../testing/identity-test-kit.ts';
import { subjectOfUser } from './casbin-model.ts';
import type { Identity } from './identity.ts';
import type { User } from './users.ts';

type IdentityRoutes = (app: PluginHttpApp, options: { identity: Identity }) => Promise<void>;

/** The real HTTP server (authentication and access checks included) with only the identity routes under test. */
export interface RoutesTestApp {
  readonly identity: Identity;
  /** Sends a request under `/api/v1`, authenticated with `secret` as bearer token when given. */
  call(secret: string | undefined, request: InjectOptions): Promise<LightMyRequestResponse>;
  /** A local person, optionally holding `role` in `workspace` and platform admin. */
  person(options?: { workspace?: string; role?: string; platformAdmin?: boolean }): Promise<User>;
  /** The secret of a new token of `userId`, made through the store (expiring in an hour unless told). */
  token(userId: string, workspace: string | null, role: string, expiresAt?: Date | null): Promise<string>;
  close(): Promise<void>;
}

/** Starts the app on a fresh migrated database; workspaces `ws-a` and `ws-b` exist. */
export async function startRoutesTestApp(routes: readonly IdentityRoutes[]): Promise<RoutesTestApp> {
  const kit = await createIdentityTestKit();
  const { identity } = kit;
  const app = await createHttpServer({
    logger: pino({ level: 'silent' }),
    version: '0.0.0-test',
    metrics: new Registry(),
    container: createContainer(),
    readiness: [],
    isDraining: () => false,
    access: kit.access,
    audit: kit.audit,
  });
  for (const register of routes) await app.register((scope) => register(scope, { identity }), { prefix: '/api/v1' });
  await app.ready();
  await identity.workspaces.create({ slug: 'ws-a' });
  await identity.workspaces.create({ slug: 'ws-b' });
  return {
    identity,
    call: (secret, request) =>
      app.inject({
        ...request,
        url: `/api/v1${request.url as string}`,
        headers: { ...request.headers, ...(secret === undefined ? {} : { authorization: `Bearer ${secret}` }) },
      }),
    async person(options = {}) {
      const user = await identity.users.createLocal({
        email: `${randomBytes(5).toString('hex')}@assay.test`,
        name: 'Test person',
        password: randomBytes(18).toString('base64url'),
      });
      if (options.workspace !== undefined && options.role !== undefined) {
        await identity.access.assign(subjectOfUser(user.id), options.role, options.workspace);
      }
      if (options.platformAdmin === true) await identity.access.setPlatformAdmin(user.id, true);
      return user;
    },
    async token(userId, workspace, role, expiresAt = new Date(Date.now() + 3600_000)) {
      const { secret } = await identity.tokens.create({
        userId,
        workspace,
        role,
        name: 'test',
        expiresAt,
        createdBy: userId,
      });
      return secret;
    },
    close: async () => {
      await app.close();
      await kit.close();
    },
  };
}

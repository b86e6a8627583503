import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InjectOptions } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import type { TestPlatform, TestPlatformOptions } from '@assay/sdk/testing';
import { subjectOfUser } from '../auth/casbin-model.ts';
import type { Identity } from '../auth/identity.ts';
import { loadConfig } from '../config/load-config.ts';
import { startPlatform, type Platform } from '../platform/platform.ts';
import { createTestDatabase } from './test-database.ts';

/**
 * The real platform for a test file: a fresh database on the test server, a temporary home (lake, plugins), and
 * only the plugins the test names (plus built-ins on request). `close()` removes all of it. Requests go through
 * real authentication: `inject` carries a platform admin's API token.
 */
export async function startTestPlatform(options: TestPlatformOptions = {}): Promise<TestPlatform> {
  return startCoreTestPlatform(options);
}

/** {@link startTestPlatform} with the platform itself, for core's own tests. */
export async function startCoreTestPlatform(
  options: TestPlatformOptions & { env?: NodeJS.ProcessEnv; logger?: PinoLogger } = {},
): Promise<TestPlatform & { platform: Platform; adminToken: string }> {
  const database = await createTestDatabase();
  const home = await mkdtemp(join(tmpdir(), 'assay-test-'));
  try {
    const config = loadConfig({
      env: options.env ?? {},
      cwd: home,
      overrides: {
        databaseUrl: database.url,
        home,
        port: 0,
        logLevel: process.env.TEST_LOG_LEVEL ?? 'silent',
        pluginConfig: options.pluginConfig ?? {},
        worker: { enabled: options.worker ?? true },
        shutdownTimeoutSeconds: 5,
      },
    });
    const platform = await startPlatform({
      config,
      role: 'serve',
      inlinePlugins: options.plugins ?? [],
      includeBuiltins: options.builtins ?? false,
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    });
    const { identity } = platform;
    const { userId: adminId, token: adminToken } = await createPlatformAdmin(identity);
    const withAdmin = (request: InjectOptions | string): InjectOptions => {
      const opts = typeof request === 'string' ? { url: request } : request;
      const headers = opts.headers ?? {};
      if (headers.authorization !== undefined || headers.cookie !== undefined) return opts;
      return { ...opts, headers: { ...headers, authorization: `Bearer ${adminToken}` } };
    };
    return {
      platform,
      adminToken,
      inject: (request) => platform.http!.inject(withAdmin(request)),
      injectAnonymous: (request) => platform.http!.inject(request),
      createWorkspace: async (slug) => {
        await identity.workspaces.create({ slug });
        await identity.access.assign(subjectOfUser(adminId), 'admin', slug);
      },
      createMember: async ({ workspace, role, email }) => {
        const user = await identity.users.createLocal({
          email: email ?? `${role}-${randomBytes(4).toString('hex')}@assay.test`,
          name: `${role} of ${workspace}`,
          password: randomBytes(18).toString('base64url'),
        });
        await identity.access.assign(subjectOfUser(user.id), role, workspace);
        return { userId: user.id, token: await tokenFor(identity, user.id, workspace, role) };
      },
      get: (ref) => platform.get(ref),
      databaseUrl: database.url,
      home,
      db: platform.db,
      close: async () => {
        await platform.close();
        await database.drop();
        await rm(home, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await database.drop();
    await rm(home, { recursive: true, force: true });
    throw error;
  }
}

/** A platform admin with a platform API token, for tests that boot the platform themselves. */
export async function createPlatformAdmin(identity: Identity): Promise<{ userId: string; token: string }> {
  const admin = await identity.users.createLocal({
    email: `admin-${randomBytes(4).toString('hex')}@assay.test`,
    name: 'Test admin',
    password: randomBytes(18).toString('base64url'),
  });
  await identity.access.setPlatformAdmin(admin.id, true);
  return { userId: admin.id, token: await tokenFor(identity, admin.id, null, 'platform-admin') };
}

async function tokenFor(identity: Identity, userId: string, workspace: string | null, role: string): Promise<string> {
  const { secret } = await identity.tokens.create({
    userId,
    workspace,
    role,
    name: 'test',
    expiresAt: null,
    createdBy: userId,
  });
  return secret;
}

import type { Knex } from 'knex';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Plugin } from './plugin.ts';
import type { ServiceRef } from './service-ref.ts';

/** A running platform for tests. */
export interface TestPlatform {
  /**
   * Sends a request through the full HTTP stack without a socket, as a platform admin (who may do anything in
   * any workspace) unless the request carries its own `authorization` or `cookie` header.
   */
  inject(options: InjectOptions | string): Promise<LightMyRequestResponse>;
  /** Sends a request without credentials. */
  injectAnonymous(options: InjectOptions | string): Promise<LightMyRequestResponse>;
  /** Creates a workspace (the platform admin is its admin). */
  createWorkspace(slug: string): Promise<void>;
  /**
   * Creates a user holding `role` in `workspace` and an API token for it; send the token as
   * `authorization: Bearer <token>` to act as that user.
   */
  createMember(input: { workspace: string; role: string; email?: string }): Promise<{ userId: string; token: string }>;
  /** A root service instance, e.g. `platform.get(coreServices.database)`. */
  get<T>(ref: ServiceRef<T>): T;
  /** The test database's connection string (a fresh database for this platform). */
  readonly databaseUrl: string;
  readonly db: Knex;
  /** Stops the platform and drops its database. */
  close(): Promise<void>;
}

/** Options of {@link startTestPlatform}. */
export interface TestPlatformOptions {
  /** Plugins to load in addition to the built-in ones, as values made by `definePlugin`. */
  plugins?: readonly Plugin[];
  /** Load built-in plugins found in the installation (default false: only `plugins`). */
  builtins?: boolean;
  /** `pluginConfig` section of `assay.yaml`. */
  pluginConfig?: Record<string, unknown>;
  /** Work queue jobs in this process (default true). */
  worker?: boolean;
}

/**
 * Boots the real core with the given plugins against a real PostgreSQL: `TEST_DATABASE_URL` when set (a fresh
 * database is created and dropped per platform), or the embedded server `npm test` starts.
 *
 * @example
 * ```ts
 * import { after, test } from 'node:test';
 * import assert from 'node:assert/strict';
 * import { definePlugin, defineOperator, Type } from '@assay/sdk';
 * import { startTestPlatform } from '@assay/sdk/testing';
 *
 * const plugin = definePlugin({
 *   id: 'hello',
 *   platform: '^0.1.0',
 *   operators: [
 *     defineOperator({
 *       type: 'hello', version: 1, title: 'Hello', category: 'utility',
 *       config: Type.Object({}),
 *       async run() { return {}; },
 *     }),
 *   ],
 * });
 *
 * const platform = await startTestPlatform({ plugins: [plugin] });
 * after(() => platform.close());
 *
 * test('lists my operator', async () => {
 *   const res = await platform.inject('/api/v1/operators');
 *   assert.equal(res.statusCode, 200);
 * });
 * ```
 */
export async function startTestPlatform(options: TestPlatformOptions = {}): Promise<TestPlatform> {
  // Resolved at run time: @assay/core depends on the sdk, so the sdk cannot depend on core at build time.
  const moduleName = '@assay/core/test-platform';
  const core = (await import(moduleName)) as { startTestPlatform(options: TestPlatformOptions): Promise<TestPlatform> };
  return core.startTestPlatform(options);
}

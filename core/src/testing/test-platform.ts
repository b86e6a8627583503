import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestPlatform, TestPlatformOptions } from '@assay/sdk/testing';
import { loadConfig } from '../config/load-config.ts';
import { startPlatform } from '../platform/platform.ts';
import { createTestDatabase } from './test-database.ts';

/**
 * The real platform for a test file: a fresh database on the test server, a temporary home (lake, plugins), and
 * only the plugins the test names (plus built-ins on request). `close()` removes all of it.
 */
export async function startTestPlatform(options: TestPlatformOptions = {}): Promise<TestPlatform> {
  const database = await createTestDatabase();
  const home = await mkdtemp(join(tmpdir(), 'assay-test-'));
  try {
    const config = loadConfig({
      env: {},
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
    });
    return {
      inject: (request) => platform.http!.inject(request),
      get: (ref) => platform.get(ref),
      databaseUrl: database.url,
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

import {
  AssayError,
  OperationalError,
  type ConnectionCheckResult,
  type DiscoveredStream,
  type Logger,
} from '@assay/sdk';
import { openConnectorContext, type ConnectorDirectories } from './connector-context.ts';
import type { ConnectionStore, ResolvedConnection } from './connection-store.ts';

/** Connection tests and discovery, each with a time limit. */
export interface ConnectionService {
  test(workspace: string, idOrName: string): Promise<ConnectionCheckResult & { durationMs: number }>;
  discover(workspace: string, idOrName: string): Promise<DiscoveredStream[]>;
}

const CHECK_TIMEOUT_MS = 30_000;
const DISCOVER_TIMEOUT_MS = 120_000;

export function createConnectionService(options: {
  store: ConnectionStore;
  dirs: ConnectorDirectories;
  logger: Logger;
  pluginConfigs: ReadonlyMap<string, unknown>;
}): ConnectionService {
  const { store, dirs, logger, pluginConfigs } = options;

  const withContext = async <T>(
    resolved: ResolvedConnection,
    timeoutMs: number,
    work: (ctx: Awaited<ReturnType<typeof openConnectorContext>>) => Promise<T>,
  ): Promise<T> => {
    const signal = AbortSignal.timeout(timeoutMs);
    const ctx = await openConnectorContext({
      dirs,
      workspace: resolved.record.workspace,
      connectionId: resolved.record.id,
      log: logger.child({ connection: resolved.record.name, connector: resolved.record.type }),
      signal,
      pluginConfig: pluginConfigs.get(resolved.connector.pluginId),
    });
    try {
      return await Promise.race([
        work(ctx),
        new Promise<never>((_, reject) =>
          signal.addEventListener('abort', () =>
            reject(
              new OperationalError(`Connector "${resolved.record.type}" did not answer within ${timeoutMs / 1000} s`, {
                code: 'CONNECTOR_TIMEOUT',
              }),
            ),
          ),
        ),
      ]);
    } finally {
      await ctx.dispose();
    }
  };

  return {
    async test(workspace, idOrName) {
      const resolved = await store.resolve(workspace, idOrName);
      const started = performance.now();
      const result = await withContext(resolved, CHECK_TIMEOUT_MS, (ctx) =>
        resolved.definition.check(ctx, resolved.config),
      ).catch((error: unknown): ConnectionCheckResult => ({
        ok: false,
        code: error instanceof AssayError ? error.code : 'CHECK_FAILED',
        message: error instanceof Error ? error.message : String(error),
      }));
      return { ...result, durationMs: Math.round(performance.now() - started) };
    },

    async discover(workspace, idOrName) {
      const resolved = await store.resolve(workspace, idOrName);
      try {
        return await withContext(resolved, DISCOVER_TIMEOUT_MS, (ctx) =>
          resolved.definition.discover(ctx, resolved.config),
        );
      } catch (error) {
        if (error instanceof AssayError) throw error;
        throw new OperationalError(
          `Discovering connection "${resolved.record.name}" failed: ${(error as Error).message}`,
          { code: 'DISCOVER_FAILED', cause: error },
        );
      }
    },
  };
}

import type { PluginEnvironment, ServiceRef } from '@assay/sdk';
import { combinePluginErrors, PluginLoadError } from './plugin-errors.ts';
import type { LoadedPlugin } from './plugin-loader.ts';

/** Resolves a service for the plugin that asks (plugin-scoped services differ per plugin). */
export type ServiceResolver = (pluginId: string, ref: ServiceRef<unknown>) => unknown;

interface PendingInit {
  readonly pluginId: string;
  readonly deps: Record<string, ServiceRef<unknown>>;
  readonly init: (deps: Record<string, unknown>) => Promise<void> | void;
}

/**
 * Runs each plugin's `register(env)` once, checks that every service its inits depend on is one this platform
 * provides (all problems reported together, before any init runs), then runs the inits in load order with their
 * dependencies resolved. A failing `register` or init stops the boot with `PLUGIN_INIT_FAILED` naming the plugin;
 * later inits do not run, since they may rely on what the failed one sets up.
 */
export async function initializePlugins(
  loaded: readonly LoadedPlugin[],
  resolve: ServiceResolver,
  knownServiceIds: ReadonlySet<string>,
): Promise<void> {
  const pending: PendingInit[] = [];
  const problems: PluginLoadError[] = [];
  for (const entry of loaded) {
    try {
      pending.push(...collectInits(entry));
    } catch (error) {
      if (error instanceof PluginLoadError) problems.push(error);
      else throw failed(entry.id, 'its register() threw', error);
    }
  }
  for (const { pluginId, deps } of pending) {
    for (const ref of Object.values(deps)) {
      if (knownServiceIds.has(ref.id)) continue;
      problems.push(
        new PluginLoadError(
          `Plugin "${pluginId}" depends on service "${ref.id}", which this platform does not provide`,
          {
            code: 'PLUGIN_INVALID',
            plugin: pluginId,
            details: { service: ref.id },
          },
        ),
      );
    }
  }
  if (problems.length > 0) throw combinePluginErrors(problems);

  for (const { pluginId, deps, init } of pending) {
    try {
      const instances = Object.fromEntries(Object.entries(deps).map(([name, ref]) => [name, resolve(pluginId, ref)]));
      await init(instances);
    } catch (error) {
      throw failed(pluginId, 'its init failed', error);
    }
  }
}

/** Calls `register` with an environment that only accepts `registerInit` while `register` runs. */
function collectInits(entry: LoadedPlugin): PendingInit[] {
  const inits: PendingInit[] = [];
  if (entry.plugin.register === undefined) return inits;
  let open = true;
  const env: PluginEnvironment = {
    registerInit(options) {
      if (!open) throw new TypeError(`Plugin "${entry.id}": registerInit may only be called while register() runs`);
      inits.push(checkInit(entry.id, options as unknown as Partial<PendingInit>));
    },
  };
  try {
    entry.plugin.register(env);
  } finally {
    open = false;
  }
  return inits;
}

function checkInit(pluginId: string, options: Partial<PendingInit>): PendingInit {
  const invalid = (reason: string) =>
    new PluginLoadError(`Plugin "${pluginId}" is invalid: registerInit ${reason}`, {
      code: 'PLUGIN_INVALID',
      plugin: pluginId,
    });
  if (typeof options.init !== 'function') throw invalid('needs an init function');
  const deps = options.deps ?? {};
  if (typeof deps !== 'object' || deps === null) throw invalid('deps must be an object of service references');
  for (const [name, ref] of Object.entries(deps)) {
    if (typeof (ref as Partial<ServiceRef<unknown>> | null)?.id !== 'string') {
      throw invalid(`dependency "${name}" is not a service reference (use coreServices.* or createServiceRef)`);
    }
  }
  return { pluginId, deps, init: options.init };
}

function failed(pluginId: string, what: string, cause: unknown): PluginLoadError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new PluginLoadError(`Plugin "${pluginId}" failed to start: ${what}: ${reason}`, {
    code: 'PLUGIN_INIT_FAILED',
    plugin: pluginId,
    cause,
  });
}

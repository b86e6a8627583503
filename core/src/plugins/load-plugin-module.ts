import { pathToFileURL } from 'node:url';

/** Why importing a plugin's entry did not produce a plugin value. */
export class PluginModuleError extends Error {
  /** `import` threw (syntax error, missing dependency, top-level throw) or no export is a plugin. */
  readonly reason: 'import-failed' | 'no-plugin-export';

  constructor(message: string, reason: PluginModuleError['reason'], cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'PluginModuleError';
    this.reason = reason;
  }
}

/**
 * Imports a plugin package's entry and returns its plugin declaration: the default export, else a named export
 * `plugin`. Whether that value really is a plugin is decided by the caller's validation; this only refuses modules
 * that export neither.
 */
export async function importPluginModule(entry: string): Promise<unknown> {
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(pathToFileURL(entry).href)) as Record<string, unknown>;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new PluginModuleError(`importing ${entry} failed: ${reason}`, 'import-failed', error);
  }
  const value = namespace.default ?? namespace.plugin;
  if (value === undefined) {
    const found = Object.keys(namespace);
    throw new PluginModuleError(
      `${entry} has neither a default export nor an export named "plugin" ` +
        `(it exports ${found.length === 0 ? 'nothing' : found.map((name) => `"${name}"`).join(', ')}); ` +
        'export the value of definePlugin() from @assay/sdk',
      'no-plugin-export',
    );
  }
  return value;
}

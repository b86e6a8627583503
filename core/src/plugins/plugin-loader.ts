import { realpath } from 'node:fs/promises';
import type { Plugin } from '@assay/sdk';
import { discoverBuiltinPlugins } from './discover-builtin-plugins.ts';
import { loadInlinePlugin, loadPluginPackage } from './load-plugin-package.ts';
import type { PluginCandidate, PluginSource } from './plugin-candidate.ts';
import { findPluginConflicts } from './plugin-conflicts.ts';
import { combinePluginErrors, PluginLoadError } from './plugin-errors.ts';
import { findInstalledPlugins } from './plugin-install-dir.ts';
import { resolvePluginSpec } from './resolve-plugin-spec.ts';
import { installSdkResolution } from './sdk-resolution.ts';

/** A plugin the platform runs, with where it came from. */
export interface LoadedPlugin {
  readonly id: string;
  /** From the package's package.json; `0.0.0-inline` for plugins passed as values. */
  readonly version: string;
  readonly source: PluginSource;
  readonly packageName?: string;
  /** Real path of the package directory. */
  readonly packageDir?: string;
  readonly plugin: Plugin;
}

/** What to load. */
export interface LoadPluginsOptions {
  /** Installation root; built-ins are found in its `node_modules/@assay/*`. */
  appRoot: string;
  /** Where `assay plugin add` installs (`$ASSAY_HOME/plugins`); everything listed in its package.json loads. */
  installDir: string;
  /** Package names or paths from `assay.yaml` `plugins:` / `ASSAY_PLUGINS`. */
  specs: readonly string[];
  /** Plugins given as values (tests), loaded last. */
  inline?: readonly Plugin[];
  includeBuiltins: boolean;
  /** The running @assay/core version, checked against each plugin's `platform` range. */
  platformVersion: string;
  /** Base for relative path specs; default `process.cwd()`. */
  cwd?: string;
}

/**
 * Loads every plugin the platform should run, in a fixed order: built-ins (by package name), then installed
 * packages, then `specs`, then inline plugins. A package reached twice (installed and also listed in `specs`) loads
 * once. Problems are collected across all plugins and thrown together as one {@link PluginLoadError} — not found,
 * invalid, incompatible, duplicate id, conflicting contributions — so one failed boot shows everything to fix.
 * Installs the sdk resolution hook first (once per process), so third-party plugins find `@assay/sdk`.
 */
export async function loadPlugins(options: LoadPluginsOptions): Promise<LoadedPlugin[]> {
  installSdkResolution();
  const problems: PluginLoadError[] = [];
  const candidates: PluginCandidate[] = [];
  const searches = [
    ...(options.includeBuiltins ? [await discoverBuiltinPlugins(options.appRoot)] : []),
    await findInstalledPlugins(options.installDir),
  ];
  for (const search of searches) {
    candidates.push(...search.candidates);
    problems.push(...search.problems);
  }
  for (const spec of options.specs) {
    const candidate = await attempt(problems, () => resolvePluginSpec(spec, options));
    if (candidate !== undefined) candidates.push(candidate);
  }

  const loaded: LoadedPlugin[] = [];
  const seenDirs = new Set<string>();
  for (const candidate of candidates) {
    // A path that cannot be resolved is reported precisely by loadPluginPackage, which reads it next.
    const dir = await realpath(candidate.packageDir).catch(() => candidate.packageDir);
    if (seenDirs.has(dir)) continue;
    seenDirs.add(dir);
    const plugin = await attempt(problems, () => loadPluginPackage(candidate, options.platformVersion));
    if (plugin !== undefined) loaded.push(plugin);
  }
  for (const value of options.inline ?? []) {
    const plugin = await attempt(problems, () => loadInlinePlugin(value, options.platformVersion));
    if (plugin !== undefined) loaded.push(plugin);
  }

  problems.push(...findPluginConflicts(loaded));
  if (problems.length > 0) throw combinePluginErrors(problems);
  return loaded;
}

/** Runs one step; a plugin problem is kept for the combined report (and yields undefined), anything else throws. */
async function attempt<T>(problems: PluginLoadError[], step: () => T | Promise<T>): Promise<T | undefined> {
  try {
    return await step();
  } catch (error) {
    if (!(error instanceof PluginLoadError)) throw error;
    problems.push(error);
    return undefined;
  }
}

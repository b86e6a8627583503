import type { Plugin } from '@assay/sdk';
import semver from 'semver';
import { importPluginModule, PluginModuleError } from './load-plugin-module.ts';
import { platformSatisfies } from './platform-compatibility.ts';
import type { PluginCandidate } from './plugin-candidate.ts';
import { PluginLoadError } from './plugin-errors.ts';
import type { LoadedPlugin } from './plugin-loader.ts';
import { describeOrigin, originDetails, type PluginOrigin } from './plugin-origin.ts';
import { readPluginPackage, type PluginPackage } from './plugin-package.ts';
import { validatePluginContributions, validatePluginIdentity } from './validate-plugin.ts';

/** The version inline plugins (passed as values, in tests) are recorded with. */
export const INLINE_PLUGIN_VERSION = '0.0.0-inline';

/**
 * Reads a plugin package, imports its entry and checks the plugin: that it is one, that this platform satisfies its
 * `platform` range, and that every contribution is valid. Every failure is a {@link PluginLoadError} naming the
 * package (and the plugin id once known).
 */
export async function loadPluginPackage(candidate: PluginCandidate, platformVersion: string): Promise<LoadedPlugin> {
  const pkg = await readCandidate(candidate);
  const origin: PluginOrigin = {
    source: candidate.source,
    packageName: pkg.name,
    packageDir: pkg.dir,
    version: pkg.version,
  };
  if (semver.valid(pkg.version) === null) {
    throw invalid(origin, pkg.name, `its version "${pkg.version}" is not valid semver`);
  }
  let value: unknown;
  try {
    value = await importPluginModule(pkg.entry);
  } catch (error) {
    if (!(error instanceof PluginModuleError)) throw error;
    throw invalid(origin, pkg.name, error.message, error.cause ?? error);
  }
  return checkPlugin(value, origin, platformVersion);
}

/** Checks a plugin passed as a value the same way as a packaged one. */
export function loadInlinePlugin(value: Plugin, platformVersion: string): LoadedPlugin {
  return checkPlugin(value, { source: 'inline' }, platformVersion);
}

async function readCandidate(candidate: PluginCandidate): Promise<PluginPackage> {
  try {
    return await readPluginPackage(candidate.packageDir);
  } catch (error) {
    const origin: PluginOrigin = { source: candidate.source, packageDir: candidate.packageDir };
    throw invalid(origin, candidate.label, (error as Error).message, error);
  }
}

function checkPlugin(value: unknown, origin: PluginOrigin, platformVersion: string): LoadedPlugin {
  let plugin: Plugin;
  try {
    plugin = validatePluginIdentity(value);
  } catch (error) {
    throw invalid(origin, origin.packageName ?? 'inline', (error as Error).message, error);
  }
  const version = origin.version ?? INLINE_PLUGIN_VERSION;
  const named = `Plugin "${plugin.id}" ${version}`;
  const details = { ...originDetails(origin), version };
  let compatible: boolean;
  try {
    compatible = platformSatisfies(platformVersion, plugin.platform);
  } catch (error) {
    throw invalid(origin, plugin.id, (error as Error).message, error, named);
  }
  if (!compatible) {
    throw new PluginLoadError(
      `${named} requires platform ${plugin.platform}, but this is Assay ${platformVersion} ` +
        `(${describeOrigin(origin)}): install a version of the plugin made for Assay ${platformVersion}, or remove it`,
      {
        code: 'PLUGIN_INCOMPATIBLE',
        plugin: plugin.id,
        details: { ...details, requires: plugin.platform, platformVersion },
      },
    );
  }
  try {
    validatePluginContributions(plugin);
  } catch (error) {
    throw invalid(origin, plugin.id, (error as Error).message, error, named);
  }
  return {
    id: plugin.id,
    version,
    source: origin.source,
    ...(origin.packageName === undefined ? {} : { packageName: origin.packageName }),
    ...(origin.packageDir === undefined ? {} : { packageDir: origin.packageDir }),
    plugin,
  };
}

function invalid(
  origin: PluginOrigin,
  plugin: string,
  reason: string,
  cause?: unknown,
  named?: string,
): PluginLoadError {
  const subject = named === undefined ? describeOrigin(origin) : `${named} (${describeOrigin(origin)})`;
  return new PluginLoadError(`${capitalize(subject)} is invalid: ${reason}`, {
    code: 'PLUGIN_INVALID',
    plugin,
    details: { ...originDetails(origin), reason },
    cause,
  });
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

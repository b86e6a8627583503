import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { PluginCandidate } from './plugin-candidate.ts';
import { PluginLoadError } from './plugin-errors.ts';
import { installedPackageDir } from './plugin-install-dir.ts';

/** True when a spec names a directory rather than a package: `./x`, `../x`, `/abs/x` (and `C:\x`). */
export function isPathSpec(spec: string): boolean {
  return spec.startsWith('./') || spec.startsWith('../') || spec === '.' || spec === '..' || isAbsolute(spec);
}

/**
 * Turns one entry of `assay.yaml` `plugins:` / `ASSAY_PLUGINS` into a package directory: a path (relative to `cwd`)
 * to a package, or a package name looked up in the install directory first and the installation's own
 * `node_modules` second (where an image may bake plugins in). Throws `PLUGIN_NOT_FOUND` naming where it looked.
 */
export function resolvePluginSpec(
  spec: string,
  where: { installDir: string; appRoot: string; cwd?: string },
): PluginCandidate {
  if (isPathSpec(spec)) {
    const packageDir = resolve(where.cwd ?? process.cwd(), spec);
    if (existsSync(join(packageDir, 'package.json'))) return { source: 'installed', packageDir, label: spec };
    const problem = existsSync(packageDir) ? 'has no package.json' : 'does not exist';
    throw new PluginLoadError(
      `Plugin path "${spec}" ${problem} (${packageDir}): fix the plugins list in assay.yaml or ASSAY_PLUGINS`,
      {
        code: 'PLUGIN_NOT_FOUND',
        plugin: spec,
        details: { spec, packageDir },
      },
    );
  }
  const places = [installedPackageDir(where.installDir, spec), installedPackageDir(where.appRoot, spec)];
  const packageDir = places.find((dir) => existsSync(join(dir, 'package.json')));
  if (packageDir !== undefined) return { source: 'installed', packageDir, label: spec };
  throw new PluginLoadError(
    `Plugin package "${spec}" is not installed (looked in ${places.join(' and ')}): ` +
      `run "assay plugin add ${spec}", or fix the plugins list in assay.yaml or ASSAY_PLUGINS`,
    { code: 'PLUGIN_NOT_FOUND', plugin: spec, details: { spec, searched: places } },
  );
}

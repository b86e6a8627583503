import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CandidateSearch } from './plugin-candidate.ts';
import { PluginLoadError } from './plugin-errors.ts';
import { readPackageJson } from './plugin-package.ts';

/** The `package.json` marker of a built-in plugin: `"assay": { "role": "plugin" }`. */
export const BUILTIN_PLUGIN_ROLE = 'plugin';

/**
 * Finds the built-in plugins of an installation: packages in `<appRoot>/node_modules/@assay/*` whose package.json
 * declares `"assay": { "role": "plugin" }` (the workspace packages under `plugins/` and `operators/` do), in name
 * order so boots are reproducible. An `@assay` package whose package.json cannot be read is a broken installation
 * and is reported rather than skipped, since it may be a plugin that would silently go missing.
 */
export async function discoverBuiltinPlugins(appRoot: string): Promise<CandidateSearch> {
  const scopeDir = join(appRoot, 'node_modules', '@assay');
  const result: CandidateSearch = { candidates: [], problems: [] };
  if (!existsSync(scopeDir)) return result;
  const names = (await readdir(scopeDir)).filter((name) => !name.startsWith('.')).sort();
  for (const name of names) {
    const packageDir = join(scopeDir, name);
    const packageName = `@assay/${name}`;
    try {
      const json = await readPackageJson(packageDir);
      if (json.assay?.role === BUILTIN_PLUGIN_ROLE)
        result.candidates.push({ source: 'builtin', packageDir, label: packageName });
    } catch (error) {
      result.problems.push(
        new PluginLoadError(`Built-in package ${packageName} is broken: ${(error as Error).message}; reinstall Assay`, {
          code: 'PLUGIN_INVALID',
          plugin: packageName,
          details: { package: packageName, packageDir, source: 'builtin' },
          cause: error,
        }),
      );
    }
  }
  return result;
}

import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '@assay/sdk';
import type { CandidateSearch } from './plugin-candidate.ts';
import { PluginLoadError } from './plugin-errors.ts';
import { readPackageJson } from './plugin-package.ts';

/**
 * The directory `assay plugin add` installs third-party plugins into (`$ASSAY_HOME/plugins`): an npm project of its
 * own whose `package.json` dependencies are exactly the installed plugins.
 */
export function installManifestPath(installDir: string): string {
  return join(installDir, 'package.json');
}

/** Where npm puts an installed package. */
export function installedPackageDir(installDir: string, name: string): string {
  return join(installDir, 'node_modules', ...name.split('/'));
}

/**
 * The installed plugin packages and the specs npm saved for them; empty when nothing was ever installed.
 * Throws `PLUGIN_MANIFEST_INVALID` when the install directory's package.json cannot be read.
 */
export async function readInstalledDependencies(installDir: string): Promise<Record<string, string>> {
  const file = installManifestPath(installDir);
  if (!existsSync(file)) return {};
  try {
    const json = await readPackageJson(installDir);
    return { ...json.dependencies };
  } catch (error) {
    throw new InputError(`The installed plugins list ${file} cannot be read: ${(error as Error).message}`, {
      code: 'PLUGIN_MANIFEST_INVALID',
      details: { file },
      cause: error,
    });
  }
}

/** Creates the install directory and its private `package.json` when they do not exist yet. */
export async function ensureInstallManifest(installDir: string): Promise<void> {
  await mkdir(installDir, { recursive: true });
  if (existsSync(installManifestPath(installDir))) return;
  const manifest = {
    name: 'assay-installed-plugins',
    private: true,
    description: 'Plugins installed with `assay plugin add`; managed by Assay, edit with `assay plugin add|remove`',
    dependencies: {},
  };
  await writeFile(installManifestPath(installDir), `${JSON.stringify(manifest, null, 2)}\n`, { flag: 'wx' });
}

/** Every plugin listed in the install directory's `package.json`, as candidates with source `installed`. */
export async function findInstalledPlugins(installDir: string): Promise<CandidateSearch> {
  const result: CandidateSearch = { candidates: [], problems: [] };
  let dependencies: Record<string, string>;
  try {
    dependencies = await readInstalledDependencies(installDir);
  } catch (error) {
    const { message } = error as Error;
    result.problems.push(new PluginLoadError(message, { code: 'PLUGIN_INVALID', plugin: installDir, cause: error }));
    return result;
  }
  for (const name of Object.keys(dependencies).sort()) {
    const packageDir = installedPackageDir(installDir, name);
    if (existsSync(join(packageDir, 'package.json'))) {
      result.candidates.push({ source: 'installed', packageDir, label: name });
      continue;
    }
    result.problems.push(
      new PluginLoadError(
        `Plugin package "${name}" is listed in ${installManifestPath(installDir)} but missing from node_modules: ` +
          `run "assay plugin add ${name}" again`,
        { code: 'PLUGIN_NOT_FOUND', plugin: name, details: { package: name, installDir } },
      ),
    );
  }
  return result;
}

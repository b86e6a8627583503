import { existsSync } from 'node:fs';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError, NotFoundError, OperationalError, type Logger } from '@assay/sdk';
import { platformVersion as corePlatformVersion } from '../version.ts';
import { installedPackageDir, ensureInstallManifest, readInstalledDependencies } from './plugin-install-dir.ts';
import { loadPlugins } from './plugin-loader.ts';
import { readPackageJson } from './plugin-package.ts';
import { isPathSpec } from './resolve-plugin-spec.ts';
import { runNpm } from './run-npm.ts';

/** What to install and what to check it against. */
export interface InstallPluginOptions {
  /** `$ASSAY_HOME/plugins`. */
  installDir: string;
  /** An npm spec (`name`, `name@1.2.3`, `@scope/name@^1`) or a path to a `.tgz` or package directory. */
  spec: string;
  logger?: Logger;
  /** Checked against the plugin's `platform` range; default: this core's version. */
  platformVersion?: string;
  /** When given, built-in plugins load in the check too, so an id taken by a built-in is refused. */
  appRoot?: string;
  /** `assay.yaml` plugin specs, loaded in the check for the same reason. */
  specs?: readonly string[];
  /** Base of a relative path spec; default `process.cwd()`. */
  cwd?: string;
}

/** An installed plugin package. */
export interface InstalledPackage {
  readonly name: string;
  readonly version: string;
}

const NPM_FLAGS = ['--legacy-peer-deps', '--no-audit', '--no-fund'];
const ARCHIVE = /\.(tgz|tar\.gz|tar)$/;

/**
 * Installs a plugin package into the install directory with npm (pinned exactly in its package.json), then loads
 * the whole plugin set the way the platform will at its next start. When that fails — not a plugin, incompatible,
 * a duplicate id — the install is undone (a new package removed, a replaced one restored) and the load error is
 * thrown, so nothing is left half-installed.
 */
export async function installPlugin(options: InstallPluginOptions): Promise<InstalledPackage> {
  const { installDir, logger } = options;
  const source = normalizeSpec(options.spec, options.cwd ?? process.cwd());
  await ensureInstallManifest(installDir);
  const archive = ARCHIVE.test(source) ? await keepArchive(installDir, source) : undefined;
  const spec = archive?.path ?? source;
  const before = await readInstalledDependencies(installDir);
  try {
    await runNpm(['install', '--prefix', installDir, '--save', '--save-exact', ...NPM_FLAGS, spec], {
      cwd: installDir,
      logger,
    });
  } catch (error) {
    await archive?.discard();
    throw error;
  }
  const name = addedPackageName(before, await readInstalledDependencies(installDir), spec, installDir);
  try {
    await loadPlugins({
      appRoot: options.appRoot ?? installDir,
      includeBuiltins: options.appRoot !== undefined,
      installDir,
      specs: options.specs ?? [],
      platformVersion: options.platformVersion ?? corePlatformVersion,
    });
  } catch (error) {
    logger?.warn({ package: name, err: error }, 'installed plugin does not load; undoing the install');
    await undoInstall(installDir, name, before[name], error, logger);
    await archive?.discard();
    throw error;
  }
  const { version } = await readPackageJson(installedPackageDir(installDir, name));
  logger?.info({ package: name, version }, 'plugin installed');
  return { name, version: String(version) };
}

/** Uninstalls a plugin package installed with {@link installPlugin}; `PLUGIN_NOT_FOUND` if it is not installed. */
export async function removePlugin(options: {
  installDir: string;
  name: string;
  logger?: Logger;
}): Promise<InstalledPackage> {
  const { installDir, name, logger } = options;
  const installed = await readInstalledDependencies(installDir);
  if (installed[name] === undefined) {
    const listed = Object.keys(installed);
    throw new NotFoundError(
      `Plugin package "${name}" is not installed in ${installDir} ` +
        `(installed: ${listed.length === 0 ? 'none' : listed.join(', ')}); built-in plugins cannot be removed`,
      { code: 'PLUGIN_NOT_FOUND', details: { plugin: name, installDir } },
    );
  }
  const { version } = await readPackageJson(installedPackageDir(installDir, name));
  await runNpm(['uninstall', '--prefix', installDir, '--save', ...NPM_FLAGS, name], { cwd: installDir, logger });
  logger?.info({ package: name }, 'plugin removed');
  return { name, version: String(version) };
}

/**
 * npm records an archive by its path and needs it again on every later install in the directory, so the archive is
 * kept inside the install directory: the user may delete the download. `discard` removes a copy made by this call.
 */
async function keepArchive(installDir: string, source: string): Promise<{ path: string; discard(): Promise<void> }> {
  const path = join(installDir, 'archives', basename(source));
  if (path === source) return { path, discard: async () => {} };
  const existed = existsSync(path);
  await mkdir(dirname(path), { recursive: true });
  await copyFile(source, path);
  return { path, discard: async () => (existed ? undefined : rm(path, { force: true })) };
}

/** Paths become absolute (npm runs in the install directory); a missing file is reported before npm runs. */
function normalizeSpec(spec: string, cwd: string): string {
  const trimmed = spec.trim();
  if (trimmed === '')
    throw new InputError('Plugin spec is empty: give an npm package name or a .tgz path', {
      code: 'PLUGIN_SPEC_INVALID',
    });
  if (!isPathSpec(trimmed) && !ARCHIVE.test(trimmed)) return trimmed;
  const path = resolve(cwd, trimmed);
  if (!existsSync(path)) {
    throw new InputError(`Plugin archive or directory ${path} does not exist`, {
      code: 'PLUGIN_PACKAGE_NOT_FOUND',
      details: { spec, path },
    });
  }
  return path;
}

/** The package npm just saved: the one dependency that was added or changed, else the one the spec names. */
function addedPackageName(
  before: Record<string, string>,
  after: Record<string, string>,
  spec: string,
  installDir: string,
): string {
  const changed = Object.keys(after).filter((name) => after[name] !== before[name]);
  if (changed.length === 1) return changed[0]!;
  // Reinstalling the same version changes nothing: find the entry the spec points at.
  const same = Object.entries(after).find(([name, saved]) => {
    if (saved.startsWith('file:')) return resolve(installDir, saved.slice('file:'.length)) === spec;
    return spec === name || spec.startsWith(`${name}@`);
  });
  if (same !== undefined) return same[0];
  throw new OperationalError(
    `npm installed "${spec}" but ${installDir}/package.json does not show which package it is`,
    {
      code: 'NPM_FAILED',
      details: { spec, installDir },
    },
  );
}

async function undoInstall(
  installDir: string,
  name: string,
  previous: string | undefined,
  loadError: unknown,
  logger: Logger | undefined,
): Promise<void> {
  const args =
    previous === undefined
      ? ['uninstall', '--prefix', installDir, '--save', ...NPM_FLAGS, name]
      : ['install', '--prefix', installDir, '--save', '--save-exact', ...NPM_FLAGS, `${name}@${previous}`];
  try {
    await runNpm(args, { cwd: installDir, logger });
  } catch (undoError) {
    throw new OperationalError(
      `Plugin package "${name}" does not load (${(loadError as Error).message}) and undoing its install failed ` +
        `(${(undoError as Error).message}): run "assay plugin remove ${name}"`,
      { code: 'PLUGIN_ROLLBACK_FAILED', details: { package: name }, cause: new AggregateError([loadError, undoError]) },
    );
  }
}

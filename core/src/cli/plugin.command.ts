import { parseArgs } from 'node:util';
import { InputError, NotFoundError } from '@assay/sdk';
import type { Knex } from 'knex';
import { declaredContributions } from '../plugins/contribution-summary.ts';
import { assertWorkspaceSlug, recordLoaded, setEnabled } from '../plugins/installed-plugins.ts';
import { readInstalledDependencies } from '../plugins/plugin-install-dir.ts';
import { installPlugin, removePlugin } from '../plugins/plugin-installer.ts';
import { loadPlugins, type LoadedPlugin } from '../plugins/plugin-loader.ts';
import { WorkspaceStore } from '../workspaces/workspace-store.ts';
import { databaseNotMigrated } from './database-not-migrated.ts';
import { requireWorkspace } from './require-workspace.ts';

/** What `assay plugin` needs from the process: where plugins live, the database, and where to print. */
export interface PluginCommandContext {
  appRoot: string;
  installDir: string;
  specs: readonly string[];
  platformVersion: string;
  openDatabase(): Promise<{ db: Knex; close(): Promise<void> }>;
  json: boolean;
  out: (line: string) => void;
}

const USAGE =
  'assay plugin list [--json] | add <npm-spec|./plugin.tgz> | remove <package|id> | ' +
  'enable <id> --workspace <ws> | disable <id> --workspace <ws>';

/**
 * `assay plugin ...`: lists the plugins this installation loads, installs and removes third-party plugin packages
 * (effective at the next start) and enables or disables a plugin per workspace (effective at once). Errors are
 * thrown as Assay errors for `main` to print.
 */
export async function runPluginCommand(args: string[], context: PluginCommandContext): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: { json: { type: 'boolean', default: false }, workspace: { type: 'string', short: 'w' } },
    allowPositionals: true,
  });
  const [subcommand, target, ...extra] = positionals;
  const json = context.json || values.json;
  if (extra.length > 0) throw usageError(`unexpected argument "${extra[0]}"`);
  switch (subcommand) {
    case 'list':
      if (target !== undefined) throw usageError(`"list" takes no argument, got "${target}"`);
      return listPlugins(context, json);
    case 'add':
      return addPlugin(context, required(target, 'add', '<npm-spec|./plugin.tgz>'), json);
    case 'remove':
      return removeInstalled(context, required(target, 'remove', '<package|id>'), json);
    case 'enable':
    case 'disable': {
      const id = required(target, subcommand, '<id>');
      if (values.workspace === undefined) throw usageError(`"${subcommand}" needs --workspace <ws>`);
      return setWorkspaceEnablement(context, id, values.workspace, subcommand === 'enable', json);
    }
    default:
      throw usageError(subcommand === undefined ? 'missing subcommand' : `unknown subcommand "${subcommand}"`);
  }
}

async function listPlugins(context: PluginCommandContext, json: boolean): Promise<void> {
  const loaded = await loadAll(context);
  const rows = loaded.map((entry) => ({
    id: entry.id,
    version: entry.version,
    source: entry.source,
    package: entry.packageName ?? null,
    contributions: declaredContributions(entry.plugin),
  }));
  if (json) return context.out(JSON.stringify(rows));
  if (rows.length === 0) return context.out('No plugins are loaded. Add one with "assay plugin add <npm-spec>".');
  const table = [['ID', 'VERSION', 'SOURCE', 'PACKAGE', 'CONTRIBUTES']].concat(
    rows.map((row) => [row.id, row.version, row.source, row.package ?? '-', describeContributions(row.contributions)]),
  );
  const widths = table[0]!.map((_, column) => Math.max(...table.map((cells) => cells[column]!.length)));
  for (const cells of table)
    context.out(
      cells
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
}

async function addPlugin(context: PluginCommandContext, spec: string, json: boolean): Promise<void> {
  const installed = await installPlugin({
    installDir: context.installDir,
    spec,
    platformVersion: context.platformVersion,
    appRoot: context.appRoot,
    specs: context.specs,
  });
  if (json) return context.out(JSON.stringify(installed));
  context.out(`Installed ${installed.name}@${installed.version}; restart Assay to load it`);
}

async function removeInstalled(context: PluginCommandContext, target: string, json: boolean): Promise<void> {
  const installed = await readInstalledDependencies(context.installDir);
  let name = target;
  if (installed[target] === undefined) {
    const byId = (await loadAll(context)).find((entry) => entry.id === target);
    if (byId?.source === 'builtin') {
      throw new InputError(
        `Plugin "${target}" is built into Assay and cannot be removed; disable it per workspace instead`,
        {
          code: 'PLUGIN_BUILTIN',
          details: { plugin: target },
        },
      );
    }
    if (byId?.packageName !== undefined && installed[byId.packageName] !== undefined) name = byId.packageName;
  }
  const removed = await removePlugin({ installDir: context.installDir, name });
  if (json) return context.out(JSON.stringify(removed));
  context.out(`Removed ${removed.name}@${removed.version}; restart Assay to unload it`);
}

async function setWorkspaceEnablement(
  context: PluginCommandContext,
  id: string,
  workspace: string,
  enabled: boolean,
  json: boolean,
): Promise<void> {
  assertWorkspaceSlug(workspace);
  const loaded = await loadAll(context);
  const entry = loaded.find((plugin) => plugin.id === id);
  if (entry === undefined) {
    throw new NotFoundError(
      `Plugin "${id}" is not loaded by this installation (loaded: ${loaded.map((p) => p.id).join(', ') || 'none'})`,
      { code: 'PLUGIN_NOT_FOUND', details: { plugin: id } },
    );
  }
  const { db, close } = await context.openDatabase();
  try {
    await requireWorkspace(new WorkspaceStore(db), workspace, { writes: true });
    await recordLoaded(db, [entry]);
    await setEnabled(db, id, workspace, enabled);
  } catch (error) {
    throw databaseNotMigrated(error, 'plugin') ?? error;
  } finally {
    await close();
  }
  if (json) return context.out(JSON.stringify({ id, workspace, enabled }));
  context.out(`${enabled ? 'Enabled' : 'Disabled'} plugin "${id}" in workspace "${workspace}"`);
}

function loadAll(context: PluginCommandContext): Promise<LoadedPlugin[]> {
  return loadPlugins({
    appRoot: context.appRoot,
    installDir: context.installDir,
    specs: context.specs,
    includeBuiltins: true,
    platformVersion: context.platformVersion,
  });
}

function describeContributions(contributions: ReturnType<typeof declaredContributions>): string {
  const parts = (['operators', 'connectors', 'checks', 'migrations'] as const)
    .filter((kind) => contributions[kind].length > 0)
    .map((kind) => `${kind}: ${contributions[kind].join(', ')}`);
  return parts.join('; ') || '-';
}

function required(value: string | undefined, subcommand: string, what: string): string {
  if (value === undefined || value === '') throw usageError(`"${subcommand}" needs ${what}`);
  return value;
}

function usageError(problem: string): InputError {
  return new InputError(`plugin: ${problem}. Usage: ${USAGE}`, { code: 'USAGE_INVALID' });
}

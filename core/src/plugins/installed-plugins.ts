import { InputError, NotFoundError } from '@assay/sdk';
import type { Knex } from 'knex';
import { declaredContributions, type DeclaredContributions } from './contribution-summary.ts';
import type { PluginSource } from './plugin-candidate.ts';
import type { LoadedPlugin } from './plugin-loader.ts';

/** A plugin as recorded in `core_plugins`. */
export interface InstalledPluginRecord {
  readonly id: string;
  readonly version: string;
  readonly source: PluginSource;
  readonly packageName: string | undefined;
  readonly contributions: DeclaredContributions;
  readonly installedAt: Date;
  readonly updatedAt: Date;
}

interface PluginRow {
  id: string;
  version: string;
  source: PluginSource;
  package_name: string | null;
  contributions: DeclaredContributions;
  installed_at: Date;
  updated_at: Date;
}

/** Workspace slugs until workspaces exist as records: kebab-case, 1–63 characters. */
const WORKSPACE_SLUG = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/**
 * Records the plugins this process loaded: new ones are inserted, known ones get their current version, source and
 * contributions. Runs on every boot; concurrent boots of several processes are safe (one upsert per plugin).
 */
export async function recordLoaded(db: Knex, loaded: readonly LoadedPlugin[]): Promise<void> {
  if (loaded.length === 0) return;
  const rows = loaded.map((entry) => ({
    id: entry.id,
    version: entry.version,
    source: entry.source,
    package_name: entry.packageName ?? null,
    contributions: JSON.stringify(declaredContributions(entry.plugin)),
  }));
  await db('core_plugins')
    .insert(rows)
    .onConflict('id')
    .merge({
      version: db.raw('excluded.version'),
      source: db.raw('excluded.source'),
      package_name: db.raw('excluded.package_name'),
      contributions: db.raw('excluded.contributions'),
      updated_at: db.fn.now(),
    });
}

/** Every plugin ever recorded, by id. Plugins removed since keep their row, so their workspace settings survive. */
export async function list(db: Knex): Promise<InstalledPluginRecord[]> {
  const rows = await db<PluginRow>('core_plugins').select('*').orderBy('id');
  return rows.map((row) => ({
    id: row.id,
    version: row.version,
    source: row.source,
    packageName: row.package_name ?? undefined,
    contributions: row.contributions,
    installedAt: row.installed_at,
    updatedAt: row.updated_at,
  }));
}

/**
 * Enables or disables a plugin in one workspace. Throws `WORKSPACE_INVALID` for a malformed workspace and
 * `PLUGIN_NOT_FOUND` for a plugin the platform never loaded.
 */
export async function setEnabled(db: Knex, pluginId: string, workspace: string, enabled: boolean): Promise<void> {
  assertWorkspaceSlug(workspace);
  await db.transaction(async (trx) => {
    const plugin = await trx('core_plugins').where({ id: pluginId }).first('id').forShare();
    if (plugin === undefined) {
      throw new NotFoundError(
        `Plugin "${pluginId}" is not installed: "assay plugin list" shows the installed plugins`,
        {
          code: 'PLUGIN_NOT_FOUND',
          details: { plugin: pluginId },
        },
      );
    }
    await trx('core_plugin_workspaces')
      .insert({ plugin_id: pluginId, workspace, enabled })
      .onConflict(['plugin_id', 'workspace'])
      .merge({ enabled, updated_at: trx.fn.now() });
  });
}

/** Whether a plugin is enabled in a workspace; plugins are enabled everywhere until disabled. */
export async function isEnabled(db: Knex, pluginId: string, workspace: string): Promise<boolean> {
  assertWorkspaceSlug(workspace);
  const row = await db('core_plugin_workspaces').where({ plugin_id: pluginId, workspace }).first('enabled');
  return (row as { enabled: boolean } | undefined)?.enabled ?? true;
}

/** The explicit settings of one workspace (plugin id → enabled); plugins not in the map are enabled. */
export async function workspaceSettings(db: Knex, workspace: string): Promise<Map<string, boolean>> {
  assertWorkspaceSlug(workspace);
  const rows = (await db('core_plugin_workspaces').where({ workspace }).select('plugin_id', 'enabled')) as Array<{
    plugin_id: string;
    enabled: boolean;
  }>;
  return new Map(rows.map((row) => [row.plugin_id, row.enabled]));
}

/** Throws `WORKSPACE_INVALID` unless `workspace` is a kebab-case slug. */
export function assertWorkspaceSlug(workspace: string): void {
  if (workspace.length > 63 || !WORKSPACE_SLUG.test(workspace)) {
    throw new InputError(
      `Workspace "${workspace}" is not a valid workspace slug: use 1-63 lower-case letters, digits and single dashes`,
      { code: 'WORKSPACE_INVALID', details: { workspace } },
    );
  }
}

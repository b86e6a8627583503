import { defineCheck, defineConnector, defineOperator, definePlugin, isPlugin, type Plugin } from '@assay/sdk';

/**
 * Checks that a value is a plugin declaration and that its identity (id, platform range) is well formed. A plugin
 * may have been built with another copy of the sdk, so the sdk's own checks are run again here. Throws a TypeError
 * whose message says what is wrong.
 */
export function validatePluginIdentity(value: unknown): Plugin {
  if (!isPlugin(value)) {
    throw new TypeError('its export is not a plugin: wrap the declaration in definePlugin() from @assay/sdk');
  }
  definePlugin(value);
  return value;
}

/**
 * Checks every contribution the way `defineOperator`, `defineConnector` and `defineCheck` do, plus what the sdk
 * cannot check on its own: duplicates inside the plugin, the plugin config schema, migrations and `register`.
 * Throws a TypeError naming the contribution.
 */
export function validatePluginContributions(plugin: Plugin): void {
  if (plugin.config !== undefined && (plugin.config as { type?: unknown }).type !== 'object') {
    throw new TypeError('config must be an object schema (Type.Object(...))');
  }
  if (plugin.register !== undefined && typeof plugin.register !== 'function') {
    throw new TypeError('register must be a function');
  }
  const operators = listOf('operators', plugin.operators);
  const connectors = listOf('connectors', plugin.connectors);
  const checks = listOf('checks', plugin.checks);
  operators.forEach((operator) => defineOperator(operator));
  connectors.forEach((connector) => defineConnector(connector));
  checks.forEach((check) => defineCheck(check));
  assertUniqueVersions('Operator', operators);
  assertUniqueVersions('Connector', connectors);
  assertUniqueVersions('Check', checks);
  validateMigrations(listOf('migrations', plugin.migrations));
  validatePortal(plugin.portal);
}

function listOf<T>(field: string, value: readonly T[] | undefined): readonly T[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new TypeError(`${field} must be an array`);
  return value;
}

function assertUniqueVersions(kind: string, items: ReadonlyArray<{ type: string; version: number }>): void {
  const seen = new Set<string>();
  for (const { type, version } of items) {
    const key = `${type}@${version}`;
    if (seen.has(key)) throw new TypeError(`${kind} "${type}" version ${version} is declared twice`);
    seen.add(key);
  }
}

function validateMigrations(migrations: ReadonlyArray<{ name?: unknown; up?: unknown; down?: unknown }>): void {
  const names = new Set<string>();
  for (const migration of migrations) {
    const { name } = migration;
    if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) {
      throw new TypeError(`migration name ${JSON.stringify(name)} must be a sortable name like "001_create_items"`);
    }
    if (names.has(name)) throw new TypeError(`migration "${name}" is declared twice`);
    names.add(name);
    if (typeof migration.up !== 'function') throw new TypeError(`migration "${name}": up must be a function`);
    if (migration.down !== undefined && typeof migration.down !== 'function') {
      throw new TypeError(`migration "${name}": down must be a function`);
    }
  }
}

function validatePortal(portal: Plugin['portal']): void {
  if (portal === undefined) return;
  for (const entry of portal.navigation ?? []) {
    if (typeof entry.title !== 'string' || typeof entry.path !== 'string' || !entry.path.startsWith('/')) {
      throw new TypeError(`portal navigation ${JSON.stringify(entry)} needs a title and a path starting with "/"`);
    }
  }
  for (const page of portal.pages ?? []) {
    if (typeof page.path !== 'string' || !page.path.startsWith('/') || typeof page.source !== 'string') {
      throw new TypeError(`portal page ${JSON.stringify(page.title)} needs a path starting with "/" and a source`);
    }
    if (page.layout !== 'table' && page.layout !== 'detail') {
      throw new TypeError(`portal page "${page.title}": layout must be "table" or "detail"`);
    }
  }
}

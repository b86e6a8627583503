import type { Static } from 'typebox';
import type { ContributionEntry, ContributionRegistry, OperatorEntry } from './contribution-registry.ts';
import type { LoadedPlugin } from './plugin-loader.ts';
import type { CheckItem, OperatorItem, PluginItem } from './plugins.schemas.ts';

/** How the API shows a loaded plugin: identity, origin, every contribution by name, and its portal additions. */
export function pluginItem(registry: ContributionRegistry, loaded: LoadedPlugin): Static<typeof PluginItem> {
  const { plugin } = loaded;
  const names = registry.contributions(loaded.id);
  const named = (list: string[]) => ({ count: list.length, names: list });
  return {
    id: loaded.id,
    version: loaded.version,
    source: loaded.source,
    ...(loaded.packageName === undefined ? {} : { package: loaded.packageName }),
    platform: plugin.platform,
    ...(plugin.title === undefined ? {} : { title: plugin.title }),
    ...(plugin.description === undefined ? {} : { description: plugin.description }),
    contributions: {
      operators: named(names.operators),
      connectors: named(names.connectors),
      checks: named(names.checks),
      migrations: named(names.migrations),
      portalPages: named(names.portalPages),
      routes: named(names.routes),
      subscriptions: named(names.subscriptions),
    },
    portal: {
      navigation: (plugin.portal?.navigation ?? []).map((entry) => ({ ...entry })),
      pages: (plugin.portal?.pages ?? []).map((page) => ({ ...page })),
    },
  };
}

/** A connector or check as the API lists it: its schema and ui hints, and the plugin it comes from. */
export function contributionItem(entry: ContributionEntry<unknown>): Static<typeof CheckItem> {
  return {
    type: entry.type,
    version: entry.version,
    title: entry.title,
    ...(entry.description === undefined ? {} : { description: entry.description }),
    config: entry.config as unknown as Record<string, unknown>,
    ...(entry.ui === undefined ? {} : { ui: entry.ui as Record<string, unknown> }),
    plugin: { id: entry.pluginId, version: entry.pluginVersion },
  };
}

/** An operator as the API lists it: a contribution item plus category, inputs and output. */
export function operatorItem(entry: OperatorEntry): Static<typeof OperatorItem> {
  const { inputs, output } = entry.definition;
  return {
    ...contributionItem(entry),
    category: entry.category,
    ...(inputs === undefined ? {} : { inputs: { ...inputs } }),
    ...(output === undefined ? {} : { output }),
  };
}

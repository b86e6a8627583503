import type {
  CheckDefinition,
  ConnectorDefinition,
  OperatorDefinition,
  PortalContribution,
  TObject,
  UiHints,
} from '@assay/sdk';
import type { MigrationSet } from '../database/migrations.ts';
import { declaredContributions, type ContributionNames } from './contribution-summary.ts';
import { combinePluginErrors } from './plugin-errors.ts';
import { findPluginConflicts } from './plugin-conflicts.ts';
import type { LoadedPlugin } from './plugin-loader.ts';

/** What every registry entry says about a contribution, beside the definition itself. */
export interface ContributionEntry<D> {
  readonly pluginId: string;
  readonly pluginVersion: string;
  readonly type: string;
  readonly version: number;
  readonly title: string;
  readonly description: string | undefined;
  /** The config's JSON Schema. */
  readonly config: TObject;
  readonly ui: UiHints | undefined;
  readonly definition: D;
}

/** An operator in the catalog. */
export interface OperatorEntry extends ContributionEntry<OperatorDefinition> {
  readonly category: OperatorDefinition['category'];
}

/** A connector in the catalog. */
export type ConnectorEntry = ContributionEntry<ConnectorDefinition>;
/** A data-quality check type in the catalog. */
export type CheckEntry = ContributionEntry<CheckDefinition>;

/** A plugin's portal navigation and pages. */
export interface PortalEntry {
  readonly pluginId: string;
  readonly portal: PortalContribution;
}

/** An HTTP route a plugin registered during init. */
export interface RouteEntry {
  readonly pluginId: string;
  readonly method: string;
  readonly url: string;
}

/** A durable event subscription a plugin made during init. */
export interface SubscriptionEntry {
  readonly pluginId: string;
  readonly topic: string;
  readonly name: string;
}

/** Everything the loaded plugins contribute, indexed for lookups by the API, the engine and the portal. */
export interface ContributionRegistry {
  /** In load order. */
  readonly plugins: readonly LoadedPlugin[];
  /** Sorted by type, then version. */
  readonly operators: readonly OperatorEntry[];
  readonly connectors: readonly ConnectorEntry[];
  readonly checks: readonly CheckEntry[];
  /** Each plugin's migrations with the plugin id as owner, for `runMigrations`. */
  readonly migrations: readonly MigrationSet[];
  readonly portal: readonly PortalEntry[];
  plugin(id: string): LoadedPlugin | undefined;
  /** The given version, or the latest one when `version` is omitted. */
  operator(type: string, version?: number): OperatorEntry | undefined;
  connector(type: string, version?: number): ConnectorEntry | undefined;
  check(type: string, version?: number): CheckEntry | undefined;
  recordRoute(pluginId: string, method: string, url: string): void;
  recordSubscription(pluginId: string, topic: string, name: string): void;
  routes(pluginId?: string): readonly RouteEntry[];
  subscriptions(pluginId?: string): readonly SubscriptionEntry[];
  /** Declared contributions plus the routes and subscriptions recorded so far. */
  contributions(pluginId: string): ContributionNames;
}

/**
 * Indexes the contributions of loaded plugins. Refuses duplicate ids and conflicting contributions the same way
 * the loader does, so a registry can never hold two operators a pipeline could mean.
 */
export function createContributionRegistry(loaded: readonly LoadedPlugin[]): ContributionRegistry {
  const conflicts = findPluginConflicts(loaded);
  if (conflicts.length > 0) throw combinePluginErrors(conflicts);
  const byId = new Map(loaded.map((entry) => [entry.id, entry]));
  const operators = entriesOf(loaded, 'operators', (definition: OperatorDefinition) => ({
    category: definition.category,
  }));
  const connectors = entriesOf<ConnectorDefinition, object>(loaded, 'connectors', () => ({}));
  const checks = entriesOf<CheckDefinition, object>(loaded, 'checks', () => ({}));
  const routes: RouteEntry[] = [];
  const subscriptions: SubscriptionEntry[] = [];
  const known = (pluginId: string): void => {
    if (!byId.has(pluginId)) throw new RangeError(`No plugin "${pluginId}" is loaded`);
  };
  const ofPlugin = <T extends { pluginId: string }>(items: readonly T[], pluginId?: string) =>
    pluginId === undefined ? [...items] : items.filter((item) => item.pluginId === pluginId);

  return {
    plugins: [...loaded],
    operators,
    connectors,
    checks,
    migrations: loaded
      .filter(({ plugin }) => (plugin.migrations ?? []).length > 0)
      .map(({ id, plugin }) => ({ owner: id, migrations: plugin.migrations ?? [] })),
    portal: loaded.flatMap(({ id, plugin }) =>
      plugin.portal === undefined ? [] : [{ pluginId: id, portal: plugin.portal }],
    ),
    plugin: (id) => byId.get(id),
    operator: (type, version) => lookup(operators, type, version),
    connector: (type, version) => lookup(connectors, type, version),
    check: (type, version) => lookup(checks, type, version),
    recordRoute(pluginId, method, url) {
      known(pluginId);
      const upper = method.toUpperCase();
      // Fastify adds a HEAD twin to every GET route; listing both would only be noise.
      if (upper === 'HEAD' && routes.some((route) => route.method === 'GET' && route.url === url)) return;
      routes.push({ pluginId, method: upper, url });
    },
    recordSubscription(pluginId, topic, name) {
      known(pluginId);
      subscriptions.push({ pluginId, topic, name });
    },
    routes: (pluginId) => ofPlugin(routes, pluginId),
    subscriptions: (pluginId) => ofPlugin(subscriptions, pluginId),
    contributions(pluginId) {
      const entry = byId.get(pluginId);
      if (entry === undefined) throw new RangeError(`No plugin "${pluginId}" is loaded`);
      return {
        ...declaredContributions(entry.plugin),
        routes: ofPlugin(routes, pluginId).map((route) => `${route.method} ${route.url}`),
        subscriptions: ofPlugin(subscriptions, pluginId).map((sub) => `${sub.topic} (${sub.name})`),
      };
    },
  };
}

type Definition = OperatorDefinition | ConnectorDefinition | CheckDefinition;

function entriesOf<D extends Definition, X extends object>(
  loaded: readonly LoadedPlugin[],
  field: 'operators' | 'connectors' | 'checks',
  extra: (definition: D) => X,
): Array<ContributionEntry<D> & X> {
  const entries = loaded.flatMap(({ id, version: pluginVersion, plugin }) =>
    ((plugin[field] ?? []) as readonly D[]).map((definition) => ({
      pluginId: id,
      pluginVersion,
      type: definition.type,
      version: definition.version,
      title: definition.title,
      description: definition.description,
      config: definition.config,
      ui: definition.ui,
      definition,
      ...extra(definition),
    })),
  );
  return entries.sort((a, b) => a.type.localeCompare(b.type) || a.version - b.version);
}

function lookup<E extends { type: string; version: number }>(entries: readonly E[], type: string, version?: number) {
  const matching = entries.filter((entry) => entry.type === type);
  return version === undefined ? matching.at(-1) : matching.find((entry) => entry.version === version);
}

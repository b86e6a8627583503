import type { Knex } from 'knex';
import type { TObject } from 'typebox';
import type { CheckDefinition } from './check.ts';
import type { ConnectorDefinition } from './connector.ts';
import { assertKebabId } from './definition-checks.ts';
import type { OperatorDefinition } from './operator.ts';
import type { ServiceInstances, ServiceRef } from './service-ref.ts';

/** A knex migration a plugin contributes. Tables it creates must be named `<plugin id>_*`. */
export interface PluginMigration {
  /** Sortable and unique within the plugin, e.g. `001_create_alerts`. */
  readonly name: string;
  up(knex: Knex): Promise<void>;
  down?(knex: Knex): Promise<void>;
}

/** Navigation entries and declarative pages a plugin adds to the portal. */
export interface PortalContribution {
  readonly navigation?: ReadonlyArray<{ readonly title: string; readonly path: string; readonly icon?: string }>;
  readonly pages?: ReadonlyArray<{
    readonly path: string;
    readonly title: string;
    /** The plugin API endpoint (under `/api/v1/plugins/<id>`) whose JSON the page renders. */
    readonly source: string;
    readonly layout: 'table' | 'detail';
  }>;
}

/** What `register` receives: a way to run code with typed services once the platform is up. */
export interface PluginEnvironment {
  registerInit<Deps extends Record<string, ServiceRef<unknown>>>(options: {
    deps: Deps;
    init(deps: ServiceInstances<Deps>): Promise<void> | void;
  }): void;
}

/** The declaration {@link definePlugin} takes. The version is read from the plugin's package.json at load. */
export interface PluginDefinition {
  /** kebab-case, unique among installed plugins. */
  readonly id: string;
  /** Semver range of @assay/core this plugin works with, e.g. `^0.1.0`. Checked at load. */
  readonly platform: string;
  readonly title?: string;
  readonly description?: string;
  /** Schema of this plugin's section in `assay.yaml` (`pluginConfig.<id>`); validated at boot. */
  readonly config?: TObject;
  readonly operators?: readonly OperatorDefinition[];
  readonly connectors?: readonly ConnectorDefinition[];
  readonly checks?: readonly CheckDefinition[];
  readonly migrations?: readonly PluginMigration[];
  readonly portal?: PortalContribution;
  /** Imperative registration: services, routes, event subscriptions, queue workers. Called once at boot. */
  register?(env: PluginEnvironment): void;
}

/** Marks a value as a plugin declaration so the loader can tell it from other exports. */
export const PLUGIN_MARKER = 'assay.plugin/v1';

/** A validated plugin declaration. */
export type Plugin = PluginDefinition & { readonly $$type: typeof PLUGIN_MARKER };

/**
 * Declares a plugin. Export it as the package's default export (or as a named export `plugin`).
 * Contributions are checked when the platform loads the plugin, which reports every problem by plugin id.
 *
 * @example
 * ```ts
 * import { definePlugin, defineOperator, Type } from '@assay/sdk';
 * const noop = defineOperator({
 *   type: 'noop', version: 1, title: 'No-op', category: 'utility',
 *   config: Type.Object({}),
 *   async run() { return {}; },
 * });
 * export default definePlugin({ id: 'noop', platform: '^0.1.0', operators: [noop] });
 * ```
 */
export function definePlugin(definition: PluginDefinition): Plugin {
  assertKebabId('Plugin id', definition.id);
  if (typeof definition.platform !== 'string' || definition.platform.trim() === '') {
    throw new TypeError(`Plugin "${definition.id}": platform must be a semver range such as "^0.1.0"`);
  }
  return Object.freeze({ ...definition, $$type: PLUGIN_MARKER });
}

/** True for values made by {@link definePlugin}, from any copy of the sdk. */
export function isPlugin(value: unknown): value is Plugin {
  return typeof value === 'object' && value !== null && (value as { $$type?: unknown }).$$type === PLUGIN_MARKER;
}

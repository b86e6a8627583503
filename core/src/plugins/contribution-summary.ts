import type { Plugin } from '@assay/sdk';

/** What a plugin declares, by name: `greet@1` for versioned contributions, migration names as they are. */
export interface DeclaredContributions {
  readonly operators: string[];
  readonly connectors: string[];
  readonly checks: string[];
  readonly migrations: string[];
  readonly portalPages: string[];
}

/** Everything a plugin contributes, including what it registered while initializing. */
export interface ContributionNames extends DeclaredContributions {
  /** `GET /api/v1/plugins/<id>/...` */
  readonly routes: string[];
  /** `<topic> (<subscription name>)` */
  readonly subscriptions: string[];
}

/** The declared contributions of a plugin; stored with the installed plugin and shown by the CLI and API. */
export function declaredContributions(plugin: Plugin): DeclaredContributions {
  const versioned = (items: ReadonlyArray<{ type: string; version: number }> | undefined) =>
    (items ?? []).map(({ type, version }) => `${type}@${version}`);
  return {
    operators: versioned(plugin.operators),
    connectors: versioned(plugin.connectors),
    checks: versioned(plugin.checks),
    migrations: (plugin.migrations ?? []).map((migration) => migration.name),
    portalPages: (plugin.portal?.pages ?? []).map((page) => page.path),
  };
}

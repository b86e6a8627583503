import { PluginLoadError } from './plugin-errors.ts';
import type { LoadedPlugin } from './plugin-loader.ts';
import { describeOrigin, originDetails } from './plugin-origin.ts';

type ContributionKind = 'operator' | 'connector' | 'check';

const KINDS: ReadonlyArray<{ kind: ContributionKind; title: string; field: 'operators' | 'connectors' | 'checks' }> = [
  { kind: 'operator', title: 'Operator', field: 'operators' },
  { kind: 'connector', title: 'Connector', field: 'connectors' },
  { kind: 'check', title: 'Check', field: 'checks' },
];

/**
 * Problems between plugins that are each valid on their own: two plugins with one id, and two plugins contributing
 * the same operator, connector or check type and version (the registry could not tell which one a pipeline means).
 * Each error names both sides; the plugin loaded second is the one blamed in `details.plugin`.
 */
export function findPluginConflicts(loaded: readonly LoadedPlugin[]): PluginLoadError[] {
  const problems: PluginLoadError[] = [];
  const byId = new Map<string, LoadedPlugin>();
  for (const entry of loaded) {
    const first = byId.get(entry.id);
    if (first === undefined) {
      byId.set(entry.id, entry);
      continue;
    }
    problems.push(
      new PluginLoadError(
        `Plugin id "${entry.id}" is declared by both ${describeOrigin(first)} and ${describeOrigin(entry)}: ` +
          'plugin ids must be unique, remove one of them',
        {
          code: 'PLUGIN_DUPLICATE_ID',
          plugin: entry.id,
          details: { origins: [originDetails(first), originDetails(entry)] },
        },
      ),
    );
  }
  // A plugin refused for its duplicate id would also clash with every contribution of its twin: report it once.
  const distinct = [...byId.values()];
  for (const { kind, title, field } of KINDS) {
    const owners = new Map<string, LoadedPlugin>();
    for (const entry of distinct) {
      for (const { type, version } of entry.plugin[field] ?? []) {
        const key = `${type}@${version}`;
        const owner = owners.get(key);
        if (owner === undefined) {
          owners.set(key, entry);
          continue;
        }
        problems.push(
          new PluginLoadError(
            `${title} "${type}" version ${version} is contributed by both plugin "${owner.id}" ` +
              `(${describeOrigin(owner)}) and plugin "${entry.id}" (${describeOrigin(entry)}): remove one of them`,
            {
              code: 'PLUGIN_CONTRIBUTION_CONFLICT',
              plugin: entry.id,
              details: { kind, type, version, plugins: [owner.id, entry.id] },
            },
          ),
        );
      }
    }
  }
  return problems;
}

import type { ContributionRegistry } from '../../plugins/contribution-registry.ts';
import type { PipelineValidationContext } from '../document/validate-pipeline.ts';

/** What a pipeline is validated against besides the installed plugins, fetched before validation starts. */
export interface WorkspaceFacts {
  /** Connection name → connector type: the workspace's, plus those of the same apply. */
  readonly connections: ReadonlyMap<string, string>;
  /** Datasets that exist in the lake, or that a pipeline of the workspace or of the same apply writes. */
  readonly datasets: ReadonlySet<string>;
  /** The columns of a dataset in the lake; undefined when it has no table yet. */
  readonly datasetColumns: (dataset: string) => Promise<string[] | undefined>;
  /** Plugins an admin disabled in the workspace: their operators cannot be used there. */
  readonly disabledPlugins: ReadonlySet<string>;
}

/** Adapts the plugin registry and the workspace's facts to the lookups validation makes. */
export function createValidationContext(
  registry: ContributionRegistry,
  facts: WorkspaceFacts,
): PipelineValidationContext {
  return {
    operator(type, version) {
      const entry = registry.operator(type, version);
      if (entry === undefined) return undefined;
      const { inputs, output, partitions } = entry.definition;
      return { type: entry.type, version: entry.version, config: entry.config, inputs, output, partitions };
    },
    operatorTypes: () => [...new Set(registry.operators.map((entry) => entry.type))],
    operatorDisabledBy(type) {
      const pluginId = registry.operator(type)?.pluginId;
      return pluginId !== undefined && facts.disabledPlugins.has(pluginId) ? pluginId : undefined;
    },
    check: (type) => {
      const entry = registry.check(type);
      return entry === undefined ? undefined : { config: entry.config, widgets: entry.ui?.widgets };
    },
    connectionType: (name) => facts.connections.get(name),
    connectorStreamConfig: (type) => registry.connector(type)?.definition.streamConfig,
    datasetExists: (dataset) => facts.datasets.has(dataset),
    datasetColumns: (dataset) => facts.datasetColumns(dataset),
  };
}

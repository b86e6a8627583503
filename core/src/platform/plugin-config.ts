import { InputError } from '@assay/sdk';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';
import type { LoadedPlugin } from '../plugins/plugin-loader.ts';

/**
 * Validates a plugin's section of `assay.yaml` (`pluginConfig.<id>`) against the schema the plugin declares, with
 * defaults applied. A section for a plugin that declares no schema, or for no loaded plugin, is refused too: it is
 * almost always a typo that would otherwise be ignored.
 */
export function resolvePluginConfigs(
  loaded: readonly LoadedPlugin[],
  sections: Readonly<Record<string, unknown>>,
): Map<string, unknown> {
  const byId = new Map(loaded.map((entry) => [entry.id, entry]));
  for (const id of Object.keys(sections)) {
    if (!byId.has(id)) {
      throw new InputError(`Invalid configuration: pluginConfig.${id}: no plugin "${id}" is loaded`, {
        code: 'CONFIG_INVALID',
        details: { key: `pluginConfig.${id}` },
      });
    }
  }
  const result = new Map<string, unknown>();
  for (const { id, plugin } of loaded) {
    const section = sections[id];
    if (plugin.config === undefined) {
      if (section !== undefined) {
        throw new InputError(`Invalid configuration: pluginConfig.${id}: plugin "${id}" takes no configuration`, {
          code: 'CONFIG_INVALID',
          details: { key: `pluginConfig.${id}` },
        });
      }
      continue;
    }
    const value = Value.Default(plugin.config, structuredClone(section ?? {}));
    const error = Compile(plugin.config).Errors(value)[0];
    if (error !== undefined) {
      const key = `pluginConfig.${id}${error.instancePath.replace(/\//g, '.')}`;
      throw new InputError(`Invalid configuration: ${key}: ${error.message}`, {
        code: 'CONFIG_INVALID',
        details: { key },
      });
    }
    result.set(id, value);
  }
  return result;
}

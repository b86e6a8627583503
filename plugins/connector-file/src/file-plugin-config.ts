import { Type } from '@assay/sdk';
import type { Static } from '@assay/sdk';

/** The admin's `pluginConfig.connector-file` section in `assay.yaml`. */
export const FilePluginConfig = Type.Object(
  {
    allowedRoots: Type.Array(Type.String({ pattern: '^/' }), {
      default: [],
      description:
        'Absolute server directories connections may read (with everything below them). Empty: server ' +
        'directories are refused and only uploads can be read.',
    }),
  },
  { additionalProperties: false },
);

export type FilePluginSettings = Static<typeof FilePluginConfig>;

/** The allowed roots of a validated plugin config; none when the section is missing. */
export function allowedRootsOf(pluginConfig: unknown): readonly string[] {
  const roots = (pluginConfig as Partial<FilePluginSettings> | undefined)?.allowedRoots;
  return Array.isArray(roots) ? roots.filter((root): root is string => typeof root === 'string') : [];
}

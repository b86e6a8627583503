import type { PluginSource } from './plugin-candidate.ts';

/** Where a plugin came from, as far as known at the point of an error. */
export interface PluginOrigin {
  readonly source: PluginSource;
  readonly packageName?: string | undefined;
  readonly packageDir?: string | undefined;
  readonly version?: string | undefined;
}

/** Names a plugin's origin for messages an admin acts on: which package, which version, where on disk. */
export function describeOrigin(origin: PluginOrigin): string {
  if (origin.source === 'inline') return 'an inline plugin';
  const kind = origin.source === 'builtin' ? 'built-in package' : 'package';
  const version = origin.version === undefined ? '' : ` ${origin.version}`;
  const where = origin.packageDir === undefined ? '' : ` at ${origin.packageDir}`;
  return `${kind} ${origin.packageName ?? '(unnamed)'}${version}${where}`;
}

/** The JSON-safe facts of an origin for error details. */
export function originDetails(origin: PluginOrigin): Record<string, unknown> {
  return {
    source: origin.source,
    ...(origin.packageName === undefined ? {} : { package: origin.packageName }),
    ...(origin.packageDir === undefined ? {} : { packageDir: origin.packageDir }),
    ...(origin.version === undefined ? {} : { version: origin.version }),
  };
}

import { loadConfig } from '../config/load-config.ts';
import type { AssayConfig } from '../config/config.schema.ts';

/** Flags every command understands. */
export const COMMON_OPTIONS = {
  config: { type: 'string', short: 'c' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** Reads configuration for a command, with `--config` naming the file. */
export function configFor(
  values: { config?: string | undefined },
  overrides: Record<string, unknown> = {},
): AssayConfig {
  return loadConfig({ ...(values.config === undefined ? {} : { file: values.config }), overrides });
}

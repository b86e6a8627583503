import { InputError } from '@assay/sdk';
import type { AssayConfig } from '../config/config.schema.ts';
import { createLogger } from '../platform/logger.ts';
import { startPlatform, type Platform } from '../platform/platform.ts';

/**
 * Boots the platform for one CLI command: plugins, database, lake and secrets as `assay serve` has them, but no
 * HTTP and no queue work, so the command runs only what it was asked to. Stopped afterwards whatever happens.
 */
export async function withPlatform<T>(config: AssayConfig, work: (platform: Platform) => Promise<T>): Promise<T> {
  // On a terminal the command's own output matters: the platform logs warnings and errors unless asked for more.
  const logLevel = process.env.LOG_LEVEL === undefined && config.logLevel === 'info' ? 'warn' : config.logLevel;
  const platform = await startPlatform({
    config,
    role: 'worker',
    works: false,
    logger: createLogger({ logLevel }, 'cli', 2),
  });
  try {
    return await work(platform);
  } finally {
    await platform.close();
  }
}

/** Parses a JSON flag value, or InputError `USAGE` naming the flag. */
export function jsonFlag(flag: string, value: string | undefined): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new InputError(`${flag} must be a JSON object, e.g. ${flag} '{"key": "value"}'`, { code: 'USAGE' });
}

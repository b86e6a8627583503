import { InputError } from '@assay/sdk';
import type { Logger as PinoLogger } from 'pino';
import type { AssayConfig } from '../config/config.schema.ts';
import { createLogger } from '../platform/logger.ts';
import { startPlatform, type Platform } from '../platform/platform.ts';
import { requireWorkspace } from './require-workspace.ts';

/** What a CLI command's platform is for. */
export interface PlatformSessionOptions {
  /**
   * The workspace the command works in (its `--workspace`). It must exist: otherwise the boot stops with
   * `WORKSPACE_NOT_FOUND` before any job is worked or anything is written.
   */
  readonly workspace?: string;
  /** This process works queue jobs too (`assay run --watch`); default false. */
  readonly works?: boolean;
  /** The command changes the workspace: refused in an archived one (`WORKSPACE_ARCHIVED`); default false. */
  readonly writes?: boolean;
}

/**
 * Boots the platform for a CLI command: plugins, database, lake and secrets as `assay serve` has them, but no
 * HTTP, and no queue work unless `works`, so the command runs only what it was asked to. The caller closes it.
 */
export async function startPlatformSession(config: AssayConfig, options: PlatformSessionOptions): Promise<Platform> {
  const { workspace } = options;
  return startPlatform({
    config,
    role: 'worker',
    works: options.works ?? false,
    logger: cliLogger(config),
    ...(workspace === undefined
      ? {}
      : {
          beforeWork: async (identity) =>
            void (await requireWorkspace(identity.workspaces, workspace, { writes: options.writes === true })),
        }),
  });
}

/** A command's logger, on stderr: warnings and errors only unless LOG_LEVEL or the configuration ask for more. */
export function cliLogger(config: AssayConfig): PinoLogger {
  // On a terminal the command's own output matters more than the platform's info lines.
  const logLevel = process.env.LOG_LEVEL === undefined && config.logLevel === 'info' ? 'warn' : config.logLevel;
  return createLogger({ logLevel }, 'cli', 2);
}

/** Runs one CLI command's `work` on a {@link startPlatformSession} platform, stopped afterwards whatever happens. */
export async function withPlatform<T>(
  config: AssayConfig,
  options: PlatformSessionOptions,
  work: (platform: Platform) => Promise<T>,
): Promise<T> {
  const platform = await startPlatformSession(config, options);
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

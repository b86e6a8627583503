import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, resolve, sep } from 'node:path';
import { UserError } from '@assay/sdk';
import type { ConnectorContext } from '@assay/sdk';
import type { FileConnectionSettings } from './file-connection-config.ts';
import { allowedRootsOf } from './file-plugin-config.ts';

/** The directory a connection reads, with symlinks resolved, and how its files are named in `_source`. */
export interface FileRoot {
  readonly source: 'server' | 'upload';
  /** Real absolute path of the directory. */
  readonly path: string;
  /** False for an uploads directory nothing was uploaded to yet. */
  readonly exists: boolean;
  /** The `_source` of a file below the root: its absolute path, or `upload://<name>` for uploads. */
  sourceOf(relativePath: string): string;
}

/** True when `child` is `parent` or lies below it (both absolute and normalised). */
export function isInside(parent: string, child: string): boolean {
  if (child === parent) return true;
  return child.startsWith(parent.endsWith(sep) ? parent : `${parent}${sep}`);
}

/**
 * Resolves the connection's root. A server directory must lie inside one of the admin's `allowedRoots`
 * (`pluginConfig.connector-file`), both as written (`..` resolved) and once symlinks are resolved, so neither a
 * `..` nor a symlink can leave them. Uploads live in the connection's `ctx.uploadsDir`.
 *
 * @throws UserError `FILE_ROOT_NOT_ALLOWED`, `FILE_ROOT_REQUIRED`, `FILE_ROOT_NOT_FOUND`,
 *   `FILE_ROOT_PERMISSION_DENIED` or `FILE_ROOT_NOT_A_DIRECTORY`.
 */
export async function resolveFileRoot(ctx: ConnectorContext, config: FileConnectionSettings): Promise<FileRoot> {
  if (config.source === 'upload') {
    const path = await realDirectory(ctx.uploadsDir, 'the uploads directory').catch((error: unknown) => {
      if ((error as UserError).code === 'FILE_ROOT_NOT_FOUND') return undefined;
      throw error;
    });
    return {
      source: 'upload',
      path: path ?? resolve(ctx.uploadsDir),
      exists: path !== undefined,
      sourceOf: (relativePath) => `upload://${relativePath}`,
    };
  }
  const root = config.root;
  if (root === undefined || root.trim() === '' || !isAbsolute(root)) {
    throw new UserError(`A server connection needs "root": an absolute directory such as /data/incoming`, {
      code: 'FILE_ROOT_REQUIRED',
      details: { root: root ?? null },
    });
  }
  const allowed = await allowedRoots(ctx);
  const written = resolve(root);
  // Checked before the directory is touched, so a refused path reveals nothing about the server's files.
  if (!allowed.some((entry) => isInside(entry.written, written) || isInside(entry.real, written))) {
    throw notAllowed(root, allowed.length);
  }
  const real = await realDirectory(written, `directory ${root}`);
  if (!allowed.some((entry) => isInside(entry.real, real))) throw notAllowed(root, allowed.length, real);
  return { source: 'server', path: real, exists: true, sourceOf: (relativePath) => `${real}${sep}${relativePath}` };
}

async function allowedRoots(ctx: ConnectorContext): Promise<Array<{ written: string; real: string }>> {
  const roots = [];
  for (const entry of allowedRootsOf(ctx.pluginConfig)) {
    if (!isAbsolute(entry)) continue;
    // An allowed root that does not exist (yet) allows nothing.
    const real = await realpath(entry).catch(() => undefined);
    if (real !== undefined) roots.push({ written: resolve(entry), real });
  }
  return roots;
}

function notAllowed(root: string, allowedCount: number, real?: string): UserError {
  const why =
    allowedCount === 0
      ? 'no server directory is allowed: an administrator must list it in pluginConfig.connector-file.allowedRoots'
      : `it is outside pluginConfig.connector-file.allowedRoots${real === undefined ? '' : ` once symlinks are resolved (${real})`}`;
  return new UserError(`Directory ${root} may not be read: ${why}, or use uploads instead`, {
    code: 'FILE_ROOT_NOT_ALLOWED',
    details: { root },
  });
}

async function realDirectory(path: string, what: string): Promise<string> {
  try {
    const real = await realpath(path);
    if (!(await stat(real)).isDirectory()) {
      throw new UserError(`The root ${what} is a file, not a directory`, {
        code: 'FILE_ROOT_NOT_A_DIRECTORY',
        details: { root: path },
      });
    }
    return real;
  } catch (error) {
    if (error instanceof UserError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new UserError(`The root ${what} does not exist`, {
        code: 'FILE_ROOT_NOT_FOUND',
        details: { root: path },
        cause: error,
      });
    }
    if (code === 'EACCES' || code === 'EPERM') {
      throw new UserError(`The server may not read the root ${what}: grant the Assay process read access`, {
        code: 'FILE_ROOT_PERMISSION_DENIED',
        details: { root: path },
        cause: error,
      });
    }
    throw error;
  }
}

import { readdir, realpath, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { UserError } from '@assay/sdk';
import type { FileRoot } from './file-root.ts';
import { isInside } from './file-root.ts';

/** A file below a root. */
export interface ListedFile {
  /** Path relative to the root, `/`-separated: what globs match and state remembers. */
  readonly relativePath: string;
  /** Real absolute path, handed to the readers. */
  readonly path: string;
  readonly size: number;
  /** Modification time in epoch milliseconds (fractional where the file system keeps more). */
  readonly modified: number;
}

export interface ListOptions {
  /** Directory below the root to start at (a glob's fixed base), '' for the root. */
  readonly base: string;
  readonly signal: AbortSignal;
  /** Which files to keep, by relative path. */
  readonly include: (relativePath: string) => boolean;
  /** `throw` (read) refuses a symlink that leaves the root; `skip` (discover) leaves it out. */
  readonly onEscape: 'throw' | 'skip';
  /** Stop after this many kept files. */
  readonly limit?: number;
}

/**
 * Lists the regular files below a root, depth first in name order, skipping names that start with `.` (hidden files,
 * partial uploads). Symlinked directories are not followed (no cycles, no escapes); a symlinked file is followed
 * when its target lies inside the root.
 */
export async function listFiles(root: FileRoot, options: ListOptions): Promise<ListedFile[]> {
  if (!root.exists) return [];
  const files: ListedFile[] = [];
  const start = await startDirectory(root, options.base);
  if (start !== undefined) await walk(root, start, options.base, options, files);
  return files;
}

async function startDirectory(root: FileRoot, base: string): Promise<string | undefined> {
  if (base === '') return root.path;
  const real = await realpath(join(root.path, base)).catch(() => undefined);
  if (real === undefined) return undefined;
  if (!isInside(root.path, real)) throw escaped(root, base, real);
  return (await stat(real)).isDirectory() ? real : undefined;
}

async function walk(
  root: FileRoot,
  directory: string,
  relativeDirectory: string,
  options: ListOptions,
  files: ListedFile[],
): Promise<void> {
  options.signal.throwIfAborted();
  const entries = await readdir(directory, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (options.limit !== undefined && files.length >= options.limit) return;
    if (entry.name.startsWith('.')) continue;
    const relativePath = relativeDirectory === '' ? entry.name : posix.join(relativeDirectory, entry.name);
    const absolute = join(directory, entry.name);
    if (entry.isDirectory()) {
      await walk(root, absolute, relativePath, options, files);
      continue;
    }
    if (!(entry.isFile() || entry.isSymbolicLink()) || !options.include(relativePath)) continue;
    const file = await describe(root, absolute, relativePath, entry.isSymbolicLink(), options.onEscape);
    if (file !== undefined) files.push(file);
  }
}

async function describe(
  root: FileRoot,
  absolute: string,
  relativePath: string,
  symlink: boolean,
  onEscape: 'throw' | 'skip',
): Promise<ListedFile | undefined> {
  let path = absolute;
  if (symlink) {
    const target = await realpath(absolute).catch(() => undefined);
    if (target === undefined) return undefined; // a dangling link is no file
    if (!isInside(root.path, target)) {
      if (onEscape === 'skip') return undefined;
      throw escaped(root, relativePath, target);
    }
    path = target;
  }
  // A file deleted between listing and stat is simply not there any more.
  const info = await stat(path).catch(() => undefined);
  if (info === undefined || !info.isFile()) return undefined;
  return { relativePath, path, size: info.size, modified: info.mtimeMs };
}

function escaped(root: FileRoot, relativePath: string, target: string): UserError {
  return new UserError(
    `${root.sourceOf(relativePath)} is a symlink to ${target}, outside the connection's root ${root.path}: ` +
      'links may only point inside the root; remove the link or narrow the glob',
    { code: 'FILE_SYMLINK_OUTSIDE_ROOT', details: { path: relativePath } },
  );
}

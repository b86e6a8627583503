import { posix } from 'node:path';
import { UserError } from '../errors.ts';
import picomatch from 'picomatch';

/** A compiled stream glob: the directory listing can start at, and the test for relative paths below the root. */
export interface FileGlob {
  readonly glob: string;
  /** The glob's fixed leading directories (`sales/2024` for `sales/2024/*.csv`), '' when it starts with a pattern. */
  readonly base: string;
  matches(relativePath: string): boolean;
}

/**
 * Compiles a glob relative to a root (picomatch syntax; `*` does not match dot files).
 *
 * @throws UserError `FILE_GLOB_INVALID` for an absolute glob or one with `.`/`..` segments, which would leave it.
 */
export function compileGlob(glob: string): FileGlob {
  const segments = glob.split('/');
  if (glob.startsWith('/') || glob.includes('\\') || segments.some((part) => part === '..' || part === '.')) {
    throw new UserError(
      `Glob "${glob}" must be relative to the root or prefix, use "/" as separator and have no "." or ".." segments`,
      { code: 'FILE_GLOB_INVALID', details: { glob } },
    );
  }
  const scan = picomatch.scan(glob);
  const base = scan.isGlob ? scan.base : posix.dirname(glob);
  const matcher = picomatch(glob, { dot: false });
  return { glob, base: base === '.' ? '' : base, matches: (path) => matcher(path) };
}

// Kept in step with plugins/connector-file/src/file-glob.ts.
import { posix } from 'node:path';
import { UserError } from '@assay/sdk';
import picomatch from 'picomatch';

/** A compiled stream glob: the key prefix listing can start at, and the test for keys relative to the connection prefix. */
export interface ObjectGlob {
  readonly glob: string;
  /** The glob's fixed leading directories (`sales/2024` for `sales/2024/*.csv`), '' when it starts with a pattern. */
  readonly base: string;
  matches(relativePath: string): boolean;
}

/**
 * Compiles a glob relative to the prefix (picomatch syntax; `*` does not match dot files).
 *
 * @throws UserError `FILE_GLOB_INVALID` for an absolute glob or one with `.`/`..` segments, which would leave the prefix.
 */
export function compileGlob(glob: string): ObjectGlob {
  const segments = glob.split('/');
  if (glob.startsWith('/') || glob.includes('\\') || segments.some((part) => part === '..' || part === '.')) {
    throw new UserError(
      `Glob "${glob}" must be relative to the prefix, use "/" as separator and have no "." or ".." segments`,
      { code: 'FILE_GLOB_INVALID', details: { glob } },
    );
  }
  const scan = picomatch.scan(glob);
  const base = scan.isGlob ? scan.base : posix.dirname(glob);
  const matcher = picomatch(glob, { dot: false });
  return { glob, base: base === '.' ? '' : base, matches: (path) => matcher(path) };
}

import { createHash } from 'node:crypto';
import type { StreamProbe } from '../connector.ts';
import type { SeenEntry } from './seen-files.ts';

/**
 * The probe result of a file connector: how many files are new and a fingerprint of exactly those files (path,
 * size, modification time or content tag), independent of listing order.
 *
 * @example
 * ```ts
 * import { probeOfNewFiles } from '@assay/sdk';
 * const probe = probeOfNewFiles([['sales/2024-06-01.csv', [1024, 1717200000000]]]);
 * console.log(probe.newItems); // 1
 * ```
 */
export function probeOfNewFiles(files: ReadonlyArray<readonly [path: string, entry: SeenEntry]>): StreamProbe {
  if (files.length === 0) return { newItems: 0, fingerprint: '' };
  const hash = createHash('sha256');
  for (const [path, entry] of [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    hash.update(JSON.stringify([path, ...entry]));
    hash.update('\n');
  }
  return { newItems: files.length, fingerprint: hash.digest('hex') };
}

import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LakeStorage } from '../storage/lake-storage.ts';

/** A local copy of a stored object; call `release` when done with it. */
export interface LocalFile {
  readonly path: string;
  release(): Promise<void>;
}

/**
 * A local file path DuckDB can read for a stored object: the object itself on local storage, otherwise a temporary
 * download. The one place a future local cache of remote objects plugs in.
 */
export async function localFileFor(storage: LakeStorage, path: string): Promise<LocalFile> {
  const local = storage.localPath(path);
  if (local !== undefined) return { path: local, release: async () => undefined };
  const temp = join(tmpdir(), `assay-delta-${randomBytes(8).toString('hex')}.parquet`);
  await writeFile(temp, await storage.read(path));
  return { path: temp, release: () => rm(temp, { force: true }) };
}

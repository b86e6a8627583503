import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddFile } from '../delta/add-file.ts';
import type { DeltaSnapshot } from '../delta/snapshot.ts';

/**
 * A local file DuckDB can open for each of `files`, keyed by the file's path: the object in place on local storage,
 * the read cache's copy when the storage has one, otherwise a download into `scratchDir` (removed with it).
 */
export async function readableFiles(
  snapshot: DeltaSnapshot,
  files: readonly AddFile[],
  scratchDir: string,
): Promise<Map<string, string>> {
  const { storage, tableRoot } = snapshot;
  const locations = new Map<string, string>();
  for (const file of files) {
    const key = /^[a-z][a-z0-9+.-]*:/i.test(file.path) ? file.path : `${tableRoot}${file.path}`;
    let local = storage.localPath(key) ?? (await storage.materialize?.(key));
    if (local === undefined) {
      local = join(scratchDir, `${randomUUID()}.parquet`);
      await writeFile(local, await storage.read(key));
    }
    locations.set(file.path, local);
  }
  return locations;
}

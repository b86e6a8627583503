import type { DeltaSnapshot } from './delta/snapshot.ts';

/**
 * A local file for every live data file of a snapshot, keyed by the snapshot's (decoded) file path: the file in
 * place on local storage, or the read cache's copy (downloaded on first use) for remote storage. DuckDB reads them.
 */
export async function localDataFiles(snapshot: DeltaSnapshot): Promise<Map<string, string>> {
  const { storage, tableRoot } = snapshot;
  const files = new Map<string, string>();
  for (const file of snapshot.files) {
    const key = `${tableRoot}${file.path}`;
    const local = storage.localPath(key) ?? (await storage.materialize?.(key));
    if (local === undefined) {
      throw new Error(`No local copy of ${storage.describe(key)}: remote tables must be read through the read cache`);
    }
    files.set(file.path, local);
  }
  return files;
}

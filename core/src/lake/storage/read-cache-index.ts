import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** One cached object: its local file and size in bytes. */
export interface ReadCacheEntry {
  readonly file: string;
  readonly size: number;
}

/** The files of a read cache directory, in least-recently-used order, bounded to `maxBytes` in total. */
export interface ReadCacheIndex {
  /** The cached file of `path`, marked as just used; undefined when not cached. */
  get(path: string): ReadCacheEntry | undefined;
  /** A fresh temporary file name in the cache directory, for a download or copy of `path`. */
  tempFile(path: string): string;
  /** Moves a complete temporary file into the cache as `path`, then evicts the least recently used files. */
  add(path: string, tempFile: string): Promise<ReadCacheEntry>;
  /** Drops `path` from the cache. */
  remove(path: string): Promise<void>;
  /** Bytes currently cached. */
  readonly bytes: number;
}

const ENTRY = /^([0-9a-f]{64})-(\d+)$/;

/**
 * Opens the cache in `directory`, rebuilding the index from the files there (oldest modification first, since the
 * access order of a previous process is not known). Entry files are named `<sha256 of path>-<size>`, which keeps
 * names short and safe whatever the object path, and lets a start-up drop a file whose size does not match its
 * name. Left-over temporary files are removed. One process owns a cache directory at a time.
 */
export async function openReadCacheIndex(directory: string, maxBytes: number): Promise<ReadCacheIndex> {
  await mkdir(directory, { recursive: true });
  // A Map iterates in insertion order: deleting and re-inserting on use keeps it in least-recently-used order.
  const entries = new Map<string, ReadCacheEntry>();
  let bytes = 0;
  const found: Array<{ hash: string; entry: ReadCacheEntry; modified: number }> = [];
  for (const name of await readdir(directory)) {
    const file = join(directory, name);
    if (name.endsWith('.tmp')) {
      await removeFile(file);
      continue;
    }
    const match = ENTRY.exec(name);
    if (match === null) continue;
    const info = await stat(file);
    if (info.size !== Number(match[2])) await removeFile(file);
    else found.push({ hash: match[1]!, entry: { file, size: info.size }, modified: info.mtimeMs });
  }
  found.sort((a, b) => a.modified - b.modified);
  for (const { hash, entry } of found) {
    const previous = entries.get(hash);
    if (previous !== undefined) {
      bytes -= previous.size;
      await removeFile(previous.file);
      entries.delete(hash);
    }
    entries.set(hash, entry);
    bytes += entry.size;
  }

  async function evict(keep: string): Promise<void> {
    // Map state changes before any await, so concurrent evictions never pick the same file twice.
    const victims: ReadCacheEntry[] = [];
    for (const [hash, entry] of entries) {
      if (bytes <= maxBytes) break;
      if (hash === keep) continue;
      entries.delete(hash);
      bytes -= entry.size;
      victims.push(entry);
    }
    for (const victim of victims) await removeFile(victim.file);
  }
  await evict('');

  return {
    get(path) {
      const hash = hashOf(path);
      const entry = entries.get(hash);
      if (entry === undefined) return undefined;
      entries.delete(hash);
      entries.set(hash, entry);
      return entry;
    },
    tempFile: (path) => join(directory, `${hashOf(path)}.${randomBytes(6).toString('hex')}.tmp`),
    async add(path, tempFile) {
      const hash = hashOf(path);
      const { size } = await stat(tempFile);
      const entry = { file: join(directory, `${hash}-${size}`), size };
      await rename(tempFile, entry.file);
      const previous = entries.get(hash);
      entries.delete(hash);
      entries.set(hash, entry);
      bytes += size - (previous?.size ?? 0);
      if (previous !== undefined && previous.file !== entry.file) await removeFile(previous.file);
      await evict(hash);
      return entry;
    },
    async remove(path) {
      const hash = hashOf(path);
      const entry = entries.get(hash);
      if (entry === undefined) return;
      entries.delete(hash);
      bytes -= entry.size;
      await removeFile(entry.file);
    },
    get bytes() {
      return bytes;
    },
  };
}

function hashOf(path: string): string {
  return createHash('sha256').update(path).digest('hex');
}

async function removeFile(file: string): Promise<void> {
  try {
    await unlink(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

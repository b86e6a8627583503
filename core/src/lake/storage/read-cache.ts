import { constants, createWriteStream } from 'node:fs';
import { copyFile, open, readFile, rm, writeFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AssayError, InputError, OperationalError } from '@assay/sdk';
import type { ByteRange, LakeStorage } from './lake-storage.ts';
import { openReadCacheIndex } from './read-cache-index.ts';
import type { ReadCacheIndex } from './read-cache-index.ts';

/** Lake storage with a local read cache of immutable files. */
export interface CachedLakeStorage extends LakeStorage {
  /**
   * A local file holding the object's bytes, for readers that need a file (DuckDB): the object itself on local
   * storage, otherwise the cached copy, downloaded first if needed. Only immutable files (`.parquet`) can be
   * materialized; others throw `STORAGE_NOT_CACHEABLE`. The file may be evicted once other files push the cache
   * over its size, so open it soon.
   */
  materialize(path: string): Promise<string>;
}

/** Where the cache lives and how large it may grow. */
export interface ReadCacheOptions {
  directory: string;
  /** The most bytes kept; least recently used files are evicted beyond it (the newest file is always kept). */
  maxBytes: number;
}

/**
 * Whether an object never changes once written, so a cached copy stays valid: Parquet data files and Parquet
 * checkpoints, whose names are unique. Delta commit JSON and `_last_checkpoint` are not: they must be read fresh.
 */
export function isImmutableLakeFile(path: string): boolean {
  return path.endsWith('.parquet');
}

/**
 * Wraps remote lake storage with a bounded, least-recently-used cache on local disk for immutable files. The
 * cache is keyed by path (and the file's size, see `openReadCacheIndex`), trusting that Delta never rewrites a data
 * file under the same name. Concurrent reads of one uncached file download it once; data files written through the
 * wrapper are cached as they are uploaded. Objects of local storage are never copied.
 *
 * @example
 * ```ts
 * const storage = createCachedStorage(s3, { directory: '/var/cache/assay', maxBytes: 10 * 1024 ** 3 });
 * const file = await storage.materialize('demo/silver/orders/part-0001.parquet');
 * ```
 */
export function createCachedStorage(inner: LakeStorage, options: ReadCacheOptions): CachedLakeStorage {
  let opened: ReadCacheIndex | undefined;
  let opening: Promise<ReadCacheIndex> | undefined;
  const index = () =>
    (opening ??= openReadCacheIndex(options.directory, options.maxBytes).then((value) => (opened = value)));
  const downloads = new Map<string, Promise<string>>();
  const cacheable = (path: string) => isImmutableLakeFile(path) && inner.localPath(path) === undefined;

  const failure = (path: string, error: unknown) =>
    error instanceof AssayError
      ? error
      : new OperationalError(
          `Caching ${inner.describe(path)} in ${options.directory} failed: ${(error as Error).message}`,
          { code: 'STORAGE_CACHE_FAILED', cause: error },
        );

  async function store(path: string, fill: (temp: string) => Promise<unknown>): Promise<string> {
    const cache = await index();
    const temp = cache.tempFile(path);
    try {
      await fill(temp);
      return (await cache.add(path, temp)).file;
    } catch (error) {
      await rm(temp, { force: true });
      throw failure(path, error);
    }
  }

  async function cachedFile(path: string): Promise<string> {
    const entry = (await index()).get(path);
    if (entry !== undefined) return entry.file;
    let pending = downloads.get(path);
    if (pending === undefined) {
      pending = store(path, async (temp) => pipeline(await inner.readStream(path), createWriteStream(temp)));
      downloads.set(path, pending);
      // Callers receive `pending` and its failure; this branch only forgets the finished download.
      const forget = () => downloads.delete(path);
      void pending.then(forget, forget);
    }
    return pending;
  }

  /** Runs `use` on the cached file; once more after a re-download if an eviction removed it in between. */
  async function withCachedFile<T>(path: string, use: (file: string) => Promise<T>): Promise<T> {
    try {
      return await use(await cachedFile(path));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      return use(await cachedFile(path));
    }
  }

  return {
    url: inner.url,
    describe: (path) => inner.describe(path),
    list: (prefix, listOptions) => inner.list(prefix, listOptions),
    head: (path) => inner.head(path),
    async read(path, range?: ByteRange) {
      if (!cacheable(path)) return inner.read(path, range);
      return withCachedFile(path, (file) => (range === undefined ? readFile(file) : readRange(file, range)));
    },
    async readStream(path): Promise<Readable> {
      if (!cacheable(path)) return inner.readStream(path);
      // Opening before returning keeps the file readable even if it is evicted while the stream is consumed.
      return withCachedFile(path, async (file) => (await open(file, 'r')).createReadStream());
    },
    async write(path, body) {
      await inner.write(path, body);
      if (cacheable(path)) await store(path, (temp) => writeFile(temp, body));
    },
    async writeFromFile(path, localFile) {
      await inner.writeFromFile(path, localFile);
      if (cacheable(path)) await store(path, (temp) => copyFile(localFile, temp, constants.COPYFILE_FICLONE));
    },
    async putIfAbsent(path, body) {
      const written = await inner.putIfAbsent(path, body);
      if (written && cacheable(path)) await store(path, (temp) => writeFile(temp, body));
      return written;
    },
    async delete(paths) {
      await inner.delete(paths);
      const cache = await index();
      for (const path of paths) await cache.remove(path);
    },
    localPath: (path) => inner.localPath(path) ?? (cacheable(path) ? opened?.get(path)?.file : undefined),
    async materialize(path) {
      const local = inner.localPath(path);
      if (local !== undefined) return local;
      if (!isImmutableLakeFile(path)) {
        throw new InputError(`${inner.describe(path)} can change, so it cannot be served from the local cache`, {
          code: 'STORAGE_NOT_CACHEABLE',
        });
      }
      return cachedFile(path);
    },
  };
}

async function readRange(file: string, range: ByteRange): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(Math.max(0, range.length));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, range.offset);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, link, mkdir, open, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { InputError, NotFoundError, OperationalError, UserError } from '@assay/sdk';
import type { ByteRange, LakeStorage, StoredObject } from './lake-storage.ts';

/**
 * Lake storage in a local directory. Writes go to a temporary file beside the target and are renamed into place;
 * put-if-absent hard-links a complete temporary file to the target, which fails if the target exists, so a reader
 * never sees a partly written commit and two writers can never both win.
 */
export function createLocalStorage(root: string): LakeStorage {
  const base = resolve(root);
  const full = (path: string) => {
    const target = resolve(base, path);
    if (target !== base && !target.startsWith(base + sep)) {
      throw new InputError(`Path "${path}" leaves the storage root ${base}`, { code: 'STORAGE_PATH_INVALID' });
    }
    return target;
  };
  const describe = (path: string) => pathToFileURL(full(path)).toString();

  async function writeTemp(target: string, body: Buffer | string): Promise<string> {
    await mkdir(dirname(target), { recursive: true });
    const temp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(temp, body);
    return temp;
  }

  return {
    url: pathToFileURL(base).toString(),
    describe,
    async *list(prefix, options = {}) {
      const recursive = options.recursive ?? true;
      const directory =
        prefix === '' || prefix.endsWith('/') ? prefix : dirname(prefix) === '.' ? '' : `${dirname(prefix)}/`;
      const found: StoredObject[] = [];
      await collect(full(directory), recursive, found, base, (path) => path.startsWith(prefix)).catch(
        (error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw storageError(error, describe(directory));
        },
      );
      found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      for (const object of found) {
        if (options.startAfter === undefined || object.path > options.startAfter) yield object;
      }
    },
    async head(path) {
      try {
        const info = await stat(full(path));
        return info.isFile() ? { path, size: info.size, modified: info.mtime } : undefined;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw storageError(error, describe(path));
      }
    },
    async read(path, range?: ByteRange) {
      try {
        if (range === undefined) return await readFile(full(path));
        const handle = await open(full(path), 'r');
        try {
          const buffer = Buffer.alloc(range.length);
          const { bytesRead } = await handle.read(buffer, 0, range.length, range.offset);
          return buffer.subarray(0, bytesRead);
        } finally {
          await handle.close();
        }
      } catch (error) {
        throw storageError(error, describe(path));
      }
    },
    async readStream(path): Promise<Readable> {
      const file = full(path);
      await stat(file).catch((error: unknown) => {
        throw storageError(error, describe(path));
      });
      return createReadStream(file);
    },
    async write(path, body) {
      const target = full(path);
      const temp = await writeTemp(target, body);
      await rename(temp, target).catch(async (error: unknown) => {
        await rm(temp, { force: true });
        throw storageError(error, describe(path));
      });
    },
    async writeFromFile(path, localFile) {
      const target = full(path);
      await mkdir(dirname(target), { recursive: true });
      const temp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        await copyFile(localFile, temp);
        await rename(temp, target);
      } catch (error) {
        await rm(temp, { force: true });
        throw storageError(error, describe(path));
      }
    },
    async putIfAbsent(path, body) {
      const target = full(path);
      const temp = await writeTemp(target, body);
      try {
        await link(temp, target);
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw storageError(error, describe(path));
      } finally {
        await unlink(temp).catch(() => undefined);
      }
    },
    async delete(paths) {
      for (const path of paths) await rm(full(path), { force: true });
    },
    localPath: (path) => full(path),
  };
}

/** Walks a directory; entries deleted while it walks (a concurrent vacuum) are skipped, not fatal to the listing. */
async function collect(
  directory: string,
  recursive: boolean,
  found: StoredObject[],
  base: string,
  keep: (path: string) => boolean,
): Promise<void> {
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    const absolute = join(directory, entry.name);
    if (entry.isDirectory()) {
      if (recursive) await collect(absolute, recursive, found, base, keep).catch(ignoreVanished);
      continue;
    }
    if (!entry.isFile() || entry.name.endsWith('.tmp')) continue;
    const path = relative(base, absolute).split(sep).join('/');
    if (!keep(path)) continue;
    const info = await stat(absolute).catch(ignoreVanished);
    if (info !== undefined) found.push({ path, size: info.size, modified: info.mtime });
  }
}

function ignoreVanished(error: NodeJS.ErrnoException): undefined {
  if (error.code === 'ENOENT') return undefined;
  throw error;
}

function storageError(error: unknown, where: string): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT')
    return new NotFoundError(`${where} does not exist`, { code: 'STORAGE_NOT_FOUND', cause: error });
  if (code === 'EACCES' || code === 'EPERM') {
    return new UserError(`Permission denied on ${where}`, { code: 'STORAGE_ACCESS_DENIED', cause: error });
  }
  return new OperationalError(`Storage operation on ${where} failed: ${(error as Error).message}`, {
    code: 'STORAGE_UNAVAILABLE',
    cause: error,
  });
}

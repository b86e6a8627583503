import { randomBytes } from 'node:crypto';
import { link, mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { InputError } from '@assay/sdk';

/** Only the owner may read or write a key file. */
const KEY_FILE_MODE = 0o600;

/**
 * The text of a key file, or undefined when there is none. Refuses a file that group or others may access
 * (`SECRET_KEY_FILE_PERMISSIONS`), checked on the opened file so it cannot be swapped in between.
 */
export async function readSecretKeyFile(path: string): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) {
      throw new InputError(`The key file ${path} is not a regular file`, { code: 'SECRET_KEY_INVALID' });
    }
    if ((stats.mode & 0o077) !== 0) {
      throw new InputError(
        `The key file ${path} may be accessed by group or others (mode ${(stats.mode & 0o777).toString(8)}); ` +
          `only its owner may: run "chmod 600 ${path}"`,
        { code: 'SECRET_KEY_FILE_PERMISSIONS', details: { path } },
      );
    }
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

/**
 * Creates a key file that does not exist yet, atomically and without ever overwriting one: the key is written to
 * a private temporary file (mode 0600, synced) that is then hard-linked to `path`, which fails if `path` exists.
 * When another process won that race its key is returned instead (`created: false`), so both use the same key.
 */
export async function createSecretKeyFile(path: string, text: string): Promise<{ text: string; created: boolean }> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = await writeTemporary(path, text);
  try {
    await link(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const winner = await readSecretKeyFile(path);
    if (winner === undefined) throw error;
    return { text: winner, created: false };
  } finally {
    await unlink(temporary);
  }
  await syncDirectory(dirname(path));
  return { text, created: true };
}

/** Writes a new key file that must not exist yet (`wx`), mode 0600, synced: backups of replaced keys. */
export async function writeNewSecretKeyFile(path: string, text: string): Promise<void> {
  const handle = await open(path, 'wx', KEY_FILE_MODE);
  try {
    await handle.writeFile(`${text}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await syncDirectory(dirname(path));
}

/** Writes (or replaces) a key file atomically: temporary file, sync, rename over `path`, sync the directory. */
export async function replaceSecretKeyFile(path: string, text: string): Promise<void> {
  const temporary = await writeTemporary(path, text);
  await moveSecretKeyFile(temporary, path);
}

/** Renames one key file over another (atomic on one file system) and makes the rename durable. */
export async function moveSecretKeyFile(from: string, to: string): Promise<void> {
  await rename(from, to);
  await syncDirectory(dirname(to));
}

async function writeTemporary(path: string, text: string): Promise<string> {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  await writeNewSecretKeyFile(temporary, text);
  return temporary;
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

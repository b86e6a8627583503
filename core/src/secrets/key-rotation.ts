import { unlink } from 'node:fs/promises';
import { OperationalError } from '@assay/sdk';
import type { Knex } from 'knex';
import {
  moveSecretKeyFile,
  readSecretKeyFile,
  replaceSecretKeyFile,
  writeNewSecretKeyFile,
} from './secret-key-file.ts';
import { decodeSecretKey, encodeSecretKey, keyFromBytes, type SecretKey } from './secret-key.ts';
import { createSecretStore } from './secret-store.ts';

/** What a key rotation did. */
export interface KeyRotationResult {
  readonly reencrypted: number;
  readonly previousKeyId: string;
  readonly keyId: string;
  /** The key file that now holds the new key; undefined when the key comes from ASSAY_SECRET_KEY. */
  readonly keyFile: string | undefined;
  /** Where the replaced key was kept (`<key file>.previous-<timestamp>`, mode 0600). */
  readonly previousKeyFile: string | undefined;
  /** This run only finished an earlier rotation that had committed but not yet replaced the key file. */
  readonly finishedInterrupted: boolean;
}

/** What {@link rotateSecretKey} works on. */
export interface KeyRotationOptions {
  db: Knex;
  /** The key the stored secrets are encrypted with now. */
  current: SecretKey;
  next: SecretKey;
  /** Runs once every row is rewritten, just before COMMIT; a throw cancels the rotation. */
  beforeCommit?: () => Promise<void> | void;
  now?: Date;
}

/**
 * Re-encrypts every stored secret with `next` and, when the current key lives in a key file, replaces that file.
 * The order makes a crash at any point recoverable without losing a key:
 *
 * 1. inside the transaction, after every row is rewritten: the current key is copied to
 *    `<file>.previous-<timestamp>` and the new key written to `<file>.next` (both 0600, synced);
 * 2. COMMIT;
 * 3. `<file>.next` is renamed over `<file>`.
 *
 * A crash before 2 leaves the old rows and the old key file (the `.next` file is stale and overwritten by the next
 * rotation); a crash between 2 and 3 leaves new rows and the new key in `<file>.next`: running the rotation again
 * notices that the rows are under the `.next` key and finishes by renaming it. Keys from `ASSAY_SECRET_KEY` are
 * the operator's to replace; `beforeCommit` is where the caller shows a generated key before it becomes needed.
 */
export async function rotateSecretKey(options: KeyRotationOptions): Promise<KeyRotationResult> {
  const { db, current, next } = options;
  const store = createSecretStore({ db, key: current });
  const path = current.source === 'env' ? undefined : current.path;
  if (path === undefined) {
    await store.verifyKey();
    const { reencrypted } = await store.rotate(next, { beforeCommit: async () => options.beforeCommit?.() });
    return result(reencrypted, current, next.id, undefined, undefined, false);
  }
  const nextPath = `${path}.next`;
  const finished = await finishInterrupted(db, current, path, nextPath);
  if (finished !== undefined) return finished;
  await store.verifyKey();

  const previousPath = `${path}.previous-${(options.now ?? new Date()).toISOString().replace(/[-:.]/g, '')}`;
  const written: string[] = [];
  let commitIssued = false;
  try {
    const { reencrypted } = await store.rotate(next, {
      beforeCommit: async () => {
        await writeNewSecretKeyFile(previousPath, encodeSecretKey(current));
        written.push(previousPath);
        await replaceSecretKeyFile(nextPath, encodeSecretKey(next));
        written.push(nextPath);
        await options.beforeCommit?.();
        commitIssued = true;
      },
    });
    await moveSecretKeyFile(nextPath, path);
    return result(reencrypted, current, next.id, path, previousPath, false);
  } catch (error) {
    if (commitIssued) {
      throw new OperationalError(
        `The secret key rotation may or may not have committed, and the key file ${path} was not replaced: ` +
          `${nextPath} holds the new key. Run "assay secrets rotate" again: it finishes the rotation if it ` +
          `committed and otherwise rotates anew`,
        { code: 'SECRET_ROTATION_INCOMPLETE', details: { keyFile: path, nextKeyFile: nextPath }, cause: error },
      );
    }
    await Promise.all(written.map((file) => unlink(file).catch(() => undefined)));
    throw error;
  }
}

/** When every stored secret is under the key in `<file>.next`, an earlier rotation committed: finish it. */
async function finishInterrupted(
  db: Knex,
  current: SecretKey,
  path: string,
  nextPath: string,
): Promise<KeyRotationResult | undefined> {
  const text = await readSecretKeyFile(nextPath);
  if (text === undefined) return undefined;
  const pending = keyFromBytes(decodeSecretKey(text, `The key file ${nextPath}`));
  const stored = await db('core_secrets').distinct<{ key_id: string }[]>('key_id');
  if (stored.length === 0 || stored.some((row) => row.key_id !== pending.id)) return undefined;
  await moveSecretKeyFile(nextPath, path);
  return result(0, current, pending.id, path, undefined, true);
}

function result(
  reencrypted: number,
  current: SecretKey,
  keyId: string,
  keyFile: string | undefined,
  previousKeyFile: string | undefined,
  finishedInterrupted: boolean,
): KeyRotationResult {
  return { reencrypted, previousKeyId: current.id, keyId, keyFile, previousKeyFile, finishedInterrupted };
}

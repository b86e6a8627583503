import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AssayError, OperationalError } from '@assay/sdk';
import type { SecretKey } from './secret-key.ts';

/** An encrypted value as stored: which key, the random IV, the GCM tag and the ciphertext. */
export interface SealedSecret {
  readonly keyId: string;
  /** 12 random bytes, new for every encryption. */
  readonly iv: Buffer;
  /** 16-byte GCM authentication tag. */
  readonly tag: Buffer;
  readonly ciphertext: Buffer;
}

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Encrypts `plaintext` with AES-256-GCM under `key`. `boundTo` (the row's `<workspace>/<name>`) is authenticated
 * as associated data, so the ciphertext only decrypts for that row.
 */
export function sealSecret(key: SecretKey, boundTo: string, plaintext: string): SealedSecret {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key.bytes, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(boundTo, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { keyId: key.id, iv, tag: cipher.getAuthTag(), ciphertext };
}

/**
 * Decrypts what {@link sealSecret} produced for the same `boundTo`. A value sealed under another key is an
 * OperationalError `SECRET_KEY_MISMATCH` naming both key ids; one that fails authentication (tampered, truncated,
 * or copied from another row) is `SECRET_CORRUPT`.
 */
export function openSecret(key: SecretKey, boundTo: string, sealed: SealedSecret): string {
  if (sealed.keyId !== key.id) {
    throw new OperationalError(
      `Secret ${boundTo} was encrypted with secret key ${sealed.keyId}, but this process has key ${key.id}: ` +
        `every Assay process must share the same ASSAY_SECRET_KEY or key file`,
      { code: 'SECRET_KEY_MISMATCH', details: { secret: boundTo, storedKeyId: sealed.keyId, keyId: key.id } },
    );
  }
  try {
    if (sealed.iv.length !== IV_BYTES || sealed.tag.length !== TAG_BYTES) throw new Error('bad IV or tag length');
    const decipher = createDecipheriv(ALGORITHM, key.bytes, sealed.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(boundTo, 'utf8'));
    decipher.setAuthTag(sealed.tag);
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]).toString('utf8');
  } catch (error) {
    throw new AssayError(
      `Secret ${boundTo} does not decrypt with key ${key.id} although it names that key: it was altered or copied ` +
        `from another secret; set it again`,
      { code: 'SECRET_CORRUPT', status: 500, details: { secret: boundTo, keyId: key.id }, cause: error },
    );
  }
}

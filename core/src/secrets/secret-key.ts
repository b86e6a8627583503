import { createHash, randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { inspect } from 'node:util';
import { InputError } from '@assay/sdk';
import { createSecretKeyFile, readSecretKeyFile } from './secret-key-file.ts';

/** The AES-256 key that encrypts stored secrets, with where it came from (for messages, never the bytes). */
export interface SecretKey {
  /** First 16 hex characters of the SHA-256 of the key: names the key in rows and messages; reveals nothing. */
  readonly id: string;
  /** 32 bytes. */
  readonly bytes: Buffer;
  /** `env`: ASSAY_SECRET_KEY; `file`: an existing key file; `generated`: a key file this call created. */
  readonly source: 'env' | 'file' | 'generated';
  /** The key file, for `file` and `generated` keys. */
  readonly path?: string;
}

/** Where {@link loadSecretKey} looks for the key. */
export interface LoadSecretKeyOptions {
  env: NodeJS.ProcessEnv;
  /** Assay's home directory; the default key file is `<home>/secret.key`. */
  home: string;
  /** Config `secrets.keyFile`; a relative path is resolved against `home`. */
  keyFile?: string | undefined;
}

/** The environment variable that holds the key; it wins over any key file. */
export const SECRET_KEY_ENV = 'ASSAY_SECRET_KEY';
const KEY_BYTES = 32;
const HEX_KEY = /^[0-9a-fA-F]{64}$/;
const BASE64_KEY = /^[A-Za-z0-9+/_-]{43}=?$/;

/**
 * Finds the secret key: `ASSAY_SECRET_KEY` if set, else the key file (default `<home>/secret.key`), which is
 * generated with mode 0600 when missing. Concurrent first starts agree on one key: the file is created with an
 * exclusive link, and the loser reads the winner's key. Errors name the variable or file, never the key.
 */
export async function loadSecretKey(options: LoadSecretKeyOptions): Promise<SecretKey> {
  const fromEnv = options.env[SECRET_KEY_ENV];
  if (fromEnv !== undefined && fromEnv !== '') {
    return { ...keyFromBytes(decodeSecretKey(fromEnv, `The environment variable ${SECRET_KEY_ENV}`)), source: 'env' };
  }
  const path = resolve(options.home, options.keyFile ?? 'secret.key');
  const existing = await readSecretKeyFile(path);
  if (existing !== undefined) return keyFromFile(existing, path, 'file');
  const created = await createSecretKeyFile(path, encodeSecretKey({ bytes: randomBytes(KEY_BYTES) }));
  return keyFromFile(created.text, path, created.created ? 'generated' : 'file');
}

/** Reads a key file that must exist (`--new-key-file`), with the same permission and format checks. */
export async function readSecretKeyFrom(path: string): Promise<SecretKey> {
  const text = await readSecretKeyFile(path);
  if (text === undefined) {
    throw new InputError(`Secret key file ${path} does not exist`, { code: 'SECRET_KEY_FILE_MISSING' });
  }
  return keyFromFile(text, path, 'file');
}

function keyFromFile(text: string, path: string, source: 'file' | 'generated'): SecretKey {
  return { ...keyFromBytes(decodeSecretKey(text, `The key file ${path}`)), source, path };
}

/**
 * Decodes a key written as 64 hex characters or as base64/base64url of exactly 32 bytes (surrounding whitespace
 * ignored). Anything else is an InputError `SECRET_KEY_INVALID` that starts with `where` and never quotes the value.
 */
export function decodeSecretKey(text: string, where: string): Buffer {
  const trimmed = text.trim();
  const bytes = HEX_KEY.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : BASE64_KEY.test(trimmed)
      ? Buffer.from(trimmed, 'base64')
      : undefined;
  if (bytes?.length !== KEY_BYTES) {
    throw new InputError(
      `${where} is not a valid secret key: it must be 32 bytes written as 64 hex characters or as base64 ` +
        `(44 characters, e.g. the output of "openssl rand -base64 32")`,
      { code: 'SECRET_KEY_INVALID' },
    );
  }
  return bytes;
}

/** A new random key, not yet stored anywhere. */
export function generateSecretKey(): SecretKey {
  return { ...keyFromBytes(randomBytes(KEY_BYTES)), source: 'generated' };
}

/**
 * The id and bytes of a key; the caller adds where it came from. A key that reaches a log, `JSON.stringify` or
 * `console.log` by mistake shows its id only (these hooks survive object spread).
 */
export function keyFromBytes(bytes: Buffer): { id: string; bytes: Buffer } {
  const id = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  const key = { id, bytes };
  Object.defineProperties(key, {
    toJSON: { value: () => ({ id }), enumerable: true },
    [inspect.custom]: { value: () => `SecretKey(${id})`, enumerable: true },
  });
  return key;
}

/** How a key is written to a key file and shown to an operator: standard base64. */
export function encodeSecretKey(key: Pick<SecretKey, 'bytes'>): string {
  return key.bytes.toString('base64');
}

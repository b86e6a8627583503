import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { InputError } from '@assay/sdk';

const KEY_LENGTH = 64;
/** 2^15 iterations, 32 MiB: about 50 ms per hash on a server core; stored with each hash so it can be raised. */
const PARAMS = { N: 2 ** 15, r: 8, p: 1 } as const;
const MIN_LENGTH = 12;
const MAX_LENGTH = 1024;

function derive(password: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { ...params, maxmem: 128 * params.N * params.r * 2 };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, options, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

/** Refuses passwords too short to resist guessing (length is what matters, not character classes). */
export function checkPasswordStrength(password: string): void {
  if (password.length < MIN_LENGTH || password.length > MAX_LENGTH) {
    throw new InputError(`A password needs ${MIN_LENGTH} to ${MAX_LENGTH} characters`, { code: 'PASSWORD_TOO_WEAK' });
  }
}

/** `scrypt$N$r$p$<salt b64>$<key b64>`. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, PARAMS);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64'), key.toString('base64')].join('$');
}

/** Constant-time check against a stored hash; false for a malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || salt === undefined || key === undefined) return false;
  const expected = Buffer.from(key, 'base64');
  const actual = await derive(password, Buffer.from(salt, 'base64'), { N: Number(n), r: Number(r), p: Number(p) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Spends the same time as a real check, so a login for an unknown user cannot be told apart by timing. */
export async function verifyNothing(password: string): Promise<false> {
  await derive(password, Buffer.alloc(16), PARAMS);
  return false;
}

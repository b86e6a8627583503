import { createHash, randomBytes } from 'node:crypto';

/** A bearer credential: `<prefix>_<43 base64url chars>` (256 random bits). Only its SHA-256 is stored. */
export function newSecretToken(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

/** Whether `value` has the shape of a token with this prefix (checked before any lookup). */
export function isSecretToken(value: string, prefix: string): boolean {
  return value.length === prefix.length + 44 && value.startsWith(`${prefix}_`) && /^[A-Za-z0-9_-]+$/.test(value);
}

/** SHA-256 hex: tokens are high-entropy, so a fast hash is safe and keeps lookups cheap. */
export function hashSecretToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

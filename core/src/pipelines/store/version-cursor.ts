import { InputError } from '@assay/sdk';

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const VERSION = /^[1-9][0-9]{0,8}$/;

/** The opaque cursor of a page of pipeline versions (newest first): the base64url of the last version returned. */
export function encodeVersionCursor(lastVersion: number): string {
  return Buffer.from(`v${lastVersion}`, 'utf8').toString('base64url');
}

/**
 * The version a cursor points below. Throws 400 `CURSOR_INVALID` for anything {@link encodeVersionCursor} did not
 * make, so a hand-edited cursor never turns into a database error.
 */
export function decodeVersionCursor(cursor: string): number {
  const text = BASE64URL.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const digits = text.startsWith('v') ? text.slice(1) : '';
  if (VERSION.test(digits) && encodeVersionCursor(Number(digits)) === cursor) return Number(digits);
  throw new InputError('cursor is not a cursor returned by this endpoint: start again without it', {
    code: 'CURSOR_INVALID',
    details: { path: '/querystring/cursor' },
  });
}

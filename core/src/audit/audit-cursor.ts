import { InputError } from '@assay/sdk';

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const ID = /^[1-9][0-9]{0,18}$/;
const MAX_BIGINT = 9223372036854775807n;

/** The opaque cursor of an audit page: the base64url of the id of the last entry returned. */
export function encodeAuditCursor(lastId: string): string {
  return Buffer.from(lastId, 'utf8').toString('base64url');
}

/**
 * The entry id a cursor points after. Throws 400 `CURSOR_INVALID` for anything {@link encodeAuditCursor} did not
 * make, so a hand-edited cursor never turns into a database error.
 */
export function decodeAuditCursor(cursor: string): string {
  const id = BASE64URL.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  if (ID.test(id) && BigInt(id) <= MAX_BIGINT && encodeAuditCursor(id) === cursor) return id;
  throw new InputError('cursor is not a cursor returned by this endpoint: start again without it', {
    code: 'CURSOR_INVALID',
    details: { path: '/querystring/cursor' },
  });
}

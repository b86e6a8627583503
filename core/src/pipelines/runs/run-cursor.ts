import { InputError } from '@assay/sdk';

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const RUN_KEY = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\|([0-9a-f-]{36})$/;
const LOG_ID = /^l([1-9][0-9]{0,17})$/;

/** The position after which a page of runs (newest first) continues. */
export interface RunCursor {
  readonly createdAt: string;
  readonly id: string;
}

/** The opaque cursor of a page of runs: the base64url of the last run's creation time and id. */
export function encodeRunCursor(last: RunCursor): string {
  return Buffer.from(`${last.createdAt}|${last.id}`, 'utf8').toString('base64url');
}

/** The run a cursor points after; 400 `CURSOR_INVALID` for anything {@link encodeRunCursor} did not make. */
export function decodeRunCursor(cursor: string): RunCursor {
  const match = RUN_KEY.exec(BASE64URL.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '');
  if (match !== null && encodeRunCursor({ createdAt: match[1]!, id: match[2]! }) === cursor) {
    return { createdAt: match[1]!, id: match[2]! };
  }
  throw invalidCursor();
}

/** The opaque cursor of a page of log lines: the last line's id. */
export function encodeLogCursor(lastId: number): string {
  return Buffer.from(`l${lastId}`, 'utf8').toString('base64url');
}

/** The log line id a cursor points after; 400 `CURSOR_INVALID` for anything {@link encodeLogCursor} did not make. */
export function decodeLogCursor(cursor: string): number {
  const match = LOG_ID.exec(BASE64URL.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '');
  if (match !== null && encodeLogCursor(Number(match[1])) === cursor) return Number(match[1]);
  throw invalidCursor();
}

function invalidCursor(): InputError {
  return new InputError('cursor is not a cursor returned by this endpoint: start again without it', {
    code: 'CURSOR_INVALID',
    details: { path: '/querystring/cursor' },
  });
}

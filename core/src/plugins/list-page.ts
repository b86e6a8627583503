import { InputError } from '@assay/sdk';

/** One page of a list endpoint: the items and, when more follow, the cursor that fetches them. */
export interface ListPage<T> {
  readonly items: T[];
  readonly nextCursor?: string;
}

/**
 * Pages an in-memory list by a sort key. The cursor carries the key of the last item returned, so a page stays
 * correct when items appear or disappear between requests (after a restart with other plugins); clients treat it
 * as opaque. Throws `CURSOR_INVALID` for a cursor this function did not make.
 */
export function pageByKey<T>(
  items: readonly T[],
  keyOf: (item: T) => string,
  request: { limit: number; cursor?: string | undefined },
): ListPage<T> {
  const sorted = items.map((item) => ({ key: keyOf(item), item })).sort((a, b) => compare(a.key, b.key));
  const after = request.cursor === undefined ? undefined : decodeCursor(request.cursor);
  const rest = after === undefined ? sorted : sorted.filter(({ key }) => compare(key, after) > 0);
  const page = rest.slice(0, request.limit);
  const last = page.at(-1);
  const more = rest.length > page.length && last !== undefined;
  return { items: page.map(({ item }) => item), ...(more ? { nextCursor: encodeCursor(last.key) } : {}) };
}

/** A sort key for `type` + `version` that orders version 10 after version 9. */
export function versionedKey(type: string, version: number): string {
  return `${type}\u0000${String(version).padStart(10, '0')}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function encodeCursor(key: string): string {
  return Buffer.from(JSON.stringify({ after: key }), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const after = (parsed as { after?: unknown } | null)?.after;
    if (typeof after === 'string') return after;
  } catch {
    // Not JSON: reported below like any other foreign cursor.
  }
  throw new InputError('cursor is not a cursor returned by this endpoint: start again without it', {
    code: 'CURSOR_INVALID',
    details: { path: '/querystring/cursor' },
  });
}

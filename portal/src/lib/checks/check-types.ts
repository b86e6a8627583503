import { api, call } from '$lib/api/client';
import { newestOf, type CheckEntry } from '$lib/catalog';

/**
 * The installed check types, newest version of each (a job's check names no version: the server runs the newest).
 * Read once per page load like the other catalogs; a failed read is forgotten so "Try again" asks again.
 */
let types: Promise<CheckEntry[]> | undefined;

export function loadCheckTypes(): Promise<CheckEntry[]> {
  types ??= readAll().then(newestOf);
  types.catch(() => (types = undefined));
  return types;
}

async function readAll(): Promise<CheckEntry[]> {
  const items: CheckEntry[] = [];
  let cursor: string | undefined;
  do {
    const page = await call(
      api.GET('/api/v1/checks', { params: { query: { limit: 500, ...(cursor === undefined ? {} : { cursor }) } } }),
    );
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return items;
}

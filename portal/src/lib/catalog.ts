import type { Answer } from '$lib/api/answer';
import { api, call } from '$lib/api/client';
import type { paths } from '$lib/api/schema';
import type { JsonSchema, UiHints } from '$lib/forms/json-schema';

type Entry<P extends '/api/v1/operators' | '/api/v1/connectors' | '/api/v1/checks'> = Answer<
  paths[P]['get']
>['items'][number];
export type OperatorEntry = Entry<'/api/v1/operators'>;
export type ConnectorEntry = Entry<'/api/v1/connectors'>;
export type CheckEntry = Entry<'/api/v1/checks'>;

/** A catalog entry's config schema and hints, typed for the form. */
export const formOf = (entry: { config: unknown; ui?: unknown }) => ({
  schema: entry.config as JsonSchema,
  ui: entry.ui as UiHints | undefined,
});

async function allPages<T>(page: (cursor?: string) => Promise<{ items: T[]; nextCursor?: string }>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const answer = await page(cursor);
    items.push(...answer.items);
    cursor = answer.nextCursor;
  } while (cursor !== undefined);
  return items;
}

/** Only the newest version of each type: new jobs and connections get it; saved ones name their own. */
export function newestOf<T extends { type: string; version: number }>(items: T[]): T[] {
  const newest = new Map<string, T>();
  for (const item of items) if ((newest.get(item.type)?.version ?? -1) < item.version) newest.set(item.type, item);
  return [...newest.values()].sort((a, b) => a.type.localeCompare(b.type));
}

const query = (cursor: string | undefined) => ({ query: { limit: 200, ...(cursor === undefined ? {} : { cursor }) } });

/**
 * What the installed plugins contribute, every version (a saved job may use an older one). Read once per page
 * load: installing a plugin restarts the server, and a reload picks it up. A failed read is forgotten, so "Try
 * again" asks again.
 */
let operators: Promise<OperatorEntry[]> | undefined;
let connectors: Promise<ConnectorEntry[]> | undefined;
let checks: Promise<CheckEntry[]> | undefined;

export function loadOperators(): Promise<OperatorEntry[]> {
  operators ??= allPages((cursor) => call(api.GET('/api/v1/operators', { params: query(cursor) })));
  operators.catch(() => (operators = undefined));
  return operators;
}

export function loadConnectors(): Promise<ConnectorEntry[]> {
  connectors ??= allPages((cursor) => call(api.GET('/api/v1/connectors', { params: query(cursor) })));
  connectors.catch(() => (connectors = undefined));
  return connectors;
}

/** The check types, newest version of each: a job's check names no version, the server runs the newest. */
export function loadCheckTypes(): Promise<CheckEntry[]> {
  checks ??= allPages((cursor) => call(api.GET('/api/v1/checks', { params: query(cursor) }))).then(newestOf);
  checks.catch(() => (checks = undefined));
  return checks;
}

/** The entry of a type at a version, or its newest when no version is given. */
export function entryOf<T extends { type: string; version: number }>(
  items: T[],
  type: string,
  version?: number,
): T | undefined {
  const candidates = items.filter((item) => item.type === type);
  if (version !== undefined) return candidates.find((item) => item.version === version);
  return newestOf(candidates)[0];
}

/**
 * The plugins an admin disabled in a workspace: their contributions are left out of the workspace's catalogs (the
 * server refuses their operators there).
 */
export async function disabledPlugins(ws: string): Promise<Set<string>> {
  const plugins = await allPages((cursor) =>
    call(api.GET('/api/v1/workspaces/{ws}/plugins', { params: { path: { ws }, ...query(cursor) } })),
  );
  return new Set(plugins.filter((plugin) => !plugin.enabled).map((plugin) => plugin.id));
}

/** The entries whose plugin is enabled. */
export const enabledOnly = <T extends { plugin: { id: string } }>(items: T[], disabled: ReadonlySet<string>): T[] =>
  items.filter((item) => !disabled.has(item.plugin.id));

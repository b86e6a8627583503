import { api, call } from '$lib/api/client';
import type { Plugin } from './admin-api';

/** A loaded plugin with whether it is enabled in the workspace (undefined when the workspace list lacks it). */
export type WorkspacePlugin = Plugin & { enabled: boolean | undefined };

const PAGE = 100;

/** Every page of a paged plugin listing: the lists are short, and the page shows them all at once. */
async function allPages<T>(fetchPage: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor?: string }>) {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return items;
}

const cursorQuery = (cursor: string | undefined) => ({ limit: PAGE, ...(cursor === undefined ? {} : { cursor }) });

/** The installed plugins joined with their enabled state in `ws`. */
export async function loadWorkspacePlugins(ws: string): Promise<WorkspacePlugin[]> {
  const [plugins, enablement] = await Promise.all([
    allPages((cursor) => call(api.GET('/api/v1/plugins', { params: { query: cursorQuery(cursor) } }))),
    allPages((cursor) =>
      call(api.GET('/api/v1/workspaces/{ws}/plugins', { params: { path: { ws }, query: cursorQuery(cursor) } })),
    ),
  ]);
  const enabled = new Map(enablement.map((p) => [p.id, p.enabled]));
  return plugins.map((plugin) => ({ ...plugin, enabled: enabled.get(plugin.id) }));
}

/** Enables or disables a plugin in `ws`; answers the state the server stored. */
export async function setPluginEnabled(ws: string, id: string, enabled: boolean): Promise<boolean> {
  const answer = await call(
    api.PUT('/api/v1/workspaces/{ws}/plugins/{id}', { params: { path: { ws, id } }, body: { enabled } }),
  );
  return answer.enabled;
}

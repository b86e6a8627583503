import { ConflictError, NotFoundError } from '@assay/sdk';
import { DEFAULT_WORKSPACE } from '../auth/first-admin.ts';
import type { Workspace, WorkspaceStore } from '../workspaces/workspace-store.ts';

/**
 * The workspace a command's `--workspace` names, or the API's error for an unknown workspace (404
 * `WORKSPACE_NOT_FOUND`), and for a command that `writes`, the API's for an archived one (409
 * `WORKSPACE_ARCHIVED`). Commands check it before they work or write anything. The CLI has no caller whose
 * membership could matter, so the message says which workspaces there are and how to create the one named.
 */
export async function requireWorkspace(
  workspaces: WorkspaceStore,
  slug: string,
  options: { readonly writes?: boolean } = {},
): Promise<Workspace> {
  const all = await workspaces.list();
  const found = all.find((workspace) => workspace.slug === slug);
  if (found !== undefined && options.writes === true && found.status === 'archived') {
    throw new ConflictError(
      `Workspace "${slug}" is archived, so nothing in it can change: un-archive it first ` +
        `(PATCH /api/v1/workspaces/${slug} with {"status":"active"})`,
      { code: 'WORKSPACE_ARCHIVED', details: { workspace: slug } },
    );
  }
  if (found !== undefined) return found;
  const slugs = all.map((workspace) => workspace.slug);
  const origin = slug === DEFAULT_WORKSPACE ? ' (a server creates it with the first admin at its first start)' : '';
  const existing = slugs.length === 0 ? 'there are no workspaces yet' : `the workspaces are ${slugs.join(', ')}`;
  throw new NotFoundError(
    `Workspace "${slug}" does not exist${origin}; ${existing}. Name one with --workspace, or create it with ` +
      `"assay workspace create ${slug}"`,
    { code: 'WORKSPACE_NOT_FOUND', details: { workspace: slug, workspaces: slugs } },
  );
}

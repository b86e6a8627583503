import { ConflictError, InputError, NotFoundError } from '@assay/sdk';
import type { Knex } from 'knex';

/** A tenant. Its slug names it in API paths, lake prefixes (`<lake>/<slug>/…`) and Casbin domains. */
export interface Workspace {
  readonly slug: string;
  readonly name: string;
  readonly description: string;
  readonly status: 'active' | 'archived';
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly archivedAt: string | null;
}

interface WorkspaceRow {
  slug: string;
  name: string;
  description: string;
  status: 'active' | 'archived';
  created_at: Date;
  updated_at: Date;
  archived_at: Date | null;
}

export const WORKSPACE_SLUG = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const STATUS_CACHE_MS = 30_000;

/** Workspaces in `core_workspaces`, with a short-lived status cache for the per-request access check. */
export class WorkspaceStore {
  readonly #db: Knex;
  #statuses: { at: number; map: Map<string, Workspace['status']> } | undefined;

  constructor(db: Knex) {
    this.#db = db;
  }

  async create(input: { slug: string; name?: string; description?: string }): Promise<Workspace> {
    if (!WORKSPACE_SLUG.test(input.slug) || input.slug.length > 63) {
      throw new InputError(
        `Workspace slug "${input.slug}" must be kebab-case: lower-case letters, digits and single dashes, at most 63`,
        { code: 'WORKSPACE_SLUG_INVALID' },
      );
    }
    try {
      const [row] = await this.#db<WorkspaceRow>('core_workspaces')
        .insert({ slug: input.slug, name: input.name ?? input.slug, description: input.description ?? '' })
        .returning('*');
      this.invalidate();
      return toWorkspace(row!);
    } catch (error) {
      if ((error as { code?: string }).code === '23505') {
        throw new ConflictError(`Workspace "${input.slug}" exists already`, { code: 'WORKSPACE_EXISTS' });
      }
      throw error;
    }
  }

  async get(slug: string): Promise<Workspace> {
    const row = await this.#db<WorkspaceRow>('core_workspaces').where({ slug }).first();
    if (row === undefined) throw notFound(slug);
    return toWorkspace(row);
  }

  async list(slugs?: readonly string[]): Promise<Workspace[]> {
    const query = this.#db<WorkspaceRow>('core_workspaces').orderBy('slug');
    if (slugs !== undefined) query.whereIn('slug', [...slugs]);
    return (await query).map(toWorkspace);
  }

  async update(slug: string, changes: { name?: string; description?: string }): Promise<Workspace> {
    const [row] = await this.#db<WorkspaceRow>('core_workspaces')
      .where({ slug })
      .update({ ...changes, updated_at: this.#db.fn.now() } as never)
      .returning('*');
    if (row === undefined) throw notFound(slug);
    return toWorkspace(row);
  }

  /** Archiving keeps everything readable and refuses changes; unarchiving undoes it. */
  async setArchived(slug: string, archived: boolean): Promise<Workspace> {
    const [row] = await this.#db<WorkspaceRow>('core_workspaces')
      .where({ slug })
      .update({
        status: archived ? 'archived' : 'active',
        archived_at: archived ? this.#db.fn.now() : null,
        updated_at: this.#db.fn.now(),
      } as never)
      .returning('*');
    if (row === undefined) throw notFound(slug);
    this.invalidate();
    return toWorkspace(row);
  }

  /** The status of a workspace, or undefined when there is none; answered from a cache refreshed every 30 s. */
  async status(slug: string): Promise<Workspace['status'] | undefined> {
    if (this.#statuses === undefined || Date.now() - this.#statuses.at > STATUS_CACHE_MS) {
      const rows = await this.#db<WorkspaceRow>('core_workspaces').select('slug', 'status');
      this.#statuses = { at: Date.now(), map: new Map(rows.map((r) => [r.slug, r.status])) };
    }
    const cached = this.#statuses.map.get(slug);
    if (cached !== undefined) return cached;
    // A workspace created by another process since the last refresh.
    const row = await this.#db<WorkspaceRow>('core_workspaces').where({ slug }).first();
    if (row !== undefined) this.#statuses.map.set(slug, row.status);
    return row?.status;
  }

  /** Drops the status cache (after a change here or in another process). */
  invalidate(): void {
    this.#statuses = undefined;
  }
}

function notFound(slug: string): NotFoundError {
  return new NotFoundError(`No workspace "${slug}", or you are not a member of it`, {
    code: 'WORKSPACE_NOT_FOUND',
  });
}

export { notFound as workspaceNotFound };

function toWorkspace(row: WorkspaceRow): Workspace {
  return {
    slug: row.slug,
    name: row.name,
    description: row.description,
    status: row.status,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    archivedAt: row.archived_at?.toISOString() ?? null,
  };
}

import type { Knex } from 'knex';

/**
 * A dataset's publication. While nothing is held, readers see the latest commit; while a commit is held, they see
 * `published` (the last good version).
 */
export interface Publication {
  /** The version readers see while a commit is held; null when none was ever published (the first one was held). */
  readonly published: number | null;
  /** The newest commit kept back from readers; null when nothing is held. */
  readonly held: number | null;
  /** The checks that held it; empty while a job's checks are still judging a commit it made itself. */
  readonly heldBy: readonly string[];
  readonly heldRunId: string | null;
  readonly updatedBy: string | null;
  readonly updatedAt: Date;
}

/** The published pointers of datasets (`core_dataset_publications`). */
export interface DatasetPublications {
  /** Undefined when the dataset has none: readers see its latest commit. */
  get(workspace: string, dataset: string): Promise<Publication | undefined>;
  /**
   * Readers see `version` from now on: the hold is lifted when it is the latest commit (`latest`), an older one is
   * pinned (the newer commits held, by `approved`).
   */
  publish(workspace: string, dataset: string, version: number, latest: number, by?: string): Promise<void>;
  /** Lifts a hold `runId` placed while its checks had not judged anything yet (the job ended without a commit). */
  release(workspace: string, dataset: string, runId: string): Promise<void>;
  /**
   * Keeps `held` back: readers go on seeing `published` (what they saw before). A dataset already held keeps its
   * published version, so a later held commit never publishes an earlier held one.
   */
  hold(
    workspace: string,
    dataset: string,
    hold: { published: number | null; held: number; checks: readonly string[]; runId: string },
  ): Promise<void>;
}

const TABLE = 'core_dataset_publications';

interface PublicationRow {
  published_version: number | null;
  held_version: number | null;
  held_by: string[];
  held_run_id: string | null;
  updated_by: string | null;
  updated_at: Date;
}

/** Publications on the metadata database. */
export function createDatasetPublications(db: Knex): DatasetPublications {
  return {
    async get(workspace, dataset) {
      const row = (await db(TABLE).where({ workspace, dataset }).first()) as PublicationRow | undefined;
      if (row === undefined) return undefined;
      return {
        published: row.published_version,
        held: row.held_version,
        heldBy: row.held_by,
        heldRunId: row.held_run_id,
        updatedBy: row.updated_by,
        updatedAt: row.updated_at,
      };
    },
    async publish(workspace, dataset, version, latest, by) {
      const pinned = version < latest;
      await db(TABLE)
        .insert({
          workspace,
          dataset,
          published_version: version,
          held_version: pinned ? latest : null,
          held_by: JSON.stringify(pinned ? ['approved'] : []),
          held_run_id: null,
          updated_by: by ?? null,
          updated_at: db.fn.now(),
        })
        .onConflict(['workspace', 'dataset'])
        .merge();
    },
    async release(workspace, dataset, runId) {
      await db(TABLE)
        .where({ workspace, dataset, held_run_id: runId })
        .whereRaw(`held_by = '[]'::jsonb`)
        .update({ held_version: null, held_run_id: null, updated_at: db.fn.now() });
    },
    async hold(workspace, dataset, hold) {
      // An existing row keeps its published version: only the held commit and its reasons move on.
      await db.raw(
        `insert into ${TABLE} (workspace, dataset, published_version, held_version, held_by, held_run_id, updated_at)
         values (?, ?, ?, ?, ?::jsonb, ?, now())
         on conflict (workspace, dataset) do update set
           held_version = excluded.held_version, held_by = excluded.held_by,
           held_run_id = excluded.held_run_id, updated_by = null, updated_at = now()`,
        [workspace, dataset, hold.published, hold.held, JSON.stringify(hold.checks), hold.runId],
      );
    },
  };
}

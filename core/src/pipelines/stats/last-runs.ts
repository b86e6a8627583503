import type { Knex } from 'knex';
import type { RunStatus } from '../runs/run-records.ts';

/** The newest run of a pipeline (by sequence, so an active one too): `finishedAt` is null while it runs. */
export interface LastRun {
  readonly id: string;
  readonly status: RunStatus;
  readonly finishedAt: string | null;
}

/** The newest run of each pipeline id that has one, in one query however many pipelines a page lists. */
export type LastRunsOf = (pipelineIds: readonly string[]) => Promise<ReadonlyMap<string, LastRun>>;

/** {@link LastRunsOf} over `core_pipeline_runs`: one index lookup per pipeline (`pipeline_id, sequence`). */
export function lastRunsOf(db: Knex): LastRunsOf {
  return async (pipelineIds) => {
    if (pipelineIds.length === 0) return new Map();
    const { rows } = (await db.raw(
      `select p.id as pipeline_id, r.id, r.status, r.finished_at
         from unnest(?::uuid[]) as p(id)
         cross join lateral (
           select id, status, finished_at from core_pipeline_runs
            where pipeline_id = p.id order by sequence desc limit 1
         ) r`,
      [[...pipelineIds]],
    )) as { rows: Array<{ pipeline_id: string; id: string; status: RunStatus; finished_at: Date | null }> };
    return new Map(
      rows.map((row) => [
        row.pipeline_id,
        { id: row.id, status: row.status, finishedAt: row.finished_at?.toISOString() ?? null },
      ]),
    );
  };
}

import type { Knex } from 'knex';
import type { PipelineSpec } from '../document/pipeline-document.ts';

/** A pipeline's current version as the triggers see it. */
export interface TriggeredPipeline {
  readonly id: string;
  readonly workspace: string;
  readonly name: string;
  readonly version: number;
  readonly pausedAt: Date | null;
  readonly pausedBy: string | null;
  readonly spec: PipelineSpec;
}

interface Row {
  id: string;
  workspace: string;
  name: string;
  current_version: number;
  paused_at: Date | null;
  paused_by: string | null;
  spec: PipelineSpec;
}

/**
 * Current versions of pipelines, narrowed by id, workspace, or a JSON containment on the spec (`{ triggers: [{
 * type: 'new_files' }] }`) so a sweep reads only the pipelines it concerns.
 */
export async function triggeredPipelines(
  db: Knex,
  filter: { id?: string; workspace?: string; name?: string; specContains?: object },
): Promise<TriggeredPipeline[]> {
  const query = db('core_pipelines as p')
    .join('core_pipeline_versions as v', (join) =>
      join.on('v.pipeline_id', 'p.id').andOn('v.version', 'p.current_version'),
    )
    .select('p.id', 'p.workspace', 'p.name', 'p.current_version', 'p.paused_at', 'p.paused_by')
    .select(db.raw(`v.document->'spec' as spec`))
    .orderBy(['p.workspace', 'p.name']);
  if (filter.id !== undefined) query.where('p.id', filter.id);
  if (filter.workspace !== undefined) query.where('p.workspace', filter.workspace);
  if (filter.name !== undefined) query.where('p.name', filter.name);
  if (filter.specContains !== undefined) {
    query.whereRaw(`v.document->'spec' @> ?::jsonb`, [JSON.stringify(filter.specContains)]);
  }
  return ((await query) as Row[]).map((row) => ({
    id: row.id,
    workspace: row.workspace,
    name: row.name,
    version: row.current_version,
    pausedAt: row.paused_at,
    pausedBy: row.paused_by,
    spec: row.spec,
  }));
}

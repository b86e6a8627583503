import { InputError, type PluginHttpApp } from '@assay/sdk';
import { Type } from 'typebox';
import type { Engine } from '../engine/engine.ts';
import { errorResponses } from '../http/error-body.ts';
import { literal } from '../engine/dataset-view.ts';
import { snapshotOrUndefined } from '../lake/existing-snapshot.ts';
import type { LakeService } from '../lake/lake-service.ts';
import type { RunService } from '../pipelines/runs/run-service.ts';
import { JobRunSchema, RunWithJobsSchema } from '../pipelines/runs/run-schemas.ts';
import type { PipelineStore } from '../pipelines/store/pipeline-store.ts';
import { DatasetParams } from './quality.schemas.ts';
import { isQuarantineId, QUARANTINE_ID_SQL } from './reprocess/quarantine-row-id.ts';
import { writingJob } from './reprocess/writing-job.ts';

/** At most this many rows per reprocess run: the ids travel in the run's record. */
const MAX_ROWS = 10_000;

/**
 * `POST …/datasets/:layer/:name/quarantine/reprocess`: starts a run of the job that writes the dataset over the
 * chosen quarantined rows (by id, or all of a check or a run), which writes them into the dataset through the job's
 * logic and then removes them from quarantine — exactly once, also when the run is retried or resumed.
 */
export async function reprocessRoutes(
  app: PluginHttpApp,
  options: { lake: LakeService; engine: Engine; runs: RunService; store: Pick<PipelineStore, 'list'> },
): Promise<void> {
  app.addSchema(JobRunSchema);
  app.post(
    '/workspaces/:ws/datasets/:layer/:name/quarantine/reprocess',
    {
      config: { access: { permission: 'pipeline:run' } },
      schema: {
        tags: ['quality'],
        summary: 'Reprocess quarantined rows through the job that writes the dataset; they then leave quarantine',
        params: DatasetParams,
        body: Type.Object(
          {
            ids: Type.Optional(
              Type.Array(Type.String({ pattern: '^[0-9a-f]{32}$' }), { minItems: 1, maxItems: MAX_ROWS }),
            ),
            check: Type.Optional(Type.String({ minLength: 1, description: 'All rows of this check' })),
            runId: Type.Optional(Type.String({ minLength: 1, description: 'All rows set aside by this run' })),
            wait: Type.Optional(Type.Boolean({ description: 'Answer when the run has finished (default false)' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: RunWithJobsSchema, 202: RunWithJobsSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { ws } = request.params;
      const dataset = `${request.params.layer}.${request.params.name}`;
      const ids = await idsMatching(options, ws, dataset, request.body);
      const { pipeline, jobId } = await writingJob(options.store, ws, dataset);
      const run = await options.runs.startRun({
        workspace: ws,
        pipeline,
        trigger: 'reprocess',
        triggerDetails: { reprocess: { dataset, ids } },
        select: { job: jobId, direction: 'only' },
        actor: request.principal?.id,
      });
      if (request.body.wait !== true) return reply.code(202).send(run);
      const gone = new AbortController();
      request.raw.once('close', () => gone.abort());
      await options.runs.watch(ws, run.id, () => undefined, gone.signal);
      return reply.code(200).send(await options.runs.get(ws, run.id));
    },
  );
}

/**
 * The ids of the quarantined rows asked for (by id, check or run): `REPROCESS_INVALID` without a filter or when none
 * match, `REPROCESS_ROWS_NOT_FOUND` when some ids are no longer there.
 */
async function idsMatching(
  options: { lake: LakeService; engine: Engine },
  workspace: string,
  dataset: string,
  filter: { ids?: readonly string[] | undefined; check?: string | undefined; runId?: string | undefined },
): Promise<string[]> {
  const conditions = [
    ...(filter.ids === undefined ? [] : [`${QUARANTINE_ID_SQL} IN (${filter.ids.map(literal).join(', ')})`]),
    ...(filter.check === undefined ? [] : [`check_id = ${literal(filter.check)}`]),
    ...(filter.runId === undefined ? [] : [`run_id = ${literal(filter.runId)}`]),
  ];
  if (conditions.length === 0) {
    throw new InputError('Say which rows to reprocess: ids, a check or a run', { code: 'REPROCESS_INVALID' });
  }
  const table = options.lake.quarantine(workspace, dataset);
  const snapshot = await snapshotOrUndefined(table);
  const ids: string[] = [];
  if (snapshot !== undefined) {
    const view = { ...(await table.view(snapshot)), name: 'assay_reprocess.quarantine' };
    const session = await options.engine.openSession({ views: [view] });
    try {
      const sql = `SELECT ${QUARANTINE_ID_SQL} AS id FROM ${view.name} WHERE ${conditions.join(' AND ')} LIMIT ${MAX_ROWS + 1}`;
      for await (const chunk of session.stream(sql)) ids.push(...chunk.map((row) => String(row.id)));
    } finally {
      await session.close();
    }
  }
  if (filter.ids !== undefined && ids.length < new Set(filter.ids).size) {
    throw new InputError(
      `${new Set(filter.ids).size - ids.length} of the rows are no longer in the quarantine of ${dataset} ` +
        '(reprocessed, discarded or edited since): list the quarantine again',
      { code: 'REPROCESS_ROWS_NOT_FOUND', details: { dataset } },
    );
  }
  if (ids.length === 0 || ids.length > MAX_ROWS || !ids.every(isQuarantineId)) {
    throw new InputError(
      ids.length === 0
        ? `No quarantined rows of ${dataset} match`
        : `More than ${MAX_ROWS} rows match: reprocess them in parts (by run)`,
      { code: 'REPROCESS_INVALID', details: { dataset, check: filter.check, runId: filter.runId } },
    );
  }
  return ids;
}

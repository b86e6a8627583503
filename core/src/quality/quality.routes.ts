import { ConflictError, NotFoundError, type PluginHttpApp } from '@assay/sdk';
import type { Knex } from 'knex';
import { Type } from 'typebox';
import type { DataPolicyService } from '../governance/data-policy-service.ts';
import { errorResponses } from '../http/error-body.ts';
import { snapshotOrUndefined } from '../lake/existing-snapshot.ts';
import type { LakeService } from '../lake/lake-service.ts';
import { checkHistory, latestResults, scoreHistory, type StoredResult } from './quality-history.ts';
import { CheckResultSchema, DatasetParams, DatasetQualitySchema } from './quality.schemas.ts';
import { sampleMasker } from './sample-masking.ts';

const errors = { 400: errorResponses[400], 404: errorResponses[404], 500: errorResponses[500] };

/**
 * A dataset's quality: `GET …/datasets/:layer/:name/quality` (published and held versions, score over time, the
 * latest result of each check), `GET …/quality/checks/:checkId` (one check's history, for charts) and
 * `POST …/datasets/:layer/:name/publish` (approve a held version: readers see it from then on).
 */
export async function qualityRoutes(
  app: PluginHttpApp,
  options: { db: Knex; lake: LakeService; policies: DataPolicyService },
): Promise<void> {
  const { db, lake } = options;

  app.get(
    '/workspaces/:ws/datasets/:layer/:name/quality',
    {
      config: { access: { permission: 'quality:read' } },
      schema: {
        tags: ['quality'],
        summary: "A dataset's quality: score over time, the latest result of each check, what is held back",
        params: DatasetParams,
        querystring: Type.Object({
          runs: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'Score points (default 30)' })),
        }),
        response: { 200: DatasetQualitySchema, ...errors },
      },
    },
    async (request) => {
      const { ws } = request.params;
      const dataset = `${request.params.layer}.${request.params.name}`;
      const latest = await snapshotOrUndefined(lake.table(ws, dataset));
      const [publication, checks, scores, open] = await Promise.all([
        lake.publications.get(ws, dataset),
        latestResults(db, ws, dataset),
        scoreHistory(db, ws, dataset, request.query.runs ?? 30),
        db('core_dq_incidents').where({ workspace: ws, dataset }).whereNot('state', 'resolved').count('* as n').first(),
      ]);
      if (latest === undefined && checks.length === 0) {
        throw new NotFoundError(`No dataset ${dataset} in workspace ${ws}`, { code: 'DATASET_NOT_FOUND' });
      }
      const mask = await sampleMasker(options.policies, request.principal!, ws, dataset);
      return {
        dataset,
        publishedVersion:
          publication === undefined || publication.held === null ? (latest?.version ?? null) : publication.published,
        latestVersion: latest?.version ?? null,
        held:
          publication === undefined || publication.held === null
            ? null
            : { version: publication.held, checks: [...publication.heldBy], runId: publication.heldRunId },
        score: scores[0]?.score ?? null,
        scores,
        checks: checks.map((result) => masked(result, mask)),
        openIncidents: Number(open?.n ?? 0),
      };
    },
  );

  app.get(
    '/workspaces/:ws/datasets/:layer/:name/quality/checks/:checkId',
    {
      config: { access: { permission: 'quality:read' } },
      schema: {
        tags: ['quality'],
        summary: "One check's results on a dataset, newest first",
        params: Type.Intersect([
          DatasetParams,
          Type.Object({ checkId: Type.String({ minLength: 1, maxLength: 200 }) }),
        ]),
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }),
        response: { 200: Type.Object({ items: Type.Array(CheckResultSchema) }), ...errors },
      },
    },
    async (request) => {
      const { ws, checkId } = request.params;
      const dataset = `${request.params.layer}.${request.params.name}`;
      const items = await checkHistory(db, ws, dataset, checkId, request.query.limit ?? 100);
      if (items.length === 0) {
        throw new NotFoundError(`Check "${checkId}" has no results on ${dataset}`, {
          code: 'CHECK_RESULTS_NOT_FOUND',
          details: { dataset, check: checkId },
        });
      }
      const mask = await sampleMasker(options.policies, request.principal!, ws, dataset);
      return { items: items.map((result) => masked(result, mask)) };
    },
  );

  app.post(
    '/workspaces/:ws/datasets/:layer/:name/publish',
    {
      config: { access: { permission: 'quality:edit' } },
      schema: {
        tags: ['quality'],
        summary: 'Approve a version checks held back: readers, downstream jobs and the API see it from now on',
        params: DatasetParams,
        body: Type.Object(
          { version: Type.Optional(Type.Integer({ minimum: 0, description: 'Default: the latest version' })) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ dataset: Type.String(), publishedVersion: Type.Integer() }),
          409: errorResponses[409],
          ...errors,
        },
      },
    },
    async (request) => {
      const { ws } = request.params;
      const dataset = `${request.params.layer}.${request.params.name}`;
      const latest = await snapshotOrUndefined(lake.table(ws, dataset));
      if (latest === undefined) {
        throw new NotFoundError(`No dataset ${dataset} in workspace ${ws}`, { code: 'DATASET_NOT_FOUND' });
      }
      const version = request.body.version ?? latest.version;
      if (version > latest.version) {
        throw new ConflictError(`${dataset} has no version ${version}: its latest is ${latest.version}`, {
          code: 'DATASET_VERSION_NOT_FOUND',
          details: { dataset, version, latest: latest.version },
        });
      }
      await lake.publications.publish(ws, dataset, version, latest.version, request.principal?.id);
      return { dataset, publishedVersion: version };
    },
  );
}

function masked(result: StoredResult, mask: (sample: readonly Record<string, unknown>[]) => Record<string, unknown>[]) {
  return { ...result, sample: mask(result.sample) };
}

import type { PluginHttpApp, Principal } from '@assay/sdk';
import { Type } from 'typebox';
import { errorResponses } from '../http/error-body.ts';
import type { PipelineService } from '../pipelines/apply/pipeline-service.ts';
import { JobCheckSchema } from '../pipelines/document/pipeline-document.ts';
import { authorOf } from '../pipelines/pipelines.routes.ts';
import { acceptSuggestions } from './profile/accept-suggestions.ts';
import { DatasetProfileSchema, SkippedColumnSchema, SuggestionSchema } from './profile/profile.schemas.ts';
import { suggestChecks } from './profile/suggest-checks.ts';
import { visibleProfile, type ProfileDeps } from './profile/visible-profile.ts';
import { DatasetParams } from './quality.schemas.ts';

const ProfileQuery = Type.Object({
  version: Type.Optional(
    Type.Integer({ minimum: 0, description: 'The version to profile; the published one by default' }),
  ),
  sample: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 10_000_000,
      description: 'Profile at most this many rows, a reservoir sample of them when there are more (default 1,000,000)',
    }),
  ),
});
const Seen = {
  dataset: Type.String(),
  version: Type.Integer({ description: 'The version profiled' }),
  rowFiltered: Type.Boolean({ description: 'A row filter hides rows from you: counts are of the rows you see' }),
};
const AcceptBody = Type.Object(
  {
    pipeline: Type.String({ minLength: 1, maxLength: 100, description: 'The pipeline to add the checks to' }),
    job: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: 'The job; by default the one whose output is the dataset',
      }),
    ),
    checks: Type.Array(JobCheckSchema, { minItems: 1, maxItems: 200, description: 'Checks, e.g. suggestions[].check' }),
    message: Type.Optional(Type.String({ maxLength: 2000, description: 'The message of the new pipeline version' })),
  },
  { additionalProperties: false },
);
const errors = { 400: errorResponses[400], 404: errorResponses[404], 500: errorResponses[500] };
const tags = ['quality'];

/**
 * Rule suggestions without AI: `GET …/datasets/:layer/:name/profile` (what each column holds), `GET …/suggestions`
 * (checks the profile supports, with evidence) and `POST …/suggestions/accept` (add checks to the job that writes
 * the dataset, as a new pipeline version). Profiles read the data through the caller's masks and row filter.
 */
export async function profileRoutes(
  app: PluginHttpApp,
  options: ProfileDeps & { pipelines: PipelineService },
): Promise<void> {
  const profileOf = (request: {
    params: { ws: string; layer: string; name: string };
    query: { version?: number; sample?: number };
    principal?: Principal | undefined;
  }) =>
    visibleProfile(options, request.principal!, request.params.ws, `${request.params.layer}.${request.params.name}`, {
      version: request.query.version,
      sample: request.query.sample,
    });

  app.get(
    '/workspaces/:ws/datasets/:layer/:name/profile',
    {
      config: { access: { permission: 'dataset:read', audit: 'read' } },
      schema: {
        tags,
        summary: 'Profile a dataset: nulls, distinct counts, min/max, top values, text patterns, candidate keys',
        params: DatasetParams,
        querystring: ProfileQuery,
        response: { 200: Type.Intersect([Type.Object(Seen), DatasetProfileSchema]), ...errors },
      },
    },
    async (request) => {
      const { dataset, version, rowFiltered, profile } = await profileOf(request);
      return { dataset, version, rowFiltered, ...profile };
    },
  );

  app.get(
    '/workspaces/:ws/datasets/:layer/:name/suggestions',
    {
      config: { access: { permission: 'dataset:read', audit: 'read' } },
      schema: {
        tags,
        summary: 'Checks a profile of the dataset supports, each with the evidence and a confidence',
        params: DatasetParams,
        querystring: ProfileQuery,
        response: {
          200: Type.Object({
            ...Seen,
            rows: Type.Integer(),
            profiledRows: Type.Integer(),
            sampled: Type.Boolean(),
            profiledAt: Type.String({ format: 'date-time' }),
            candidateKeys: Type.Array(Type.Array(Type.String())),
            suggestions: Type.Array(SuggestionSchema),
            skipped: Type.Array(SkippedColumnSchema, { description: 'Columns nothing was suggested for, and why' }),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const { dataset, version, rowFiltered, profile } = await profileOf(request);
      const { suggestions, skipped } = suggestChecks(profile, { layer: request.params.layer });
      const { rows, profiledRows, sampled, profiledAt, candidateKeys } = profile;
      return {
        dataset,
        version,
        rowFiltered,
        rows,
        profiledRows,
        sampled,
        profiledAt,
        candidateKeys,
        suggestions,
        skipped,
      };
    },
  );

  app.post(
    '/workspaces/:ws/datasets/:layer/:name/suggestions/accept',
    {
      config: { access: { permission: 'pipeline:edit' } },
      schema: {
        tags,
        summary: 'Add checks to the job that writes the dataset: a new version of its pipeline',
        params: DatasetParams,
        body: AcceptBody,
        response: {
          200: Type.Object({
            pipeline: Type.String(),
            job: Type.String(),
            version: Type.Integer({ description: 'The new pipeline version' }),
            checks: Type.Array(Type.String(), { description: 'The ids of the added checks' }),
            diff: Type.Array(Type.String()),
          }),
          409: errorResponses[409],
          ...errors,
        },
      },
    },
    async (request) =>
      acceptSuggestions(options.pipelines, {
        workspace: request.params.ws,
        dataset: `${request.params.layer}.${request.params.name}`,
        pipeline: request.body.pipeline,
        job: request.body.job,
        checks: request.body.checks,
        message: request.body.message,
        author: authorOf(request.principal),
      }),
  );
}

import type { PluginHttpApp, Principal } from '@assay/sdk';
import { Type } from 'typebox';
import { pageByKey } from '../plugins/list-page.ts';
import { diffDocuments, formatDiff } from './document/document-diff.ts';
import type { PipelineDocument } from './document/pipeline-document.ts';
import type { PipelineSaved, PipelineService } from './apply/pipeline-service.ts';
import type { LastRun, LastRunsOf } from './stats/last-runs.ts';
import type { PipelineVersionRecord, PipelineWithVersion } from './store/pipeline-records.ts';
import {
  DiffQuery,
  DiffResponse,
  NameParams,
  PageQuery,
  PipelineBody,
  PipelineDetail,
  PipelineSummary,
  RollbackBody,
  SaveResponse,
  ValidateBody,
  ValidateResponse,
  VersionDetail,
  VersionParams,
  VersionSummary,
  WsParams,
  pipelineErrors as errors,
} from './pipelines.schemas.ts';

const READ = { access: { permission: 'pipeline:read' } } as const;
const EDIT = { access: { permission: 'pipeline:edit' } } as const;
const tags = ['pipelines'];

/**
 * Pipelines of a workspace as versioned documents: list, show (with the job graph), create, save a new version,
 * delete, versions, diff, rollback and validate. Reads need `pipeline:read`, changes `pipeline:edit`; every save
 * of a changed document is a new immutable version.
 */
export async function pipelinesRoutes(
  app: PluginHttpApp,
  options: { pipelines: PipelineService; lastRuns: LastRunsOf },
): Promise<void> {
  const { pipelines, lastRuns } = options;
  const { store } = pipelines;

  app.get(
    '/workspaces/:ws/pipelines',
    {
      config: READ,
      schema: {
        tags,
        summary: 'The pipelines of a workspace with their current versions, by name',
        params: WsParams,
        querystring: PageQuery,
        response: {
          200: Type.Object({
            items: Type.Array(PipelineSummary),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const all = await store.list(request.params.ws);
      const page = pageByKey(all, ({ pipeline }) => pipeline.name, {
        limit: request.query.limit ?? 50,
        cursor: request.query.cursor,
      });
      const last = await lastRuns(page.items.map(({ pipeline }) => pipeline.id));
      return {
        items: page.items.map((item) => summaryOf(item, last.get(item.pipeline.id))),
        nextCursor: page.nextCursor ?? null,
      };
    },
  );

  app.post(
    '/workspaces/:ws/pipelines',
    {
      config: EDIT,
      schema: {
        tags,
        summary: 'Create a pipeline from a document (JSON) or YAML text: version 1',
        params: WsParams,
        body: PipelineBody,
        response: { 201: SaveResponse, ...errors },
      },
    },
    async (request, reply) => {
      const { message, ...input } = request.body;
      const saved = await pipelines.create(request.params.ws, input, { author: authorOf(request.principal), message });
      return reply.code(201).send(saveResponse(pipelines, saved));
    },
  );

  app.post(
    '/workspaces/:ws/pipelines/validate',
    {
      // An editing tool, and a POST: viewers hold no permission any POST route needs.
      config: EDIT,
      schema: {
        tags,
        summary: 'Every problem of a pipeline document, without saving it; the graph when it is valid',
        params: WsParams,
        body: ValidateBody,
        response: { 200: ValidateResponse, ...errors },
      },
    },
    async (request) => {
      const { problems, checked } = await pipelines.validate(request.params.ws, request.body);
      if (checked === undefined) return { valid: false, problems };
      return { valid: true, problems, graph: checked.graph, document: checked.normalized };
    },
  );

  app.get(
    '/workspaces/:ws/pipelines/:name',
    {
      config: READ,
      schema: {
        tags,
        summary: 'A pipeline: its current document and job graph (upstream, downstream, topological order)',
        params: NameParams,
        response: { 200: PipelineDetail, ...errors },
      },
    },
    async (request) => {
      const found = await store.get(request.params.ws, request.params.name);
      const last = await lastRuns([found.pipeline.id]);
      return {
        ...summaryOf(found, last.get(found.pipeline.id)),
        version: versionSummaryOf(found.current),
        document: found.current.document,
        graph: pipelines.graph(found.current.document),
      };
    },
  );

  app.put(
    '/workspaces/:ws/pipelines/:name',
    {
      config: EDIT,
      schema: {
        tags,
        summary: 'Save a new version; an unchanged document saves nothing (changed: false)',
        params: NameParams,
        body: PipelineBody,
        response: { 200: SaveResponse, ...errors },
      },
    },
    async (request) => {
      const { message, ...input } = request.body;
      const { ws, name } = request.params;
      const saved = await pipelines.update(ws, name, input, { author: authorOf(request.principal), message });
      return saveResponse(pipelines, saved);
    },
  );

  app.delete(
    '/workspaces/:ws/pipelines/:name',
    {
      config: EDIT,
      schema: {
        tags,
        summary: 'Delete a pipeline with all its versions',
        params: NameParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await store.remove(request.params.ws, request.params.name);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/workspaces/:ws/pipelines/:name/versions',
    {
      config: READ,
      schema: {
        tags,
        summary: 'Versions of a pipeline, newest first',
        params: NameParams,
        querystring: PageQuery,
        response: {
          200: Type.Object({ items: Type.Array(VersionSummary), nextCursor: Type.Union([Type.String(), Type.Null()]) }),
          ...errors,
        },
      },
    },
    async (request) =>
      store.versions(request.params.ws, request.params.name, {
        limit: request.query.limit ?? 50,
        cursor: request.query.cursor,
      }),
  );

  app.get(
    '/workspaces/:ws/pipelines/:name/versions/:version',
    {
      config: READ,
      schema: {
        tags,
        summary: 'One version: its document, author, message and the changes against the version before',
        params: VersionParams,
        response: { 200: VersionDetail, ...errors },
      },
    },
    async (request) => {
      const { ws, name, version } = request.params;
      const { current } = await store.get(ws, name, version);
      const previous = version > 1 ? (await store.get(ws, name, version - 1)).current.document : undefined;
      return {
        ...versionSummaryOf(current),
        pipeline: name,
        document: current.document,
        diff: diffLines(previous, current.document),
      };
    },
  );

  app.get(
    '/workspaces/:ws/pipelines/:name/diff',
    {
      config: READ,
      schema: {
        tags,
        summary: 'What changed between two versions (to: the current one by default; from: the one before to)',
        params: NameParams,
        querystring: DiffQuery,
        response: { 200: DiffResponse, ...errors },
      },
    },
    async (request) => {
      const { ws, name } = request.params;
      const to = request.query.to ?? (await store.get(ws, name)).pipeline.currentVersion;
      const diff = await store.diff(ws, name, request.query.from ?? Math.max(1, to - 1), to);
      return { ...diff, lines: formatDiff(diff.changes) };
    },
  );

  app.post(
    '/workspaces/:ws/pipelines/:name/rollback',
    {
      config: EDIT,
      schema: {
        tags,
        summary: 'A new version equal to an older one (message "Rollback to version N" unless given)',
        params: NameParams,
        body: RollbackBody,
        response: { 200: SaveResponse, ...errors },
      },
    },
    async (request) => {
      const { ws, name } = request.params;
      const { version, message } = request.body;
      const saved = await pipelines.rollback(ws, name, version, { author: authorOf(request.principal), message });
      return saveResponse(pipelines, saved);
    },
  );
}

/** Who a version is recorded as for an API call: the caller's email, or its name (service accounts). */
export function authorOf(principal: Principal | undefined): string | undefined {
  return principal === undefined ? undefined : (principal.email ?? principal.name);
}

function summaryOf({ pipeline, current }: PipelineWithVersion, lastRun: LastRun | undefined) {
  const { metadata, spec } = current.document;
  return {
    name: pipeline.name,
    description: metadata.description ?? null,
    currentVersion: pipeline.currentVersion,
    schedule: spec.schedule ?? null,
    paused: pipeline.pausedAt !== null,
    jobCount: spec.jobs.length,
    createdBy: pipeline.createdBy,
    createdAt: pipeline.createdAt,
    updatedAt: pipeline.updatedAt,
    lastRun: lastRun ?? null,
  };
}

function versionSummaryOf(version: PipelineVersionRecord) {
  const { version: number, hash, author, message, createdAt } = version;
  return { version: number, hash, author, message, createdAt };
}

function saveResponse(pipelines: PipelineService, saved: PipelineSaved) {
  return {
    name: saved.pipeline.name,
    version: versionSummaryOf(saved.version),
    changed: saved.changed,
    diff: saved.diff,
    graph: pipelines.graph(saved.version.document),
  };
}

function diffLines(previous: PipelineDocument | undefined, document: PipelineDocument): string[] {
  return previous === undefined ? [] : formatDiff(diffDocuments(previous, document));
}

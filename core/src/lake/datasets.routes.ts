import { AssayError, NotFoundError, type PluginHttpApp } from '@assay/sdk';
import { Type } from 'typebox';
import type { Engine } from '../engine/engine.ts';
import type { DataPolicyService } from '../governance/data-policy-service.ts';
import { errorResponses } from '../http/error-body.ts';
import { duckdbType } from './delta/delta-schema.ts';
import type { DeltaSnapshot } from './delta/snapshot.ts';
import type { LakeService, LakeTable } from './lake-service.ts';

const Params = Type.Object({
  ws: Type.String({ pattern: '^[a-z][a-z0-9]*(-[a-z0-9]+)*$' }),
  layer: Type.String({ pattern: '^[a-z][a-z0-9_]*$' }),
  name: Type.String({ pattern: '^[a-z][a-z0-9_]*$' }),
});
const At = Type.Object({
  version: Type.Optional(Type.Integer({ minimum: 0 })),
  timestamp: Type.Optional(Type.String({ format: 'date-time' })),
});
const Column = Type.Object({ name: Type.String(), type: Type.String(), nullable: Type.Boolean() });
const DatasetInfo = Type.Object({
  dataset: Type.String(),
  version: Type.Integer(),
  timestamp: Type.String(),
  columns: Type.Array(Column),
  partitionColumns: Type.Array(Type.String()),
  files: Type.Integer(),
  sizeBytes: Type.Integer(),
  rows: Type.Union([Type.Integer(), Type.Null()], { description: 'From file statistics; null when a file has none' }),
  protocol: Type.Object({ minReaderVersion: Type.Integer(), minWriterVersion: Type.Integer() }),
  held: Type.Union(
    [
      Type.Object({
        version: Type.Integer({ description: 'The newest commit checks kept back from readers' }),
        publishedVersion: Type.Union([Type.Integer(), Type.Null()]),
        checks: Type.Array(Type.String()),
        runId: Type.Union([Type.String(), Type.Null()]),
      }),
      Type.Null(),
    ],
    { description: 'Set while data-quality checks hold newer commits back: readers see publishedVersion' },
  ),
});
const HistoryItem = Type.Object({
  version: Type.Integer(),
  timestamp: Type.String(),
  operation: Type.Union([Type.String(), Type.Null()]),
  operationParameters: Type.Record(Type.String(), Type.Unknown()),
  operationMetrics: Type.Record(Type.String(), Type.Unknown()),
  user: Type.Union([Type.String(), Type.Null()]),
  runId: Type.Union([Type.String(), Type.Null()]),
  added: Type.Integer(),
  removed: Type.Integer(),
});
const Preview = Type.Object({
  version: Type.Integer(),
  columns: Type.Array(Type.String()),
  rows: Type.Array(Type.Record(Type.String(), Type.Unknown())),
  truncated: Type.Boolean(),
});
const errors = { 400: errorResponses[400], 404: errorResponses[404], 500: errorResponses[500] };
const PREVIEW_TIMEOUT_MS = 30_000;

/**
 * Datasets of a workspace: `GET …/datasets/:layer/:name` (schema, version, files, size, rows), `/history`, `/preview`
 * (through a sandboxed engine session, so the masks and row filters of the policy service apply), and `POST …/restore`
 * and `…/vacuum`. A dataset's quarantine has its own routes (quality/quarantine.routes.ts).
 */
export async function datasetsRoutes(
  app: PluginHttpApp,
  options: { lake: LakeService; engine: Engine; policies: DataPolicyService },
): Promise<void> {
  const tableOf = (params: { ws: string; layer: string; name: string }): LakeTable =>
    options.lake.table(params.ws, `${params.layer}.${params.name}`);

  app.get(
    '/workspaces/:ws/datasets/:layer/:name',
    {
      config: { access: { permission: 'dataset:read' } },
      schema: {
        tags: ['datasets'],
        summary: 'A dataset: schema, version, files, size and row count',
        params: Params,
        querystring: At,
        response: { 200: DatasetInfo, ...errors },
      },
    },
    async (request) => {
      const dataset = `${request.params.layer}.${request.params.name}`;
      const snapshot = await snapshotOf(tableOf(request.params), request.query);
      const publication = await options.lake.publications.get(request.params.ws, dataset);
      const held =
        publication?.held === null || publication === undefined
          ? null
          : {
              version: publication.held,
              publishedVersion: publication.published,
              checks: [...publication.heldBy],
              runId: publication.heldRunId,
            };
      return { ...describeSnapshot(dataset, snapshot), held };
    },
  );

  app.get(
    '/workspaces/:ws/datasets/:layer/:name/history',
    {
      config: { access: { permission: 'dataset:read' } },
      schema: {
        tags: ['datasets'],
        summary: 'Commits of a dataset, newest first',
        params: Params,
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }),
        response: { 200: Type.Object({ items: Type.Array(HistoryItem) }), ...errors },
      },
    },
    async (request) => {
      const entries = await notFoundAsDataset(() => tableOf(request.params).history(request.query.limit ?? 50));
      return {
        items: entries.map((e) => ({
          version: e.version,
          timestamp: new Date(e.timestamp).toISOString(),
          operation: e.operation ?? null,
          operationParameters: e.operationParameters,
          operationMetrics: e.operationMetrics,
          user: e.user ?? null,
          runId: e.runId ?? null,
          added: e.added,
          removed: e.removed,
        })),
      };
    },
  );

  app.get(
    '/workspaces/:ws/datasets/:layer/:name/preview',
    {
      config: { access: { permission: 'dataset:read', audit: 'read' } },
      schema: {
        tags: ['datasets'],
        summary: 'The first rows of a dataset at a version',
        params: Params,
        querystring: Type.Intersect([
          At,
          Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }),
        ]),
        response: { 200: Preview, ...errors },
      },
    },
    async (request) => {
      const table = tableOf(request.params);
      const snapshot = await snapshotOf(table, request.query);
      const limit = request.query.limit ?? 100;
      // The caller's column masks and row filter are part of the view, so the rows returned are what they may see.
      const access = await options.policies.dataAccessFor(request.principal!, request.params.ws, {
        name: table.name,
        columns: snapshot.schema.fields.map((f) => ({ name: f.name, type: duckdbType(f.type) })),
      });
      const session = await options.engine.openSession({
        views: [await table.view(snapshot, access)],
        timeoutMs: PREVIEW_TIMEOUT_MS,
      });
      try {
        const rows: Record<string, unknown>[] = [];
        for await (const chunk of session.stream(`SELECT * FROM ${table.name} LIMIT ${limit + 1}`)) rows.push(...chunk);
        return {
          version: snapshot.version,
          columns: snapshot.schema.fields.map((f) => f.name),
          rows: rows.slice(0, limit),
          truncated: rows.length > limit,
        };
      } finally {
        await session.close();
      }
    },
  );

  app.post(
    '/workspaces/:ws/datasets/:layer/:name/restore',
    {
      config: { access: { permission: 'dataset:manage' } },
      schema: {
        tags: ['datasets'],
        summary: 'Roll a dataset back to an earlier version (a new commit; history is kept)',
        params: Params,
        body: Type.Object({ version: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ version: Type.Integer(), restoredVersion: Type.Integer() }), ...errors },
      },
    },
    async (request) => {
      const result = await notFoundAsDataset(() => tableOf(request.params).restore(request.body.version));
      return { version: result.version, restoredVersion: request.body.version };
    },
  );

  app.post(
    '/workspaces/:ws/datasets/:layer/:name/vacuum',
    {
      config: { access: { permission: 'dataset:manage' } },
      schema: {
        tags: ['datasets'],
        summary: 'Delete data files no version within the retention period needs',
        params: Params,
        body: Type.Object(
          {
            retentionHours: Type.Optional(Type.Number({ minimum: 1, default: 168 })),
            dryRun: Type.Optional(Type.Boolean({ default: false })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ deleted: Type.Array(Type.String()), kept: Type.Integer(), bytesFreed: Type.Integer() }),
          ...errors,
        },
      },
    },
    async (request) => {
      const { retentionHours, dryRun } = request.body;
      const result = await notFoundAsDataset(() =>
        tableOf(request.params).vacuum({
          ...(retentionHours === undefined ? {} : { retentionHours }),
          ...(dryRun === undefined ? {} : { dryRun }),
        }),
      );
      return { deleted: [...result.deleted], kept: result.kept, bytesFreed: result.bytesFreed };
    },
  );
}

/** The version asked for, or else the published one: what readers see. */
async function snapshotOf(table: LakeTable, at: { version?: number; timestamp?: string }): Promise<DeltaSnapshot> {
  if (at.version === undefined && at.timestamp === undefined) return notFoundAsDataset(() => table.published());
  return notFoundAsDataset(() =>
    table.snapshot({
      ...(at.version === undefined ? {} : { version: at.version }),
      ...(at.timestamp === undefined ? {} : { timestamp: Date.parse(at.timestamp) }),
    }),
  );
}

/** A missing table is a missing dataset to API users. */
async function notFoundAsDataset<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AssayError && error.code === 'DELTA_TABLE_NOT_FOUND') {
      throw new NotFoundError(error.message.replace(/^No Delta table/, 'No dataset'), {
        code: 'DATASET_NOT_FOUND',
        cause: error,
      });
    }
    throw error;
  }
}

function describeSnapshot(dataset: string, snapshot: DeltaSnapshot) {
  const withStats = snapshot.files.every((f) => f.stats?.numRecords !== undefined);
  return {
    dataset,
    version: snapshot.version,
    timestamp: new Date(snapshot.timestamp).toISOString(),
    columns: snapshot.schema.fields.map((f) => ({
      name: f.name,
      type: typeof f.type === 'string' ? f.type : JSON.stringify(f.type),
      nullable: f.nullable,
    })),
    partitionColumns: [...snapshot.partitionColumns],
    files: snapshot.files.length,
    sizeBytes: snapshot.files.reduce((sum, f) => sum + f.size, 0),
    rows: withStats ? snapshot.files.reduce((sum, f) => sum + (f.stats?.numRecords ?? 0), 0) : null,
    protocol: {
      minReaderVersion: snapshot.protocol.minReaderVersion,
      minWriterVersion: snapshot.protocol.minWriterVersion,
    },
  };
}

import type { PluginHttpApp } from '@assay/sdk';
import { Type } from 'typebox';
import { errorResponses } from '../http/error-body.ts';
import { IngestOptionsSchema } from './ingest-request.ts';
import type { IngestService } from './ingest-service.ts';

const Workspace = Type.String({ pattern: '^[a-z][a-z0-9]*(-[a-z0-9]+)*$' });
const Change = Type.Object({
  column: Type.String(),
  change: Type.Union([Type.Literal('added'), Type.Literal('ignored'), Type.Literal('missing')]),
  type: Type.String(),
  source: Type.String(),
});
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const Load = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    workspace: Type.String(),
    connection: Type.String(),
    stream: Type.String(),
    dataset: Type.String(),
    status: Type.Union([
      Type.Literal('queued'),
      Type.Literal('running'),
      Type.Literal('succeeded'),
      Type.Literal('failed'),
    ]),
    runId: Nullable(Type.String()),
    startedBy: Nullable(Type.String()),
    startedAt: Type.String({ format: 'date-time' }),
    finishedAt: Nullable(Type.String({ format: 'date-time' })),
    durationMs: Nullable(Type.Integer()),
    rowsRead: Type.Integer(),
    rowsWritten: Type.Integer(),
    rowsQuarantined: Type.Integer(),
    rowsUpdated: Type.Integer(),
    rowsDeleted: Type.Integer(),
    bytes: Type.Integer(),
    files: Type.Integer(),
    commits: Type.Integer(),
    stateBefore: Nullable(Type.Record(Type.String(), Type.Unknown())),
    stateAfter: Nullable(Type.Record(Type.String(), Type.Unknown())),
    schemaVersion: Nullable(Type.Integer()),
    schemaChanges: Type.Array(Change),
    deltaVersion: Nullable(Type.Integer()),
    landingPath: Nullable(Type.String()),
    error: Nullable(Type.Object({ code: Type.String(), message: Type.String() })),
  },
  { $id: 'Load', description: 'The record of one load: counts, bytes, watermarks, schema changes and outcome' },
);
const IngestBody = Type.Object(
  {
    connection: Type.String({ minLength: 1, description: 'Connection id or name' }),
    stream: Type.String({ minLength: 1 }),
    streamConfig: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    dataset: Type.String({ pattern: '^[a-z][a-z0-9_]*\\.[a-z][a-z0-9_]*$', description: 'e.g. bronze.orders' }),
    options: Type.Optional(Type.Partial(IngestOptionsSchema)),
    wait: Type.Optional(
      Type.Boolean({ description: 'Run the load in this request and answer when it is done (default: queue it)' }),
    ),
  },
  { additionalProperties: false },
);
const errors = {
  ...errorResponses,
  403: Type.Ref('ErrorBody'),
  422: Type.Ref('ErrorBody'),
  503: Type.Ref('ErrorBody'),
};

/** Loads into Bronze: start one (`POST …/ingest`) and read load records (`GET …/loads`). */
export async function ingestRoutes(app: PluginHttpApp, options: { ingest: IngestService }): Promise<void> {
  const { ingest } = options;

  app.post(
    '/workspaces/:ws/ingest',
    {
      config: { access: { permission: 'pipeline:run' } },
      schema: {
        tags: ['ingest'],
        summary: 'Load a stream of a connection into a dataset: queued (202), or run at once with wait=true (200)',
        params: Type.Object({ ws: Workspace }),
        body: IngestBody,
        response: { 200: Load, 202: Load, ...errors },
      },
    },
    async (request, reply) => {
      const { wait, ...body } = request.body;
      const ingestRequest = { ...body, workspace: request.params.ws, actor: request.principal?.id };
      if (wait === true) return reply.code(200).send(await ingest.run(ingestRequest));
      return reply.code(202).send(await ingest.enqueue(ingestRequest));
    },
  );

  app.get(
    '/workspaces/:ws/loads',
    {
      config: { access: { permission: 'dataset:read' } },
      schema: {
        tags: ['ingest'],
        summary: 'Load records, newest first',
        params: Type.Object({ ws: Workspace }),
        querystring: Type.Object({
          dataset: Type.Optional(Type.String()),
          connection: Type.Optional(Type.String()),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, description: 'default 50' })),
          cursor: Type.Optional(Type.String({ description: 'nextCursor of the previous page' })),
        }),
        response: {
          200: Type.Object({ items: Type.Array(Load), nextCursor: Nullable(Type.String()) }),
          ...errors,
        },
      },
    },
    async (request) => {
      const { cursor, dataset, connection } = request.query;
      const limit = request.query.limit ?? 50;
      const items = await ingest.loads.list(request.params.ws, {
        dataset,
        connection,
        limit,
        before: cursor === undefined ? undefined : Buffer.from(cursor, 'base64url').toString('utf8'),
      });
      const last = items.at(-1);
      return {
        items,
        nextCursor:
          items.length === limit && last !== undefined ? Buffer.from(last.startedAt).toString('base64url') : null,
      };
    },
  );

  app.get(
    '/workspaces/:ws/loads/:id',
    {
      config: { access: { permission: 'dataset:read' } },
      schema: {
        tags: ['ingest'],
        summary: 'One load record',
        params: Type.Object({ ws: Workspace, id: Type.String() }),
        response: { 200: Load, ...errors },
      },
    },
    async (request) => ingest.loads.get(request.params.ws, request.params.id),
  );
}

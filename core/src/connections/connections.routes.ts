import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import multipart from '@fastify/multipart';
import { InputError, UserError, type PluginHttpApp } from '@assay/sdk';
import { Type } from 'typebox';
import { errorResponses } from '../http/error-body.ts';
import { uploadsDirOf, type ConnectorDirectories } from './connector-context.ts';
import type { ConnectionService } from './connection-service.ts';
import type { ConnectionStore } from './connection-store.ts';

const Workspace = Type.String({ pattern: '^[a-z][a-z0-9]*(-[a-z0-9]+)*$' });
const WsParams = Type.Object({ ws: Workspace });
const Params = Type.Object({ ws: Workspace, id: Type.String({ minLength: 1, maxLength: 64 }) });
const Connection = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    workspace: Type.String(),
    name: Type.String(),
    type: Type.String(),
    version: Type.Integer(),
    config: Type.Record(Type.String(), Type.Unknown(), {
      description: 'Secret fields appear as {"$secret": "<secret name>"}; values are never returned',
    }),
    description: Type.Union([Type.String(), Type.Null()]),
    createdBy: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Connection' },
);
const CreateBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 63 }),
    type: Type.String({ minLength: 1 }),
    version: Type.Optional(Type.Integer({ minimum: 1 })),
    config: Type.Record(Type.String(), Type.Unknown(), {
      description: 'The connector config; a secret field takes the value or {"$secret": "<workspace secret>"}',
    }),
    description: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);
const UpdateBody = Type.Object(
  {
    config: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), { description: 'Secret fields left out keep their value' }),
    ),
    description: Type.Optional(Type.Union([Type.String({ maxLength: 1000 }), Type.Null()])),
  },
  { additionalProperties: false },
);
const CheckResult = Type.Object({
  ok: Type.Boolean(),
  message: Type.String(),
  code: Type.Optional(Type.String()),
  durationMs: Type.Integer(),
});
const Column = Type.Object({ name: Type.String(), type: Type.String(), nullable: Type.Boolean() });
const Stream = Type.Object({
  name: Type.String(),
  columns: Type.Array(Column),
  primaryKey: Type.Optional(Type.Array(Type.String())),
  cursorFields: Type.Optional(Type.Array(Type.String())),
  sample: Type.Optional(Type.Array(Type.Record(Type.String(), Type.Unknown()))),
  details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});
const Upload = Type.Object({ name: Type.String(), size: Type.Integer(), modifiedAt: Type.String() });
const errors = { ...errorResponses, 403: Type.Ref('ErrorBody'), 422: Type.Ref('ErrorBody') };
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._ -]{0,254}$/;

/**
 * Connections of a workspace: CRUD, `POST …/:id/test` (a diagnosis, never an error status for an unreachable
 * source), `GET …/:id/discover` and file uploads (multipart, streamed to disk, size-limited) that file-based
 * connectors read.
 */
export async function connectionsRoutes(
  app: PluginHttpApp,
  options: {
    store: ConnectionStore;
    service: ConnectionService;
    dirs: ConnectorDirectories;
    uploadMaxBytes: number;
  },
): Promise<void> {
  const { store, service, dirs } = options;
  await app.register(multipart, { limits: { fileSize: options.uploadMaxBytes, files: 20, fields: 0 } });

  app.get(
    '/workspaces/:ws/connections',
    {
      config: { access: { permission: 'connection:read' } },
      schema: {
        tags: ['connections'],
        summary: 'The connections of a workspace',
        params: WsParams,
        response: { 200: Type.Object({ items: Type.Array(Connection) }), ...errors },
      },
    },
    async (request) => ({ items: await store.list(request.params.ws) }),
  );

  app.post(
    '/workspaces/:ws/connections',
    {
      config: { access: { permission: 'connection:edit' } },
      schema: {
        tags: ['connections'],
        summary: 'Create a connection; secret fields are encrypted at rest',
        params: WsParams,
        body: CreateBody,
        response: { 201: Connection, ...errors },
      },
    },
    async (request, reply) => {
      const record = await store.create(request.params.ws, request.body, request.principal?.id);
      return reply.code(201).send(record);
    },
  );

  app.get(
    '/workspaces/:ws/connections/:id',
    {
      config: { access: { permission: 'connection:read' } },
      schema: {
        tags: ['connections'],
        summary: 'A connection by id or name',
        params: Params,
        response: { 200: Connection, ...errors },
      },
    },
    async (request) => store.get(request.params.ws, request.params.id),
  );

  app.put(
    '/workspaces/:ws/connections/:id',
    {
      config: { access: { permission: 'connection:edit' } },
      schema: {
        tags: ['connections'],
        summary: 'Change a connection’s config or description',
        params: Params,
        body: UpdateBody,
        response: { 200: Connection, ...errors },
      },
    },
    async (request) => store.update(request.params.ws, request.params.id, request.body),
  );

  app.delete(
    '/workspaces/:ws/connections/:id',
    {
      config: { access: { permission: 'connection:edit' } },
      schema: {
        tags: ['connections'],
        summary: 'Delete a connection with its secrets and ingest state (load records stay)',
        params: Params,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await store.remove(request.params.ws, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/workspaces/:ws/connections/:id/test',
    {
      config: { access: { permission: 'connection:read' } },
      schema: {
        tags: ['connections'],
        summary: 'Test connectivity: ok, or a precise diagnosis with a stable code',
        params: Params,
        response: { 200: CheckResult, ...errors },
      },
    },
    async (request) => service.test(request.params.ws, request.params.id),
  );

  app.get(
    '/workspaces/:ws/connections/:id/discover',
    {
      config: { access: { permission: 'connection:read' } },
      schema: {
        tags: ['connections'],
        summary: 'The streams a connection can read, with inferred schemas and sample rows',
        params: Params,
        response: { 200: Type.Object({ streams: Type.Array(Stream) }), ...errors, 503: Type.Ref('ErrorBody') },
      },
    },
    async (request) => ({ streams: await service.discover(request.params.ws, request.params.id) }),
  );

  app.get(
    '/workspaces/:ws/connections/:id/uploads',
    {
      config: { access: { permission: 'connection:read' } },
      schema: {
        tags: ['connections'],
        summary: 'Files uploaded to a connection',
        params: Params,
        response: { 200: Type.Object({ items: Type.Array(Upload) }), ...errors },
      },
    },
    async (request) => {
      const record = await store.get(request.params.ws, request.params.id);
      const dir = uploadsDirOf(dirs, record.workspace, record.id);
      const names = await readdir(dir).catch(() => [] as string[]);
      const items = [];
      for (const name of names.filter((n) => FILE_NAME.test(n)).sort()) {
        const info = await stat(join(dir, name));
        if (info.isFile()) items.push({ name, size: info.size, modifiedAt: info.mtime.toISOString() });
      }
      return { items };
    },
  );

  app.post(
    '/workspaces/:ws/connections/:id/uploads',
    {
      config: { access: { permission: 'connection:edit' } },
      schema: {
        tags: ['connections'],
        summary: 'Upload files (multipart/form-data) for the connection to read; a file of the same name is replaced',
        params: Params,
        consumes: ['multipart/form-data'],
        response: { 201: Type.Object({ items: Type.Array(Upload) }), ...errors, 413: Type.Ref('ErrorBody') },
      },
    },
    async (request, reply) => {
      const record = await store.get(request.params.ws, request.params.id);
      if (!request.isMultipart()) {
        throw new InputError('Send the files as multipart/form-data', { code: 'UPLOAD_NOT_MULTIPART' });
      }
      const dir = uploadsDirOf(dirs, record.workspace, record.id);
      await mkdir(dir, { recursive: true });
      const items = [];
      for await (const part of request.files()) {
        const name = part.filename;
        if (!FILE_NAME.test(name)) {
          part.file.resume();
          throw new InputError(
            `File name "${name}" is not allowed: use letters, digits, ".", "_", "-" and spaces, no directories`,
            { code: 'UPLOAD_NAME_INVALID' },
          );
        }
        // Written under a temporary name and renamed when complete, so a reader never sees half a file.
        const partial = join(dir, `.${randomUUID()}.partial`);
        try {
          await pipeline(part.file, createWriteStream(partial, { flags: 'wx' }));
          if (part.file.truncated) {
            throw new UserError(
              `File "${name}" is larger than the upload limit of ${Math.round(options.uploadMaxBytes / 1024 ** 2)} MB`,
              { code: 'UPLOAD_TOO_LARGE', status: 413 },
            );
          }
          await rename(partial, join(dir, name));
        } finally {
          await rm(partial, { force: true });
        }
        const info = await stat(join(dir, name));
        items.push({ name, size: info.size, modifiedAt: info.mtime.toISOString() });
      }
      if (items.length === 0) throw new InputError('The request holds no file', { code: 'UPLOAD_EMPTY' });
      return reply.code(201).send({ items });
    },
  );
}

import { Type } from 'typebox';
import { errorResponses } from '../http/error-body.ts';
import { LastRunSchema } from './stats/stats-schemas.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

/** Versions are int4 in the database: a larger number is a 400, never a database error. */
const VERSION_MAX = 2_147_483_647;

export const Workspace = Type.String({ pattern: '^[a-z][a-z0-9]*(-[a-z0-9]+)*$' });
export const WsParams = Type.Object({ ws: Workspace });
export const NameParams = Type.Object({ ws: Workspace, name: Type.String({ minLength: 1, maxLength: 100 }) });
export const VersionParams = Type.Object({
  ws: Workspace,
  name: Type.String({ minLength: 1, maxLength: 100 }),
  version: Type.Integer({ minimum: 1, maximum: VERSION_MAX }),
});

/** A document as JSON; its schema is `PipelineDocumentSchema` / `ConnectionDocumentSchema` (docs/pipelines.md). */
export const DocumentJson = Type.Record(Type.String(), Type.Unknown(), {
  description: 'An apiVersion: assay.dev/v1 document (kind Pipeline or Connection)',
});
const Message = Type.String({ maxLength: 2000, description: 'Why: recorded with the version' });
const DocumentText = Type.String({ maxLength: 5_000_000 });

export const Problem = Type.Object(
  {
    code: Type.String(),
    message: Type.String(),
    path: Type.String({ description: 'spec.jobs[2].config.write.key; empty for the whole document' }),
    file: Type.Optional(Type.String()),
    line: Type.Optional(Type.Integer()),
    column: Type.Optional(Type.Integer()),
  },
  { $id: 'DocumentProblem' },
);

export const Graph = Type.Object(
  {
    jobs: Type.Array(
      Type.Object({ id: Type.String(), upstream: Type.Array(Type.String()), downstream: Type.Array(Type.String()) }),
    ),
    order: Type.Array(Type.String(), { description: 'Topological order: the order runs start jobs in' }),
  },
  { $id: 'PipelineGraph' },
);

export const PipelineSummary = Type.Object({
  name: Type.String(),
  description: Nullable(Type.String()),
  currentVersion: Type.Integer(),
  schedule: Nullable(Type.Object({ cron: Type.String(), timezone: Type.Optional(Type.String()) })),
  paused: Type.Boolean({ description: 'schedule and triggers paused (POST …/pipelines/:name/pause)' }),
  jobCount: Type.Integer(),
  createdBy: Nullable(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  lastRun: LastRunSchema,
});

export const VersionSummary = Type.Object({
  version: Type.Integer(),
  hash: Type.String({ description: 'sha256 of the canonical document' }),
  author: Nullable(Type.String()),
  message: Nullable(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
});

export const VersionDetail = Type.Object({
  ...VersionSummary.properties,
  pipeline: Type.String(),
  document: DocumentJson,
  diff: Type.Array(Type.String(), { description: 'Changes against the previous version' }),
});

export const PipelineDetail = Type.Object(
  {
    ...PipelineSummary.properties,
    version: VersionSummary,
    document: DocumentJson,
    graph: Graph,
  },
  { $id: 'Pipeline' },
);

export const SaveResponse = Type.Object({
  name: Type.String(),
  version: VersionSummary,
  changed: Type.Boolean({ description: 'false when the document equals the current version: nothing was saved' }),
  diff: Type.Array(Type.String(), { description: 'Changes against the version this one replaced' }),
  graph: Graph,
});

export const PipelineBody = Type.Object(
  {
    document: Type.Optional(DocumentJson),
    yaml: Type.Optional(DocumentText),
    message: Type.Optional(Message),
  },
  { additionalProperties: false, description: 'Either document or yaml' },
);

export const ValidateBody = Type.Object(
  { document: Type.Optional(DocumentJson), yaml: Type.Optional(DocumentText) },
  { additionalProperties: false, description: 'Either document or yaml' },
);

export const ValidateResponse = Type.Object({
  valid: Type.Boolean(),
  problems: Type.Array(Problem),
  graph: Type.Optional(Graph),
  document: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'As it would be stored' })),
});

export const RollbackBody = Type.Object(
  { version: Type.Integer({ minimum: 1, maximum: VERSION_MAX }), message: Type.Optional(Message) },
  { additionalProperties: false },
);

export const DiffQuery = Type.Object({
  from: Type.Optional(
    Type.Integer({ minimum: 1, maximum: VERSION_MAX, description: 'default: the version before `to`' }),
  ),
  to: Type.Optional(Type.Integer({ minimum: 1, maximum: VERSION_MAX, description: 'default: the current version' })),
});

export const DiffResponse = Type.Object({
  from: Type.Integer(),
  to: Type.Integer(),
  changes: Type.Array(
    Type.Object({
      op: Type.Union([Type.Literal('add'), Type.Literal('remove'), Type.Literal('change')]),
      path: Type.String(),
      before: Type.Optional(Type.Unknown()),
      after: Type.Optional(Type.Unknown()),
    }),
  ),
  lines: Type.Array(Type.String(), { description: 'One line per change, as the CLI prints them' }),
});

export const PageQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, description: 'default 50' })),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page' })),
});

export const ApplyBody = Type.Object(
  {
    files: Type.Optional(
      Type.Array(
        Type.Object(
          { path: Type.String({ minLength: 1, maxLength: 1000 }), text: DocumentText },
          { additionalProperties: false },
        ),
        { maxItems: 1000, description: 'Document files: YAML (--- between documents) or .json' },
      ),
    ),
    documents: Type.Optional(Type.Array(DocumentJson, { maxItems: 1000 })),
    prune: Type.Optional(Type.Boolean({ description: 'Delete pipelines and connections no document names' })),
    dryRun: Type.Optional(Type.Boolean({ description: 'Plan only' })),
    message: Type.Optional(Message),
  },
  { additionalProperties: false, description: 'files or documents (or both)' },
);

export const ApplyResponse = Type.Object({
  plan: Type.Array(
    Type.Object({
      kind: Type.Union([Type.Literal('Pipeline'), Type.Literal('Connection')]),
      name: Type.String(),
      action: Type.Union(['create', 'update', 'delete', 'unchanged'].map((a) => Type.Literal(a))),
      diff: Type.Array(Type.String()),
    }),
  ),
  applied: Type.Boolean({ description: 'Whether changes were written: false for a dry run or when nothing changed' }),
});

export const ExportQuery = Type.Object({
  format: Type.Optional(Type.Union([Type.Literal('yaml'), Type.Literal('json')], { description: 'default yaml' })),
});

export const ExportResponse = Type.Object({
  yaml: Type.Optional(Type.String({ description: 'The documents, --- between them' })),
  documents: Type.Optional(Type.Array(DocumentJson)),
  omitted: Type.Array(Type.String(), {
    description: 'Kinds left out because the caller may not read them (Connection without connection:read)',
  }),
});

export const pipelineErrors = { ...errorResponses, 403: Type.Ref('ErrorBody') };

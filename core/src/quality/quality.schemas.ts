import { Type, type TSchema } from 'typebox';

export const DatasetParams = Type.Object({
  ws: Type.String({ pattern: '^[a-z][a-z0-9]*(-[a-z0-9]+)*$' }),
  layer: Type.String({ pattern: '^[a-z][a-z0-9_]*$' }),
  name: Type.String({ pattern: '^[a-z][a-z0-9_]*$' }),
});

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const CheckResultSchema = Type.Object({
  checkId: Type.String(),
  checkType: Type.String(),
  kind: Type.String({ description: 'row or aggregate' }),
  action: Type.String(),
  weight: Type.Number(),
  status: Type.String({
    description: 'passed, or what the action did: warned, dropped, quarantined, fixed, failed, gated, rolled_back',
  }),
  passed: Type.Boolean(),
  checked: Type.Integer(),
  failing: Type.Integer(),
  failingPercent: Type.Number(),
  observed: Nullable(Type.Number()),
  baseline: Nullable(Type.Number()),
  note: Nullable(Type.String()),
  sample: Type.Array(Type.Record(Type.String(), Type.Unknown()), {
    description: 'Failing rows, masked as the caller sees the dataset',
  }),
  durationMs: Type.Integer(),
  version: Nullable(Type.Integer({ description: 'The Delta version the result judged; null when nothing committed' })),
  pipeline: Nullable(Type.String()),
  jobId: Nullable(Type.String()),
  runId: Nullable(Type.String()),
  partition: Nullable(Type.String()),
  observedAt: Type.String({ format: 'date-time' }),
});

export const ScorePointSchema = Type.Object({
  runId: Nullable(Type.String()),
  partition: Nullable(Type.String()),
  at: Type.String({ format: 'date-time' }),
  score: Type.Number({ minimum: 0, maximum: 100 }),
  passed: Type.Integer(),
  failed: Type.Integer(),
});

export const DatasetQualitySchema = Type.Object({
  dataset: Type.String(),
  publishedVersion: Nullable(Type.Integer({ description: 'What readers see; null while the only versions are held' })),
  latestVersion: Nullable(Type.Integer()),
  held: Nullable(
    Type.Object({ version: Type.Integer(), checks: Type.Array(Type.String()), runId: Nullable(Type.String()) }),
  ),
  score: Nullable(Type.Number({ description: "The latest run's score, 0..100; null before any check ran" })),
  scores: Type.Array(ScorePointSchema, { description: 'Score per run, newest first' }),
  checks: Type.Array(CheckResultSchema, { description: 'The latest result of each check' }),
  openIncidents: Type.Integer(),
});

const IncidentState = Type.Union([Type.Literal('open'), Type.Literal('acknowledged'), Type.Literal('resolved')]);

export const IncidentSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  dataset: Type.String(),
  checkId: Type.String(),
  checkType: Type.String(),
  action: Type.String(),
  state: IncidentState,
  count: Type.Integer({ description: 'Failing runs the incident absorbed' }),
  pipeline: Nullable(Type.String()),
  jobId: Nullable(Type.String()),
  firstRunId: Nullable(Type.String()),
  lastRunId: Nullable(Type.String()),
  lastResult: Type.Record(Type.String(), Type.Unknown()),
  assignee: Nullable(Type.String()),
  openedAt: Type.String({ format: 'date-time' }),
  lastSeenAt: Type.String({ format: 'date-time' }),
  acknowledgedAt: Nullable(Type.String({ format: 'date-time' })),
  acknowledgedBy: Nullable(Type.String()),
  resolvedAt: Nullable(Type.String({ format: 'date-time' })),
  resolvedBy: Nullable(Type.String()),
});

export const IncidentNoteSchema = Type.Object({
  id: Type.String(),
  author: Nullable(Type.String()),
  text: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
});

export { IncidentState };

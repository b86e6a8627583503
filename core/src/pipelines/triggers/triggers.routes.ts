import type { PluginHttpApp } from '@assay/sdk';
import { Type } from 'typebox';
import { errorResponses } from '../../http/error-body.ts';
import type { PipelineTriggers } from './pipeline-triggers.ts';

const Params = Type.Object({
  ws: Type.String({ pattern: '^[a-z][a-z0-9]*(-[a-z0-9]+)*$' }),
  name: Type.String({ minLength: 1, maxLength: 100 }),
});
const TriggerStatus = Type.Object(
  {
    pipeline: Type.String(),
    paused: Type.Boolean(),
    pausedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    pausedBy: Type.Union([Type.String(), Type.Null()]),
    schedule: Type.Union([
      Type.Object({
        cron: Type.String(),
        timezone: Type.String(),
        next: Type.Array(Type.String({ format: 'date-time' }), {
          description: 'the next occurrences (none when paused)',
        }),
      }),
      Type.Null(),
    ]),
    triggers: Type.Array(
      Type.Object({
        type: Type.String(),
        pipeline: Type.Optional(Type.String()),
        connection: Type.Optional(Type.String()),
        stream: Type.Optional(Type.String()),
        pollSeconds: Type.Optional(Type.Integer()),
        lastCheckedAt: Type.Optional(Type.String({ format: 'date-time' })),
        lastNewFiles: Type.Optional(Type.Integer()),
        lastError: Type.Optional(Type.String()),
      }),
    ),
  },
  { $id: 'TriggerStatus' },
);
const errors = { ...errorResponses, 403: Type.Ref('ErrorBody'), 404: Type.Ref('ErrorBody') };

/** A pipeline's schedule and triggers: their state, the next occurrences, and pausing/resuming them. */
export async function triggersRoutes(app: PluginHttpApp, options: { triggers: PipelineTriggers }): Promise<void> {
  const { triggers } = options;
  app.addSchema(TriggerStatus);

  app.get(
    '/workspaces/:ws/pipelines/:name/triggers',
    {
      config: { access: { permission: 'pipeline:read' } },
      schema: {
        tags: ['pipelines'],
        summary: "A pipeline's schedule (with its next occurrences) and triggers, and whether they are paused",
        params: Params,
        response: { 200: Type.Ref('TriggerStatus'), ...errors },
      },
    },
    async (request) => triggers.status(request.params.ws, request.params.name),
  );

  app.post(
    '/workspaces/:ws/pipelines/:name/pause',
    {
      config: { access: { permission: 'pipeline:run' } },
      schema: {
        tags: ['pipelines'],
        summary: 'Pause the schedule and triggers of a pipeline (manual and API runs still start)',
        params: Params,
        response: { 200: Type.Ref('TriggerStatus'), ...errors },
      },
    },
    async (request) => triggers.pause(request.params.ws, request.params.name, request.principal?.id),
  );

  app.post(
    '/workspaces/:ws/pipelines/:name/resume',
    {
      config: { access: { permission: 'pipeline:run' } },
      schema: {
        tags: ['pipelines'],
        summary: 'Resume the schedule and triggers of a paused pipeline',
        params: Params,
        response: { 200: Type.Ref('TriggerStatus'), ...errors },
      },
    },
    async (request) => triggers.resume(request.params.ws, request.params.name),
  );
}

import type { PluginHttpApp, Principal } from '@assay/sdk';
import { describeJobError } from '../queue/job-handler.ts';
import type { RunTrigger } from './runs/run-records.ts';
import {
  JobLogParams,
  JobRunSchema,
  ListRunsQuery,
  LogLineSchema,
  LogsQuery,
  PipelineRunParams,
  RunParams,
  RunSchema,
  RunWithJobsSchema,
  StartRunBody,
  WsOnly,
  runErrors as errors,
} from './runs/run-schemas.ts';
import type { RunService } from './runs/run-service.ts';
import type { RunStreamEvent } from './runs/run-stream.ts';
import { Type } from 'typebox';

const READ = { access: { permission: 'pipeline:read' } } as const;
const RUN = { access: { permission: 'pipeline:run' } } as const;
const tags = ['runs'];
const PING_MS = 15_000;

/** A person in the portal runs `manual`ly; a token (CLI, CI, scripts) runs through the `api`. */
function triggerOf(principal: Principal | undefined): RunTrigger {
  return principal?.via === 'session' ? 'manual' : 'api';
}

/**
 * Pipeline runs of a workspace: start (`pipeline:run`), list, show, job logs and the live event stream
 * (`pipeline:read`), cancel and resume (`pipeline:run`).
 */
export async function runsRoutes(app: PluginHttpApp, options: { runs: RunService }): Promise<void> {
  const { runs } = options;
  app.addSchema(JobRunSchema);

  app.post(
    '/workspaces/:ws/pipelines/:name/runs',
    {
      config: RUN,
      schema: {
        tags,
        summary: 'Run a pipeline (its current version unless told), or a subset of its jobs: queued (202)',
        description:
          'Jobs start as their upstream jobs succeed. 409 RUN_ALREADY_ACTIVE while another run of the pipeline is ' +
          'active (unless spec.concurrency.allowOverlap); 422 OPERATOR_NOT_FOUND when a job’s operator is not ' +
          'installed. With wait=true the answer comes when the run has finished.',
        params: PipelineRunParams,
        body: StartRunBody,
        response: { 200: RunWithJobsSchema, 202: RunWithJobsSchema, ...errors },
      },
    },
    async (request, reply) => {
      const { ws, name } = request.params;
      const { version, select, wait } = request.body;
      const run = await runs.startRun({
        workspace: ws,
        pipeline: name,
        version,
        select,
        trigger: triggerOf(request.principal),
        actor: request.principal?.id,
      });
      if (wait !== true) return reply.code(202).send(run);
      const gone = new AbortController();
      request.raw.once('close', () => gone.abort());
      await runs.watch(ws, run.id, () => undefined, gone.signal);
      return reply.code(200).send(await runs.get(ws, run.id));
    },
  );

  app.get(
    '/workspaces/:ws/runs',
    {
      config: READ,
      schema: {
        tags,
        summary: 'Runs of the workspace, newest first; filter by pipeline and status',
        params: WsOnly,
        querystring: ListRunsQuery,
        response: {
          200: Type.Object({ items: Type.Array(RunSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) }),
          ...errors,
        },
      },
    },
    async (request) =>
      runs.list(request.params.ws, {
        pipeline: request.query.pipeline,
        status: request.query.status,
        limit: request.query.limit ?? 50,
        cursor: request.query.cursor,
      }),
  );

  app.get(
    '/workspaces/:ws/runs/:id',
    {
      config: READ,
      schema: {
        tags,
        summary: 'A run with its job runs: status, attempts, timings, rows, Delta versions, errors, log excerpts',
        params: RunParams,
        response: { 200: RunWithJobsSchema, ...errors },
      },
    },
    async (request) => runs.get(request.params.ws, request.params.id),
  );

  app.get(
    '/workspaces/:ws/runs/:id/jobs/:jobId/logs',
    {
      config: READ,
      schema: {
        tags,
        summary: 'Log lines of a job run (every attempt, or one), oldest first',
        params: JobLogParams,
        querystring: LogsQuery,
        response: {
          200: Type.Object({
            items: Type.Array(LogLineSchema),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errors,
        },
      },
    },
    async (request) =>
      runs.logs(request.params.ws, request.params.id, request.params.jobId, {
        limit: request.query.limit ?? 200,
        cursor: request.query.cursor,
        attempt: request.query.attempt,
        partition: request.query.partition,
      }),
  );

  app.post(
    '/workspaces/:ws/runs/:id/cancel',
    {
      config: RUN,
      schema: {
        tags,
        summary: 'Cancel a run: waiting jobs at once, running ones are interrupted (the run is cancelling until then)',
        description: '409 RUN_FINISHED for a run that has already finished; cancelling twice changes nothing.',
        params: RunParams,
        response: { 200: RunWithJobsSchema, ...errors },
      },
    },
    async (request) => runs.cancel(request.params.ws, request.params.id),
  );

  app.post(
    '/workspaces/:ws/runs/:id/resume',
    {
      config: RUN,
      schema: {
        tags,
        summary: 'Resume a failed or cancelled run: a new run of the same version with the jobs that did not succeed',
        description: '409 RUN_NOT_RESUMABLE for a run still active or one that succeeded.',
        params: RunParams,
        response: { 202: RunWithJobsSchema, ...errors },
      },
    },
    async (request, reply) =>
      reply.code(202).send(
        await runs.resume(request.params.ws, request.params.id, {
          actor: request.principal?.id,
          trigger: triggerOf(request.principal),
        }),
      ),
  );

  app.get(
    '/workspaces/:ws/runs/:id/events',
    {
      config: READ,
      schema: {
        tags,
        summary: 'Live events of a run (server-sent events), from its current state until it finishes',
        description:
          'A text/event-stream. Events: `run` (the run, without jobs: first, and at each status change), `job` (a ' +
          'job run: at the start and whenever its status, attempt, counts or error change), `progress` ({jobId, ' +
          'done, total}), `log` ({jobId, attempt, at, level, message}), and `end` ({status}) after the run ' +
          'finished, when the server closes the stream (EventSource clients should close on it). `error` ' +
          '({code, message}) if the stream fails. Comment lines keep idle connections alive.',
        params: RunParams,
        response: {
          200: {
            description: 'The event stream',
            content: { 'text/event-stream': { schema: Type.String() } },
          },
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const { ws, id } = request.params;
      await runs.get(ws, id);
      reply.hijack();
      const out = reply.raw;
      out.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-request-id': request.id,
      });
      const gone = new AbortController();
      out.once('close', () => gone.abort());
      let sequence = 0;
      const send = (event: RunStreamEvent | { type: 'error'; data: unknown }) => {
        if (!out.writableEnded)
          out.write(`id: ${++sequence}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`);
      };
      const ping = setInterval(() => out.writableEnded || out.write(': ping\n\n'), PING_MS);
      try {
        await runs.watch(ws, id, send, gone.signal);
      } catch (error) {
        const { code, message } = describeJobError(error);
        request.log.warn({ err: error, runId: id }, 'run event stream failed');
        send({ type: 'error', data: { code, message } });
      } finally {
        clearInterval(ping);
        out.end();
      }
    },
  );
}

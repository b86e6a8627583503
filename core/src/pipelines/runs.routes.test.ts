import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { createContainer } from 'awilix';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createAuditLog } from '../audit/audit-log.ts';
import { createHttpServer, type AssayHttpServer } from '../http/http-server.ts';
import { testLogger, waitUntil } from '../queue/queue-test-kit.ts';
import { startCoreTestPlatform } from '../testing/test-platform.ts';
import { runsRoutes } from './runs.routes.ts';
import { ExecutionRecorder, startRunsProcess, testPipeline, type RunsProcess } from './runs/runs-test-kit.ts';
import { createPipelineStore } from './store/pipeline-store.ts';

const WS = 'runs-api';
let platform: Awaited<ReturnType<typeof startCoreTestPlatform>>;
let worker: RunsProcess;
let app: AssayHttpServer;
let address: string;
let viewerToken: string;
const recorder = new ExecutionRecorder();

before(async () => {
  platform = await startCoreTestPlatform({ worker: false });
  await platform.createWorkspace(WS);
  viewerToken = (await platform.createMember({ workspace: WS, role: 'viewer' })).token;
  worker = await startRunsProcess(
    { databaseUrl: platform.databaseUrl, home: platform.platform.config.home, recorder, logger: testLogger() },
    { sweepIntervalMs: 300 },
  );
  const { identity } = platform.platform;
  app = await createHttpServer({
    logger: pino({ level: 'silent' }),
    version: '0.0.0-test',
    metrics: new Registry(),
    container: createContainer(),
    readiness: [],
    isDraining: () => false,
    access: { authenticator: identity.authenticator, access: identity.access, workspaces: identity.workspaces },
    audit: createAuditLog({ db: platform.db }),
  });
  await app.register(runsRoutes, { prefix: '/api/v1', runs: worker.runs });
  address = await app.listen({ port: 0, host: '127.0.0.1' });
  const store = createPipelineStore({ db: platform.db });
  const save = (name: string, jobs: Parameters<typeof testPipeline>[1], spec = {}) =>
    store.save(WS, testPipeline(name, jobs, spec), { author: 'test' });
  await save('daily', [
    { id: 'load', step: { lines: 3, ms: 100 } },
    { id: 'model', dependsOn: ['load'], step: { gate: 'model', ms: 100 } },
  ]);
  await save('held', [
    { id: 'hold', step: { gate: 'held' } },
    { id: 'after', dependsOn: ['hold'] },
  ]);
  await save('broken', [{ id: 'boom', step: { failTimes: 9, failClass: 'user', code: 'BAD_INPUT' } }]);
});
after(async () => {
  await app?.close();
  await worker?.stop();
  await platform?.close();
});

const call = (options: { method?: string; url: string; payload?: object; token?: string }) =>
  app.inject({
    method: (options.method ?? 'GET') as 'GET',
    url: `/api/v1/workspaces/${WS}${options.url}`,
    ...(options.payload === undefined ? {} : { payload: options.payload }),
    headers: { authorization: `Bearer ${options.token ?? platform.adminToken}` },
  });

interface StreamEvent {
  event: string;
  data: Record<string, unknown>;
}

/** Reads a run's SSE stream until the server closes it (or `until` holds, then the client hangs up). */
function readEvents(
  runId: string,
  options: { until?: (events: StreamEvent[]) => boolean } = {},
): Promise<{ events: StreamEvent[]; response: IncomingMessage; ended: boolean }> {
  return new Promise((resolve, reject) => {
    const events: StreamEvent[] = [];
    const request = httpRequest(`${address}/api/v1/workspaces/${WS}/runs/${runId}/events`, {
      headers: { authorization: `Bearer ${platform.adminToken}`, accept: 'text/event-stream' },
    });
    request.on('response', (response) => {
      let buffer = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event !== undefined && data !== undefined) events.push({ event, data: JSON.parse(data) });
        }
        if (options.until?.(events)) {
          request.destroy();
          resolve({ events, response, ended: false });
        }
      });
      response.on('end', () => resolve({ events, response, ended: true }));
    });
    request.on('error', (error) => (options.until === undefined ? reject(error) : undefined));
    request.end();
  });
}

describe('runs API', () => {
  test('start, show, list, logs; a viewer reads but may not run', async () => {
    const started = await call({ method: 'POST', url: '/pipelines/daily/runs', payload: {} });
    assert.equal(started.statusCode, 202, started.body);
    const run = started.json();
    assert.equal(run.trigger, 'api');
    assert.equal(run.status, 'queued');
    assert.deepEqual(
      run.jobs.map((job: { jobId: string; status: string }) => [job.jobId, job.status]),
      [
        ['load', 'queued'],
        ['model', 'pending'],
      ],
    );
    const again = await call({ method: 'POST', url: '/pipelines/daily/runs', payload: {} });
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().error.code, 'RUN_ALREADY_ACTIVE');
    assert.equal(again.json().error.details.activeRun, run.id);

    const denied = await call({ method: 'POST', url: '/pipelines/daily/runs', payload: {}, token: viewerToken });
    assert.equal(denied.statusCode, 403);

    recorder.open('model');
    await waitUntil(
      'the run finished',
      async () => (await call({ url: `/runs/${run.id}` })).json().status === 'succeeded',
    );
    const shown = await call({ url: `/runs/${run.id}`, token: viewerToken });
    assert.equal(shown.statusCode, 200, shown.body);
    const body = shown.json();
    assert.deepEqual(body.jobCounts, { succeeded: 2 });
    assert.equal(body.jobs[0].rowsWritten, 1);
    assert.match(body.jobs[0].logExcerpt, /line 3 of load/);

    const listed = await call({ url: '/runs?pipeline=daily&status=succeeded&limit=1' });
    assert.equal(listed.statusCode, 200, listed.body);
    assert.deepEqual(
      listed.json().items.map((item: { id: string }) => item.id),
      [run.id],
    );
    assert.equal(listed.json().items[0].jobs, undefined, 'lists carry counts, not job runs');

    const logs = await call({ url: `/runs/${run.id}/jobs/load/logs?limit=2` });
    assert.equal(logs.statusCode, 200, logs.body);
    assert.equal(logs.json().items.length, 2);
    const rest = await call({ url: `/runs/${run.id}/jobs/load/logs?cursor=${logs.json().nextCursor}` });
    assert.deepEqual(
      rest.json().items.map((line: { message: string }) => line.message),
      ['line 2 of load', 'line 3 of load', 'job succeeded'],
    );
    assert.equal((await call({ url: `/runs/${run.id}/jobs/nope/logs` })).json().error.code, 'JOB_RUN_NOT_FOUND');
  });

  test('cancel, resume and the errors a client branches on', async () => {
    const started = (await call({ method: 'POST', url: '/pipelines/held/runs', payload: {} })).json();
    await waitUntil('hold runs', () => recorder.of('hold', started.id).length > 0);
    const cancelled = await call({ method: 'POST', url: `/runs/${started.id}/cancel` });
    assert.equal(cancelled.statusCode, 200, cancelled.body);
    assert.ok(['cancelling', 'cancelled'].includes(cancelled.json().status));
    await waitUntil(
      'cancelled',
      async () => (await call({ url: `/runs/${started.id}` })).json().status === 'cancelled',
    );
    const finished = await call({ method: 'POST', url: `/runs/${started.id}/cancel` });
    assert.equal(finished.statusCode, 409);
    assert.equal(finished.json().error.code, 'RUN_FINISHED');

    recorder.open('held');
    const resumed = await call({ method: 'POST', url: `/runs/${started.id}/resume` });
    assert.equal(resumed.statusCode, 202, resumed.body);
    assert.equal(resumed.json().resumedFrom, started.id);
    assert.deepEqual(
      resumed.json().jobs.map((job: { jobId: string }) => job.jobId),
      ['hold', 'after'],
    );

    const missing = await call({ url: '/runs/00000000-0000-4000-8000-000000000000' });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error.code, 'RUN_NOT_FOUND');
    assert.equal((await call({ url: '/runs/not-a-uuid' })).json().error.code, 'RUN_NOT_FOUND');
    const unknownJob = await call({
      method: 'POST',
      url: '/pipelines/held/runs',
      payload: { select: { job: 'ghost', direction: 'only' } },
    });
    assert.equal(unknownJob.json().error.code, 'PIPELINE_JOB_NOT_FOUND');
    const badBody = await call({ method: 'POST', url: '/pipelines/held/runs', payload: { select: { job: 'hold' } } });
    assert.equal(badBody.statusCode, 400);
    const noPipeline = await call({ method: 'POST', url: '/pipelines/absent/runs', payload: {} });
    assert.equal(noPipeline.json().error.code, 'PIPELINE_NOT_FOUND');
    const badCursor = await call({ url: '/runs?cursor=nope' });
    assert.equal(badCursor.json().error.code, 'CURSOR_INVALID');
    await waitUntil(
      'resumed finished',
      async () => (await call({ url: `/runs/${resumed.json().id}` })).json().status === 'succeeded',
    );
  });

  test('wait=true answers when the run has finished', async () => {
    const response = await call({ method: 'POST', url: '/pipelines/broken/runs', payload: { wait: true } });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.json().status, 'failed');
    assert.equal(response.json().error.code, 'BAD_INPUT');
    assert.equal(response.json().error.job, 'boom');
  });

  test('the event stream starts with the state, follows jobs, progress and logs in order, and ends', async () => {
    const started = (await call({ method: 'POST', url: '/pipelines/daily/runs', payload: {} })).json();
    const { events, response, ended } = await readEvents(started.id);
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^text\/event-stream/);
    assert.ok(ended, 'the server closes the stream');
    assert.equal(events[0]!.event, 'run');
    assert.equal(events.at(-1)!.event, 'end');
    assert.deepEqual(events.at(-1)!.data, { status: 'succeeded' });
    const runEvents = events.filter((e) => e.event === 'run').map((e) => e.data.status);
    assert.equal(runEvents.at(-1), 'succeeded');
    const jobStatuses = (id: string) =>
      events.filter((e) => e.event === 'job' && e.data.jobId === id).map((e) => e.data.status);
    const load = jobStatuses('load');
    assert.equal(load.at(-1), 'succeeded');
    assert.deepEqual([...new Set(load)], load, 'each change once');
    assert.deepEqual(
      jobStatuses('model').filter((status) => status !== 'running'),
      ['pending', 'queued', 'succeeded'].filter((status) => jobStatuses('model').includes(status)),
    );
    const lines = events.filter((e) => e.event === 'log' && e.data.jobId === 'load').map((e) => e.data.message);
    assert.deepEqual(
      lines.filter((line) => /^line/.test(String(line))),
      ['line 1 of load', 'line 2 of load', 'line 3 of load'],
    );
    assert.ok(
      events.some((e) => e.event === 'progress'),
      'progress is reported',
    );
    const succeededAt = events.findIndex(
      (e) => e.event === 'job' && e.data.jobId === 'load' && e.data.status === 'succeeded',
    );
    const lastLoadLog = events.findLastIndex((e) => e.event === 'log' && e.data.jobId === 'load');
    assert.ok(lastLoadLog < succeededAt, 'a job’s log lines come before its end');

    const replay = await readEvents(started.id);
    assert.deepEqual(
      replay.events.slice(0, 1).map((e) => [e.event, e.data.status]),
      [['run', 'succeeded']],
      'a finished run streams its final state and ends',
    );
    assert.equal(replay.events.at(-1)!.event, 'end');
  });

  test('a client that goes away ends its stream; a stranger cannot open one', async () => {
    const started = (await call({ method: 'POST', url: '/pipelines/held/runs', payload: {} })).json();
    recorder.open('held');
    const partial = await readEvents(started.id, { until: (events) => events.length >= 2 });
    assert.equal(partial.ended, false);
    assert.equal(partial.events[0]!.event, 'run');
    const anonymous = await app.inject({ url: `/api/v1/workspaces/${WS}/runs/${started.id}/events` });
    assert.equal(anonymous.statusCode, 401);
    const missing = await app.inject({
      url: `/api/v1/workspaces/${WS}/runs/00000000-0000-4000-8000-000000000000/events`,
      headers: { authorization: `Bearer ${platform.adminToken}` },
    });
    assert.equal(missing.statusCode, 404);
    await waitUntil(
      'held finished',
      async () => (await call({ url: `/runs/${started.id}` })).json().status === 'succeeded',
    );
  });

  test('the OpenAPI document describes every route, the event stream as text/event-stream', async () => {
    const document = (await app.inject({ url: '/api/docs/json' })).json();
    const paths = Object.keys(document.paths).filter((path) => path.includes('/runs'));
    assert.deepEqual(paths.sort(), [
      '/api/v1/workspaces/{ws}/pipelines/{name}/runs',
      '/api/v1/workspaces/{ws}/runs',
      '/api/v1/workspaces/{ws}/runs/{id}',
      '/api/v1/workspaces/{ws}/runs/{id}/cancel',
      '/api/v1/workspaces/{ws}/runs/{id}/events',
      '/api/v1/workspaces/{ws}/runs/{id}/jobs/{jobId}/logs',
      '/api/v1/workspaces/{ws}/runs/{id}/resume',
    ]);
    const events = document.paths['/api/v1/workspaces/{ws}/runs/{id}/events'].get;
    assert.ok(events.responses['200'].content['text/event-stream'], JSON.stringify(events.responses['200']));
    const show = document.paths['/api/v1/workspaces/{ws}/runs/{id}'].get;
    assert.ok(show.responses['200'].content['application/json'].schema);
  });
});

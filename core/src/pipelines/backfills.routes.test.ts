import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createContainer } from 'awilix';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createAuditLog } from '../audit/audit-log.ts';
import { createHttpServer, type AssayHttpServer } from '../http/http-server.ts';
import { testLogger, waitUntil } from '../queue/queue-test-kit.ts';
import { startCoreTestPlatform } from '../testing/test-platform.ts';
import { backfillsRoutes } from './backfills.routes.ts';
import { ExecutionRecorder, startRunsProcess, testPipeline, type RunsProcess } from './runs/runs-test-kit.ts';
import { createPipelineStore } from './store/pipeline-store.ts';

const WS = 'backfills-api';
let platform: Awaited<ReturnType<typeof startCoreTestPlatform>>;
let worker: RunsProcess;
let app: AssayHttpServer;
let viewerToken: string;

before(async () => {
  platform = await startCoreTestPlatform({ worker: false });
  await platform.createWorkspace(WS);
  viewerToken = (await platform.createMember({ workspace: WS, role: 'viewer' })).token;
  worker = await startRunsProcess(
    {
      databaseUrl: platform.databaseUrl,
      home: platform.platform.config.home,
      recorder: new ExecutionRecorder(),
      logger: testLogger(),
    },
    { sweepIntervalMs: 300, backfillConfirmAbove: 5 },
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
  await app.register(backfillsRoutes, { prefix: '/api/v1', runs: worker.runs });
  await app.ready();
  const store = createPipelineStore({ db: platform.db });
  // test-step cannot compute partitions: a document saved around validation shows what the worker then does.
  await store.save(
    WS,
    testPipeline('by-day', [{ id: 'daily', output: 'silver.daily', partitions: { column: 'day' } }]),
    {
      author: 'test',
    },
  );
  await store.save(WS, testPipeline('whole', [{ id: 'only' }]), { author: 'test' });
});
after(async () => {
  await app?.close();
  await worker?.stop();
  await platform?.close();
});

const preview = (pipeline: string, query: Record<string, string>, token = platform.adminToken) =>
  app.inject({
    method: 'GET',
    url: `/api/v1/workspaces/${WS}/pipelines/${pipeline}/backfills/preview?${new URLSearchParams(query).toString()}`,
    headers: { authorization: `Bearer ${token}` },
  });
const post = (url: string, payload: object, token = platform.adminToken) =>
  app.inject({
    method: 'POST',
    url: `/api/v1/workspaces/${WS}/pipelines/${url}`,
    payload,
    headers: { authorization: `Bearer ${token}` },
  });

describe('backfills API', () => {
  test('preview: partitions per job and the confirmation threshold; readers may preview', async () => {
    const answer = await preview('by-day', { from: '2026-03-01', to: '2026-03-03' }, viewerToken);
    assert.equal(answer.statusCode, 200, answer.body);
    const body = answer.json();
    assert.equal(body.version, 1);
    assert.equal(body.partitions, 3);
    assert.deepEqual(body.jobs[0].partitions, ['2026-03-01', '2026-03-02', '2026-03-03']);
    assert.deepEqual(body.datasets, ['silver.daily']);
    assert.equal(body.needsConfirmation, false);
    assert.equal(
      (await preview('by-day', { from: '2026-03-01', to: '2026-03-09', job: 'daily' })).json().needsConfirmation,
      true,
    );
  });

  test('bad requests: each with its code, and nothing started', async () => {
    const refused = async (url: string, payload: Record<string, string>, status: number, code: string) => {
      const response = url.endsWith('/preview')
        ? await preview(url.slice(0, url.indexOf('/')), payload)
        : await post(url, payload);
      assert.equal(response.statusCode, status, response.body);
      assert.equal(response.json().error.code, code);
    };
    await refused('by-day/backfills/preview', { from: '2026-02-30', to: '2026-03-01' }, 400, 'BACKFILL_RANGE_INVALID');
    await refused('by-day/backfills/preview', { from: '2026-03-02', to: '2026-03-01' }, 400, 'BACKFILL_RANGE_INVALID');
    await refused('by-day/backfills/preview', { from: 'yesterday', to: '2026-03-01' }, 400, 'REQUEST_INVALID');
    await refused('whole/backfills/preview', { from: '2026-03-01', to: '2026-03-01' }, 400, 'BACKFILL_NOT_PARTITIONED');
    await refused('missing/backfills/preview', { from: '2026-03-01', to: '2026-03-01' }, 404, 'PIPELINE_NOT_FOUND');
    await refused('by-day/backfills', { from: '2026-03-01', to: '2026-03-09' }, 409, 'BACKFILL_CONFIRMATION_REQUIRED');
    const viewer = await post('by-day/backfills', { from: '2026-03-01', to: '2026-03-01' }, viewerToken);
    assert.equal(viewer.statusCode, 403);
    assert.equal(Number((await platform.db('core_pipeline_runs').count({ n: '*' }).first())!.n), 0);
  });

  test('start: a job run per partition; an operator that cannot run by partition fails them clearly', async () => {
    const started = await post('by-day/backfills', { from: '2026-03-01', to: '2026-03-09', confirm: true });
    assert.equal(started.statusCode, 202, started.body);
    const run = started.json();
    assert.equal(run.trigger, 'backfill');
    assert.deepEqual(run.backfill, { from: '2026-03-01', to: '2026-03-09', partitions: 9 });
    assert.equal(run.jobs.length, 9);
    assert.ok(run.jobs.every((job: { partition: string | null }) => job.partition?.startsWith('2026-03-')));
    let finished: { status: string; jobs: Array<{ error: { code: string } | null }> } | undefined;
    await waitUntil('the backfill finished', async () => {
      finished = await worker.runs.get(WS, run.id);
      return finished.status === 'failed';
    });
    assert.deepEqual(new Set(finished!.jobs.map((job) => job.error?.code)), new Set(['JOB_PARTITIONS_UNSUPPORTED']));
  });
});

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RunFinished } from '@assay/sdk';
import { FIXTURE_TOKEN, fixturePlugin } from '../../ingest/ingest-fixtures.ts';
import { testLogger, waitUntil } from '../../queue/queue-test-kit.ts';
import { startCoreTestPlatform } from '../../testing/test-platform.ts';
import { sweepFileTriggers } from './file-triggers.ts';
import { reconcileSchedules } from './pipeline-schedules.ts';
import { pipelineScheduleQueue } from './trigger-queues.ts';
import { onUpstreamFinished } from './upstream-triggers.ts';

const WS = 'triggers';
let platform: Awaited<ReturnType<typeof startCoreTestPlatform>>;
let root: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'assay-triggers-'));
  platform = await startCoreTestPlatform({ plugins: [fixturePlugin] });
  await platform.createWorkspace(WS);
});
after(async () => {
  await platform?.close();
  await rm(root, { recursive: true, force: true });
});

/** A fixture connection over a fresh directory. */
async function connection(name: string): Promise<string> {
  const directory = join(root, name);
  await mkdir(directory, { recursive: true });
  const response = await platform.inject({
    method: 'POST',
    url: `/api/v1/workspaces/${WS}/connections`,
    payload: { name, type: 'fixture-files', config: { directory, token: FIXTURE_TOKEN } },
  });
  assert.equal(response.statusCode, 201, response.body);
  return directory;
}

/** Saves a one-job pipeline loading `connection` into bronze.<name>, with `extra` spec lines. */
async function pipeline(name: string, connectionName: string, extra = ''): Promise<void> {
  const yaml = `apiVersion: assay.dev/v1
kind: Pipeline
metadata: { name: ${name} }
spec:
${extra}  jobs:
    - id: load
      operator: ingest
      connection: ${connectionName}
      config: { stream: csv }
      output: bronze.${name.replace(/-/g, '_')}
`;
  await platform.platform.pipelines.create(WS, { yaml }, { author: 'test' });
}

const runsOf = async (name: string) =>
  platform
    .db('core_pipeline_runs')
    .where({ workspace: WS, pipeline_name: name })
    .orderBy('sequence')
    .select<Array<{ id: string; status: string; trigger: string; trigger_key: string | null }>>(
      'id',
      'status',
      'trigger',
      'trigger_key',
    );
const finished = async (name: string, count: number) =>
  waitUntil(
    `${count} finished run(s) of ${name}`,
    async () => (await runsOf(name)).filter((r) => ['succeeded', 'failed'].includes(r.status)).length >= count,
    30_000,
  );
const sweep = (now: Date) =>
  sweepFileTriggers({
    db: platform.db,
    ingest: platform.platform.ingest,
    runs: platform.platform.runs,
    logger: testLogger(),
    now,
  });

describe('pipeline triggers', () => {
  test('new files start one run per set of new files, once loaded they start nothing', async () => {
    const directory = await connection('drop');
    await pipeline('on-files', 'drop', '  triggers:\n    - { type: new_files, connection: drop, pollSeconds: 30 }\n');
    const start = Date.now();
    assert.deepEqual(await sweep(new Date(start)), { probed: 1, started: 0 }, 'no files yet');
    assert.deepEqual(await sweep(new Date(start + 1000)), { probed: 0, started: 0 }, 'not due before pollSeconds');

    await writeFile(join(directory, 'a.csv'), 'id\n1\n2\n');
    await Promise.all([sweep(new Date(start + 31_000)), sweep(new Date(start + 31_000))]);
    assert.equal((await runsOf('on-files')).length, 1, 'two sweeps of one event start one run');
    await finished('on-files', 1);
    const [run] = await runsOf('on-files');
    assert.equal(run!.trigger, 'files');
    assert.match(run!.trigger_key!, /^files:[0-9a-f]{64}$/);
    assert.equal(run!.status, 'succeeded');

    assert.deepEqual(await sweep(new Date(start + 62_000)), { probed: 1, started: 0 }, 'loaded: nothing new');
    await writeFile(join(directory, 'b.csv'), 'id\n3\n');
    assert.equal((await sweep(new Date(start + 93_000))).started, 1);
    await finished('on-files', 2);

    const status = (await platform.inject(`/api/v1/workspaces/${WS}/pipelines/on-files/triggers`)).json();
    assert.equal(status.triggers[0].connection, 'drop');
    assert.equal(status.triggers[0].pollSeconds, 30);
    assert.equal(typeof status.triggers[0].lastCheckedAt, 'string');
  });

  test('a paused pipeline starts nothing by itself; a probe that fails is recorded on the trigger', async () => {
    const directory = await connection('paused-drop');
    await pipeline('paused-files', 'paused-drop', '  triggers:\n    - { type: new_files, connection: paused-drop }\n');
    const paused = await platform.inject({
      method: 'POST',
      url: `/api/v1/workspaces/${WS}/pipelines/paused-files/pause`,
    });
    assert.equal(paused.statusCode, 200, paused.body);
    assert.equal(paused.json().paused, true);
    await writeFile(join(directory, 'a.csv'), 'id\n1\n');
    await sweep(new Date(Date.now() + 3_600_000));
    assert.deepEqual(await runsOf('paused-files'), []);

    await platform.inject({ method: 'POST', url: `/api/v1/workspaces/${WS}/pipelines/paused-files/resume` });
    await rm(directory, { recursive: true });
    await sweep(new Date(Date.now() + 7_200_000));
    const status = (await platform.inject(`/api/v1/workspaces/${WS}/pipelines/paused-files/triggers`)).json();
    assert.equal(status.paused, false);
    assert.match(status.triggers[0].lastError, /ENOENT|no such file/);
    assert.deepEqual(await runsOf('paused-files'), []);
  });

  test('an upstream success starts the downstream pipeline once, however often the event is delivered', async () => {
    await connection('up-files');
    await pipeline('upstream', 'up-files');
    await pipeline('downstream', 'up-files', '  triggers:\n    - { type: pipeline_succeeded, pipeline: upstream }\n');
    const run = await platform.platform.runs.startRun({ workspace: WS, pipeline: 'upstream', trigger: 'manual' });
    await finished('downstream', 1);
    const [downstream] = await runsOf('downstream');
    assert.equal(downstream!.trigger, 'pipeline');
    assert.equal(downstream!.trigger_key, `pipeline:${run.id}`);

    const event: RunFinished = {
      runId: run.id,
      workspace: WS,
      pipeline: 'upstream',
      pipelineId: run.pipelineId,
      version: 1,
      sequence: 1,
      status: 'succeeded',
      trigger: 'manual',
      finishedAt: new Date().toISOString(),
    };
    await onUpstreamFinished({ db: platform.db, runs: platform.platform.runs, logger: testLogger() }, event);
    assert.equal((await runsOf('downstream')).length, 1, 'redelivered events start nothing');

    await onUpstreamFinished(
      { db: platform.db, runs: platform.platform.runs, logger: testLogger() },
      { ...event, runId: '00000000-0000-4000-8000-000000000000', status: 'failed' },
    );
    assert.equal((await runsOf('downstream')).length, 1, 'a failed upstream run triggers nothing');
  });

  test('schedules follow the current version and the pause state; a tick starts a scheduled run', async () => {
    await connection('sched-files');
    await pipeline('nightly', 'sched-files', '  schedule: { cron: "0 2 * * *", timezone: Europe/Amsterdam }\n');
    const queue = platform.platform.queue;
    const reconcile = () => reconcileSchedules(platform.db, queue, testLogger());
    const scheduleOf = async () => {
      const [row] = await platform.db('core_pipelines').where({ workspace: WS, name: 'nightly' }).select('id');
      return (await queue.schedules(pipelineScheduleQueue)).find((s) => s.key === row.id);
    };
    await reconcile();
    assert.deepEqual(await scheduleOf(), {
      cron: '0 2 * * *',
      timeZone: 'Europe/Amsterdam',
      key: (await scheduleOf())!.key,
    });
    const status = (await platform.inject(`/api/v1/workspaces/${WS}/pipelines/nightly/triggers`)).json();
    assert.equal(status.schedule.next.length, 5);
    // 02:00 in Amsterdam is 00:00 or 01:00 UTC, depending on daylight saving time.
    for (const next of status.schedule.next) assert.match(next, /T0[01]:00:00\.000Z$/);

    await platform.inject({ method: 'POST', url: `/api/v1/workspaces/${WS}/pipelines/nightly/pause` });
    assert.equal(await scheduleOf(), undefined, 'paused: unscheduled at once');
    await platform.inject({ method: 'POST', url: `/api/v1/workspaces/${WS}/pipelines/nightly/resume` });
    assert.equal((await scheduleOf())?.cron, '0 2 * * *');

    await pipeline('nightly-2', 'sched-files');
    const yaml = (await platform.platform.pipelines.store.get(WS, 'nightly')).current.document;
    await platform.platform.pipelines.update(
      WS,
      'nightly',
      { document: { ...yaml, spec: { ...yaml.spec, schedule: { cron: '*/5 * * * *' } } } },
      { author: 'test' },
    );
    assert.deepEqual((await reconcile()).scheduled, 1, 'a changed schedule is rewritten');
    assert.equal((await scheduleOf())?.cron, '*/5 * * * *');
    assert.deepEqual(await reconcile(), { scheduled: 0, removed: 0 }, 'nothing changed: nothing written');

    const [row] = await platform.db('core_pipelines').where({ workspace: WS, name: 'nightly' }).select('id');
    await queue.send(pipelineScheduleQueue, { pipelineId: row.id });
    await finished('nightly', 1);
    const [run] = await runsOf('nightly');
    assert.equal(run!.trigger, 'schedule');
    assert.match(run!.trigger_key!, /^schedule:/);

    await platform.inject({ method: 'DELETE', url: `/api/v1/workspaces/${WS}/pipelines/nightly` });
    assert.equal((await reconcile()).removed, 1, 'a deleted pipeline loses its schedule');
  });

  test('pause and resume of an unknown pipeline are 404', async () => {
    const response = await platform.inject({ method: 'POST', url: `/api/v1/workspaces/${WS}/pipelines/nope/pause` });
    assert.equal(response.statusCode, 404);
    assert.equal(response.json().error.code, 'PIPELINE_NOT_FOUND');
  });
});

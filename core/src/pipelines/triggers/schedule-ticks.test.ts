import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { FIXTURE_TOKEN, fixturePlugin } from '../../ingest/ingest-fixtures.ts';
import { startPlatform, type Platform } from '../../platform/platform.ts';
import { createLogger } from '../../platform/logger.ts';
import { waitUntil } from '../../queue/queue-test-kit.ts';
import { startCoreTestPlatform } from '../../testing/test-platform.ts';

const WS = 'ticks';
let server: Awaited<ReturnType<typeof startCoreTestPlatform>>;
let worker: Platform;

before(async () => {
  server = await startCoreTestPlatform({ plugins: [fixturePlugin] });
  // A second process on the same database and lake, as `assay worker` on another machine.
  const { config } = server.platform;
  worker = await startPlatform({
    config,
    role: 'worker',
    inlinePlugins: [fixturePlugin],
    includeBuiltins: false,
    logger: createLogger({ logLevel: 'silent' }, 'worker'),
  });
  await server.createWorkspace(WS);
});
after(async () => {
  await worker?.close();
  await server?.close();
});

test('a five-second cron fires once per tick across two processes', { timeout: 120_000 }, async () => {
  const directory = join(server.platform.config.home, 'empty');
  await mkdir(directory, { recursive: true });
  const created = await server.inject({
    method: 'POST',
    url: `/api/v1/workspaces/${WS}/connections`,
    payload: { name: 'empty', type: 'fixture-files', config: { directory, token: FIXTURE_TOKEN } },
  });
  assert.equal(created.statusCode, 201, created.body);
  const yaml = `apiVersion: assay.dev/v1
kind: Pipeline
metadata: { name: every-second }
spec:
  schedule: { cron: "*/5 * * * * *" }
  concurrency: { allowOverlap: true }
  jobs:
    - { id: load, operator: ingest, connection: empty, config: { stream: csv }, output: bronze.ticks }
`;
  await server.platform.pipelines.create(WS, { yaml }, { author: 'test' });
  const pipelineId = (await server.db('core_pipelines').where({ name: 'every-second' }).first('id')).id as string;
  await server.platform.triggers.resume(WS, 'every-second'); // reconciles its schedule at once

  const runs = () =>
    server
      .db('core_pipeline_runs')
      .where({ pipeline_id: pipelineId, trigger: 'schedule' })
      .select<Array<{ trigger_key: string; created_at: Date }>>('trigger_key', 'created_at');
  await waitUntil('two scheduled runs', async () => (await runs()).length >= 2, 90_000);
  await server.platform.triggers.pause(WS, 'every-second', undefined);

  const started = await runs();
  const keys = new Set(started.map((run) => run.trigger_key));
  assert.equal(keys.size, started.length, 'every run has its own tick');
  // Two processes each running the scheduler: a tick they both saw must still start one run, so over the
  // seconds the runs span there are at most as many runs as ticks.
  const seconds = started.map((run) => run.created_at.getTime() / 1000);
  const ticks = Math.floor((Math.max(...seconds) - Math.min(...seconds)) / 5) + 1;
  assert.ok(started.length <= ticks, `${started.length} runs over ${ticks} ticks`);
});

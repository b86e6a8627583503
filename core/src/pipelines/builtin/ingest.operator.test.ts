import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FIXTURE_TOKEN, fixturePlugin } from '../../ingest/ingest-fixtures.ts';
import { createLakeService } from '../../lake/lake-service.ts';
import type { OperatorEntry } from '../../plugins/contribution-registry.ts';
import { startCoreTestPlatform } from '../../testing/test-platform.ts';
import { createJobExecutor, type JobExecutor, type JobRunRequest } from '../execution/job-executor.ts';
import { sortedRows } from '../execution/job-testing.ts';

const WS = 'ingest-jobs';
let platform: Awaited<ReturnType<typeof startCoreTestPlatform>>;
let executor: JobExecutor;
let operator: OperatorEntry;
let pipeline: { id: string; name: string };
let directory: string;

before(async () => {
  platform = await startCoreTestPlatform({ plugins: [fixturePlugin] });
  await platform.createWorkspace(WS);
  const { config, db, logger } = platform.platform;
  const lake = createLakeService({ config, db });
  executor = createJobExecutor({
    lake,
    db,
    logger,
    engine: { scratchRoot: join(config.home, 'engine'), memoryLimit: '256MB', threads: 1 },
  });
  operator = platform.platform.registry.operator('ingest')!;
  const [row] = await db('core_pipelines')
    .insert({ workspace: WS, name: 'loads' })
    .returning<Array<{ id: string }>>('id');
  pipeline = { id: row!.id, name: 'loads' };
  directory = await mkdtemp(join(tmpdir(), 'assay-ingest-job-'));
  await mkdir(directory, { recursive: true });
  await writeFile(join(directory, 'a.csv'), 'id,name\n1,ann\n2,bob\n');
  const created = await platform.inject({
    method: 'POST',
    url: `/api/v1/workspaces/${WS}/connections`,
    payload: { name: 'files', type: 'fixture-files', config: { directory, token: FIXTURE_TOKEN } },
  });
  assert.equal(created.statusCode, 201, created.body);
});
after(async () => {
  await platform?.close();
  if (directory !== undefined) await rm(directory, { recursive: true, force: true });
});

function request(runSequence: number, config: Record<string, unknown>, attempt = 1): JobRunRequest {
  return {
    workspace: WS,
    pipeline,
    runId: randomUUID(),
    runSequence,
    job: { id: 'land_people', operator, config, inputs: [], output: 'bronze.people' },
    attempt,
    trigger: 'manual',
    actor: 'user-1',
    signal: new AbortController().signal,
    log: platform.platform.logger,
  };
}

async function bronzeRows(): Promise<Record<string, unknown>[]> {
  const response = await platform.inject(`/api/v1/workspaces/${WS}/datasets/bronze/people/preview?limit=100`);
  assert.equal(response.statusCode, 200, response.body);
  // BIGINT ids come back as text, as the preview API returns them.
  return (response.json().rows as Array<Record<string, unknown>>).map(({ id, name }) => ({ id, name }));
}

describe('ingest operator', () => {
  test('is contributed by the core-operators plugin as a bronze operator without inputs', () => {
    assert.equal(operator.pluginId, 'core-operators');
    assert.deepEqual(
      [operator.version, operator.category, operator.definition.inputs, operator.definition.output],
      [1, 'bronze', { min: 0, max: 0 }, 'table'],
    );
  });

  test('loads the connection into bronze, reports counts and the new version; later runs load only new files', async () => {
    const config = { connection: 'files', stream: 'csv' };
    const firstRequest = request(1, config);
    const first = await executor.run(firstRequest);
    assert.deepEqual([first.rowsRead, first.rowsWritten, first.skipped], [2, 2, false]);
    assert.equal(first.metrics.files, 1);
    assert.equal(first.deltaVersion, 0);
    assert.deepEqual(
      sortedRows(await bronzeRows()),
      sortedRows([
        { id: '1', name: 'ann' },
        { id: '2', name: 'bob' },
      ]),
    );
    const loads = await platform.inject(`/api/v1/workspaces/${WS}/loads?dataset=bronze.people`);
    assert.equal(loads.json().items[0].runId, firstRequest.runId, 'the load record names the run');
    assert.equal(loads.json().items[0].startedBy, 'user-1');

    await writeFile(join(directory, 'b.csv'), 'id,name\n3,cy\n');
    const second = await executor.run(request(2, config));
    assert.deepEqual([second.rowsRead, second.rowsWritten], [1, 1]);
    assert.equal(second.deltaVersion, 1);
    const retry = await executor.run(request(2, config, 2));
    assert.deepEqual([retry.rowsRead, retry.rowsWritten, retry.deltaVersion], [0, 0, 1], 'nothing new, nothing twice');
    assert.deepEqual(
      sortedRows(await bronzeRows()),
      sortedRows([
        { id: '1', name: 'ann' },
        { id: '2', name: 'bob' },
        { id: '3', name: 'cy' },
      ]),
    );
  });

  test('its config is checked before the load: unknown options are JOB_CONFIG_INVALID', async () => {
    await assert.rejects(
      executor.run(request(3, { connection: 'files', stream: 'csv', options: { dedupe: ['id'] } })),
      (error: { code?: string; details?: { path?: string } }) => {
        assert.equal(error.code, 'JOB_CONFIG_INVALID');
        return true;
      },
    );
    await assert.rejects(executor.run(request(3, { connection: 'nowhere', stream: 'csv' })), {
      code: 'CONNECTION_NOT_FOUND',
    });
  });
});

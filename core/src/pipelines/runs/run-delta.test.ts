import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { OperatorDefinition } from '@assay/sdk';
import { DuckDBInstance } from '@duckdb/node-api';
import { loadConfig } from '../../config/load-config.ts';
import { createLakeService, type LakeService } from '../../lake/lake-service.ts';
import { resolveAppRoot } from '../../platform/app-root.ts';
import { createContributionRegistry } from '../../plugins/contribution-registry.ts';
import { loadPlugins } from '../../plugins/plugin-loader.ts';
import { pipelineJobQueue } from './pipeline-job-queue.ts';
import { platformVersion } from '../../version.ts';
import { startRunsKit, testPipeline, testStepOperator, ExecutionRecorder, type RunsKit } from './runs-test-kit.ts';

// The built-in sql operator (operators/sql), loaded as the platform loads it.
let sql: OperatorDefinition;
let kit: RunsKit;
let lake: LakeService;
let duck: DuckDBInstance;
const recorder = new ExecutionRecorder();

before(async () => {
  const plugins = await loadPlugins({
    appRoot: resolveAppRoot(),
    installDir: join(resolveAppRoot(), '.no-installed-plugins'),
    specs: [],
    inline: [],
    includeBuiltins: true,
    platformVersion,
  });
  sql = createContributionRegistry(plugins).operator('sql')!.definition;
  assert.ok(sql !== undefined, 'the sql operator is built in');
  kit = await startRunsKit({ workspace: 'lakehouse', operators: [sql, testStepOperator(recorder)] });
  lake = createLakeService({
    config: loadConfig({ env: {}, cwd: kit.home, overrides: { home: kit.home, databaseUrl: kit.databaseUrl } }),
    db: kit.db,
  });
  duck = await DuckDBInstance.create(':memory:');
  await kit.save(
    testPipeline('medallion', [
      {
        id: 'summary',
        operator: 'sql',
        inputs: ['silver.answers'],
        output: 'gold.summary',
        config: {
          sql: 'SELECT count(*)::INTEGER AS runs, sum(answer)::INTEGER AS total FROM silver.answers',
        },
      },
      {
        id: 'clean',
        operator: 'sql',
        inputs: ['bronze.answers'],
        output: 'silver.answers',
        config: {
          sql: 'SELECT answer, run FROM bronze.answers',
        },
      },
      { id: 'seed', output: 'bronze.answers', step: { write: true } },
    ]),
  );
});
after(async () => {
  duck?.closeSync();
  await kit?.close();
});

async function rows(dataset: string): Promise<Record<string, unknown>[]> {
  const table = lake.table(kit.workspace, dataset);
  const view = await table.view(await table.snapshot());
  const connection = await duck.connect();
  try {
    return (await connection.runAndReadAll(`SELECT * FROM (${view.source}) ORDER BY ALL`)).getRowObjectsJson();
  } finally {
    connection.closeSync();
  }
}

const versionOf = async (dataset: string) => (await lake.table(kit.workspace, dataset).snapshot()).version;

describe('pipeline runs over Delta tables', () => {
  test('a bronze → silver → gold chain runs in dataset order and records rows, versions and input versions', async () => {
    const started = await kit.main.runs.startRun({ workspace: kit.workspace, pipeline: 'medallion', trigger: 'api' });
    assert.deepEqual(
      started.jobs.map((job) => job.jobId),
      ['seed', 'clean', 'summary'],
      'dataset references order the jobs',
    );
    const run = await kit.waitForRun(started.id);
    assert.equal(run.status, 'succeeded', JSON.stringify(run.jobs.map((j) => j.error)));
    const [seed, clean, summary] = run.jobs;
    assert.deepEqual(
      [seed!.rowsWritten, seed!.deltaVersion, clean!.rowsRead, clean!.rowsWritten, clean!.deltaVersion],
      [1, 0, 1, 1, 0],
    );
    assert.deepEqual(clean!.inputVersions, { 'bronze.answers': 0 });
    assert.deepEqual(summary!.inputVersions, { 'silver.answers': 0 });
    assert.deepEqual(await rows('gold.summary'), [{ runs: 1, total: 42 }]);

    const second = await kit.waitForRun(
      (await kit.main.runs.startRun({ workspace: kit.workspace, pipeline: 'medallion', trigger: 'api' })).id,
    );
    assert.equal(second.status, 'succeeded');
    assert.deepEqual(
      second.jobs.map((job) => job.deltaVersion),
      [1, 1, 1],
    );
    assert.deepEqual(await rows('gold.summary'), [{ runs: 2, total: 84 }]);
  });

  test('a job delivered again after it finished changes nothing; a subset rewrites only its own outputs', async () => {
    const [last] = (await kit.main.runs.list(kit.workspace, { pipeline: 'medallion', limit: 1 })).items;
    const finished = await kit.main.runs.get(kit.workspace, last!.id);
    const clean = finished.jobs.find((job) => job.jobId === 'clean')!;
    await kit.main.queue.send(pipelineJobQueue, { jobRunId: clean.id });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const after = await kit.main.runs.get(kit.workspace, last!.id);
    assert.deepEqual(
      after.jobs.find((job) => job.jobId === 'clean'),
      clean,
      'the duplicate delivery did nothing',
    );
    assert.equal(await versionOf('silver.answers'), 1);

    const subset = await kit.main.runs.startRun({
      workspace: kit.workspace,
      pipeline: 'medallion',
      trigger: 'api',
      select: { job: 'clean', direction: 'downstream' },
    });
    const run = await kit.waitForRun(subset.id);
    assert.equal(run.status, 'succeeded');
    assert.deepEqual(
      run.jobs.map((job) => [job.jobId, job.deltaVersion]),
      [
        ['clean', 2],
        ['summary', 2],
      ],
    );
    assert.equal(await versionOf('bronze.answers'), 1, 'the seed did not run');
    assert.deepEqual(await rows('gold.summary'), [{ runs: 2, total: 84 }]);
  });
});

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { UserError, type OperatorDefinition } from '@assay/sdk';
import { DuckDBInstance } from '@duckdb/node-api';
import { loadConfig } from '../../config/load-config.ts';
import { createLakeService, type LakeService } from '../../lake/lake-service.ts';
import { stagedFilesIn } from '../../lake/lake-testing.ts';
import { resolveAppRoot } from '../../platform/app-root.ts';
import { createContributionRegistry } from '../../plugins/contribution-registry.ts';
import { loadPlugins } from '../../plugins/plugin-loader.ts';
import { platformVersion } from '../../version.ts';
import type { RunWithJobs } from '../runs/run-records.ts';
import { startRunsKit, testPipeline, type RunsKit } from '../runs/runs-test-kit.ts';

// The built-in sql operator, wrapped so that a test can make chosen partitions fail.
const failing = new Set<string>();
let kit: RunsKit;
let lake: LakeService;
let duck: DuckDBInstance;

before(async () => {
  const plugins = await loadPlugins({
    appRoot: resolveAppRoot(),
    installDir: join(resolveAppRoot(), '.no-installed-plugins'),
    specs: [],
    inline: [],
    includeBuiltins: true,
    platformVersion,
  });
  const sql = createContributionRegistry(plugins).operator('sql')!.definition;
  const flaky: OperatorDefinition = {
    ...sql,
    async run(ctx, config) {
      if (ctx.partition !== undefined && failing.has(ctx.partition.key)) {
        throw new UserError(`partition ${ctx.partition.key} fails on purpose`, { code: 'TEST_PARTITION_FAILS' });
      }
      return sql.run(ctx, config);
    },
  };
  kit = await startRunsKit({ workspace: 'backfills', operators: [flaky] });
  lake = createLakeService({
    config: loadConfig({ env: {}, cwd: kit.home, overrides: { home: kit.home, databaseUrl: kit.databaseUrl } }),
    db: kit.db,
  });
  duck = await DuckDBInstance.create(':memory:');
  await writeEvents(`SELECT * FROM (VALUES (DATE '2026-01-01', 'a'), (DATE '2026-01-01', 'b'),
    (DATE '2026-01-02', 'c'), (DATE '2026-01-03', 'd')) AS t(day, item)`);
  await kit.save(
    testPipeline('events', [
      {
        id: 'daily',
        operator: 'sql',
        inputs: ['bronze.events'],
        output: 'silver.daily',
        partitions: { column: 'day' },
        config: { sql: 'SELECT day, count(*)::INTEGER AS n, max(item) AS last_item FROM bronze.events GROUP BY day' },
      },
      {
        id: 'totals',
        operator: 'sql',
        inputs: ['silver.daily'],
        output: 'gold.totals',
        config: { sql: 'SELECT count(*)::INTEGER AS days, sum(n)::INTEGER AS events FROM silver.daily' },
      },
    ]),
  );
});
after(async () => {
  duck?.closeSync();
  await kit?.close();
});

/** Lands rows in bronze.events as an ingest would: a Parquet file committed to the Delta table. */
async function writeEvents(select: string): Promise<void> {
  const file = join(kit.home, 'events.parquet');
  const connection = await duck.connect();
  try {
    await connection.run(`COPY (${select}) TO '${file}' (FORMAT parquet)`);
    await lake.table('backfills', 'bronze.events').write({
      mode: 'append',
      staged: await stagedFilesIn(file, []),
      columns: [
        { name: 'day', type: 'DATE' },
        { name: 'item', type: 'VARCHAR' },
      ],
      provenance: { operation: 'WRITE' },
    });
  } finally {
    connection.closeSync();
  }
}

const range = { workspace: 'backfills', pipeline: 'events', from: '2026-01-01', to: '2026-01-03' };
const tasks = (run: RunWithJobs) =>
  Object.fromEntries(
    run.jobs.map((job) => [job.partition === null ? job.jobId : `${job.jobId}[${job.partition}]`, job.status]),
  );
const rows = async (dataset: string) => {
  const table = lake.table('backfills', dataset);
  const view = await table.view(await table.snapshot());
  const connection = await duck.connect();
  try {
    const result = await connection.runAndReadAll(`SELECT * FROM (${view.source}) ORDER BY ALL`);
    return result.getRowObjectsJson();
  } finally {
    connection.closeSync();
  }
};

describe('backfills: runs by partition', () => {
  test('a backfill runs one job run per day, then the downstream job once; a failed day is resumed alone', async () => {
    const first = await kit.main.runs.startRun({ workspace: 'backfills', pipeline: 'events', trigger: 'api' });
    assert.equal((await kit.waitForRun(first.id)).status, 'succeeded');

    // Before starting: what it would run and read.
    const preview = await kit.main.runs.previewBackfill(range);
    assert.equal(preview.version, 1);
    assert.equal(preview.partitions, 3);
    assert.equal(preview.tasks, 4);
    assert.deepEqual(preview.datasets, ['silver.daily', 'gold.totals']);
    const [daily, totals] = preview.jobs;
    assert.deepEqual(
      { mode: daily!.mode, partitions: daily!.partitions, rows: daily!.estimatedRows },
      // The one bronze file holds all three days: each day's job run reads it.
      { mode: 'partitions', partitions: ['2026-01-01', '2026-01-02', '2026-01-03'], rows: 12 },
    );
    assert.ok(daily!.estimatedBytes > 0);
    assert.equal(totals!.mode, 'full');
    assert.equal(totals!.estimatedRows, 3, 'silver.daily has a row per day');
    assert.equal(preview.needsConfirmation, false);

    failing.add('2026-01-02');
    const started = await kit.main.runs.startBackfill(range);
    assert.equal(started.trigger, 'backfill');
    assert.deepEqual(started.backfill, { from: '2026-01-01', to: '2026-01-03', partitions: 3 });
    const failed = await kit.waitForRun(started.id);
    assert.equal(failed.status, 'failed');
    assert.deepEqual(tasks(failed), {
      'daily[2026-01-01]': 'succeeded',
      'daily[2026-01-02]': 'failed',
      'daily[2026-01-03]': 'succeeded',
      totals: 'upstream_failed',
    });
    assert.equal(failed.error?.code, 'TEST_PARTITION_FAILS');
    assert.match(failed.error!.message, /daily\[2026-01-02\]/);
    // Each partition committed its own Delta version.
    const versions = failed.jobs.filter((job) => job.status === 'succeeded').map((job) => job.deltaVersion);
    assert.equal(new Set(versions).size, 2);

    failing.clear();
    const resumed = await kit.main.runs.resume('backfills', started.id, { trigger: 'api' });
    assert.deepEqual(Object.keys(tasks(resumed)), ['daily[2026-01-02]', 'totals']);
    assert.equal(resumed.trigger, 'backfill');
    assert.equal(resumed.backfill?.partitions, 1);
    const done = await kit.waitForRun(resumed.id);
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
    assert.deepEqual(await rows('silver.daily'), [
      { day: '2026-01-01', n: 2, last_item: 'b' },
      { day: '2026-01-02', n: 1, last_item: 'c' },
      { day: '2026-01-03', n: 1, last_item: 'd' },
    ]);
    assert.deepEqual(await rows('gold.totals'), [{ days: 3, events: 4 }]);
    const logs = await kit.main.runs.logs('backfills', resumed.id, 'daily', { limit: 50, partition: '2026-01-02' });
    assert.ok(logs.items.length > 0);
    await assert.rejects(
      kit.main.runs.logs('backfills', resumed.id, 'daily', { limit: 50 }),
      (error: { code?: string }) => error.code === 'PARTITION_REQUIRED',
    );
  });

  test('a backfill above the confirmation threshold needs confirm, and records nothing without', async () => {
    const count = async () => Number((await kit.db('core_pipeline_runs').count({ n: '*' }).first())!.n);
    const before = await count();
    const wide = { ...range, from: '2025-11-01', to: '2026-01-31' };
    await assert.rejects(kit.main.runs.startBackfill(wide), (error: { code?: string; details?: unknown }) => {
      assert.equal(error.code, 'BACKFILL_CONFIRMATION_REQUIRED');
      assert.deepEqual(error.details, { partitions: 92, confirmAbove: 60 });
      return true;
    });
    assert.equal(await count(), before);
    const confirmed = await kit.main.runs.startBackfill({ ...wide, confirm: true });
    assert.equal(confirmed.jobs.length, 93);
    await kit.main.runs.cancel('backfills', confirmed.id);
    assert.equal((await kit.waitForRun(confirmed.id)).status, 'cancelled');
  });

  test('an output created before its job declared partitions is refused before anything starts', async () => {
    const job = (partitions?: { column: string }) =>
      testPipeline('late', [
        {
          id: 'flat',
          operator: 'sql',
          inputs: ['bronze.events'],
          output: 'silver.flat',
          ...(partitions === undefined ? {} : { partitions }),
          config: { sql: 'SELECT day, item FROM bronze.events' },
        },
      ]);
    await kit.save(job());
    const run = await kit.main.runs.startRun({ workspace: 'backfills', pipeline: 'late', trigger: 'api' });
    assert.equal((await kit.waitForRun(run.id)).status, 'succeeded');
    await kit.save(job({ column: 'day' }));
    const late = { ...range, pipeline: 'late' };
    const refused = (error: { code?: string; message?: string }) => {
      assert.equal(error.code, 'BACKFILL_OUTPUT_NOT_PARTITIONED');
      assert.match(error.message!, /silver\.flat \(job "flat"\) is partitioned by \[\], not day/);
      return true;
    };
    await assert.rejects(kit.main.runs.previewBackfill(late), refused);
    await assert.rejects(kit.main.runs.startBackfill(late), refused);
  });
});

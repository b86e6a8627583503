// The job test kit (`@assay/core/job-testing`): a real PostgreSQL database (from TEST_DATABASE_URL), a local lake
// in a temporary directory and the real job executor, for operator tests that run jobs on fixture datasets.
// Operator packages reach it through `@assay/sdk/testing`.
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobTestKit as SdkJobTestKit, TestJob, TestRun } from '@assay/sdk/testing';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { Knex } from 'knex';
import { pino } from 'pino';
import { loadConfig } from '../../config/load-config.ts';
import { createDatabase } from '../../database/database.ts';
import { runMigrations } from '../../database/migrations.ts';
import { literal } from '../../engine/dataset-view.ts';
import { stagedFilesIn } from '../../lake/delta-write/staged-files.ts';
import { createLakeService, type LakeService } from '../../lake/lake-service.ts';
import { createTestDatabase } from '../../testing/test-database.ts';
import { createJobExecutor, type JobExecutor, type JobRunRequest, type JobRunResult } from './job-executor.ts';
import { snapshotOrUndefined } from '../../lake/existing-snapshot.ts';

/** The sdk's job test kit (what operator packages see), with core's own handles for core's tests. */
export interface JobTestKit extends SdkJobTestKit {
  readonly db: Knex;
  readonly lake: LakeService;
  readonly executor: JobExecutor;
  /** A pipeline the jobs belong to (its job state hangs off it), created once. */
  readonly pipeline: { readonly id: string; readonly name: string };
  /** Runs one attempt of `job` through the real executor. */
  runJob(job: TestJob, run?: TestRun): Promise<JobRunResult>;
  /** The request `runJob` would send, for tests that call the executor themselves. */
  request(job: TestJob, run?: TestRun): JobRunRequest;
}

export async function createJobTestKit(options: { workspace?: string } = {}): Promise<JobTestKit> {
  const database = await createTestDatabase();
  const home = await mkdtemp(join(tmpdir(), 'assay-jobs-'));
  const db = createDatabase(database.url);
  let instance: DuckDBInstance | undefined;
  try {
    await runMigrations(db);
    const workspace = options.workspace ?? 'jobs';
    const config = loadConfig({ env: {}, cwd: home, overrides: { home, databaseUrl: database.url } });
    const lake = createLakeService({ config, db });
    const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
    const executor = createJobExecutor({
      lake,
      db,
      logger,
      engine: { scratchRoot: join(home, 'engine'), memoryLimit: '512MB', threads: 2 },
    });
    const [row] = await db('core_pipelines')
      .insert({ workspace, name: 'test_pipeline' })
      .returning<Array<{ id: string }>>('id');
    const pipeline = { id: row!.id, name: 'test_pipeline' };
    instance = await DuckDBInstance.create(':memory:');
    const connection: DuckDBConnection = await instance.connect();
    await mkdir(join(home, 'fixtures'), { recursive: true });

    const request = (job: TestJob, run: TestRun = {}): JobRunRequest => ({
      workspace,
      pipeline,
      runId: run.runId ?? randomUUID(),
      runSequence: run.runSequence ?? 1,
      job: {
        id: job.id ?? 'job',
        operator: { pluginId: 'test', definition: job.operator },
        config: job.config ?? {},
        inputs: job.inputs ?? [],
        output: job.output,
        partitions: job.partitions,
      },
      partition: run.partition,
      attempt: run.attempt ?? 1,
      trigger: run.trigger ?? (run.partition === undefined ? 'manual' : 'backfill'),
      actor: run.actor,
      signal: run.signal ?? new AbortController().signal,
      log: logger,
    });

    return {
      workspace,
      db,
      lake,
      executor,
      pipeline,
      request,
      runJob: (job, run) => executor.run(request(job, run)),
      async writeDataset(dataset, select, writeOptions = {}) {
        const partitionBy = writeOptions.partitionBy ?? [];
        const output = join(home, 'fixtures', randomUUID());
        const target = partitionBy.length === 0 ? `${output}.parquet` : output;
        const partitioning = partitionBy.length === 0 ? '' : `, PARTITION_BY (${partitionBy.join(', ')})`;
        await connection.run(`COPY (${select}) TO ${literal(target)} (FORMAT parquet${partitioning})`);
        const described = (await connection.runAndReadAll(`DESCRIBE ${select}`)).getRowObjectsJson();
        const result = await lake.table(workspace, dataset).write({
          mode: writeOptions.mode ?? 'append',
          staged: await stagedFilesIn(target, partitionBy),
          columns: described.map((c) => ({ name: String(c.column_name), type: String(c.column_type) })),
          provenance: { operation: 'WRITE' },
          ...(partitionBy.length === 0 ? {} : { partitionColumns: partitionBy }),
        });
        await rm(target, { recursive: true, force: true });
        return result.version;
      },
      async rows(dataset, version) {
        const table = lake.table(workspace, dataset);
        const view = await table.view(await table.snapshot(version === undefined ? {} : { version }));
        return (await connection.runAndReadAll(`SELECT * FROM (${view.source})`)).getRowObjectsJson();
      },
      async version(dataset) {
        return (await snapshotOrUndefined(lake.table(workspace, dataset)))?.version;
      },
      async quarantined(dataset) {
        const table = lake.quarantine(workspace, dataset);
        const snapshot = await snapshotOrUndefined(table);
        if (snapshot === undefined) return [];
        const view = await table.view(snapshot);
        const rows = (
          await connection.runAndReadAll(`SELECT check_id, reason, column_name, raw_row FROM (${view.source})`)
        ).getRowObjectsJson();
        return rows.map((row) => ({
          rule: String(row.check_id),
          reason: String(row.reason),
          column: row.column_name === null ? null : String(row.column_name),
          row: JSON.parse(String(row.raw_row)) as Record<string, unknown>,
        }));
      },
      async layout(dataset) {
        const snapshot = await lake.table(workspace, dataset).snapshot();
        return { partitionColumns: [...snapshot.partitionColumns], files: snapshot.files.length };
      },
      async close() {
        connection.closeSync();
        instance?.closeSync();
        await db.destroy();
        await database.drop();
        await rm(home, { recursive: true, force: true });
      },
    };
  } catch (error) {
    instance?.closeSync();
    await db.destroy();
    await database.drop();
    await rm(home, { recursive: true, force: true });
    throw error;
  }
}

export { sortedRows } from '@assay/sdk/testing';

// The job test kit (`@assay/core/job-testing`): a real PostgreSQL database (from TEST_DATABASE_URL), a local lake
// in a temporary directory and the real job executor, for operator tests that run jobs on fixture datasets.
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OperatorDefinition } from '@assay/sdk';
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
import { snapshotOrUndefined } from './job-inputs.ts';

/** A job to run: an operator and what the pipeline document would say about the job. */
export interface TestJob {
  readonly operator: OperatorDefinition;
  readonly id?: string;
  readonly config?: Record<string, unknown>;
  readonly inputs?: readonly string[];
  readonly output?: string;
}

/** Which run of the pipeline the attempt belongs to. */
export interface TestRun {
  /** Default 1. The same sequence again is a retry of that run. */
  readonly runSequence?: number;
  readonly attempt?: number;
  readonly runId?: string;
  readonly signal?: AbortSignal;
  readonly actor?: string;
  readonly trigger?: string;
}

export interface JobTestKit {
  readonly workspace: string;
  readonly db: Knex;
  readonly lake: LakeService;
  readonly executor: JobExecutor;
  /** A pipeline the jobs belong to (its job state hangs off it), created once. */
  readonly pipeline: { readonly id: string; readonly name: string };
  /** Writes the rows of a plain DuckDB `select` to a dataset (fixture inputs); returns the new version. */
  writeDataset(
    dataset: string,
    select: string,
    options?: { mode?: 'append' | 'overwrite'; partitionBy?: string[] },
  ): Promise<number>;
  /** A dataset's rows (the latest version by default) as JSON-safe objects, in no particular order. */
  rows(dataset: string, version?: number): Promise<Record<string, unknown>[]>;
  /** The dataset's latest version; undefined when it does not exist. */
  version(dataset: string): Promise<number | undefined>;
  /** Runs one attempt of `job` through the real executor. */
  runJob(job: TestJob, run?: TestRun): Promise<JobRunResult>;
  /** The request `runJob` would send, for tests that call the executor themselves. */
  request(job: TestJob, run?: TestRun): JobRunRequest;
  close(): Promise<void>;
}

/** Rows in a canonical order (by their JSON, keys sorted), so two results compare as multisets. */
export function sortedRows(rows: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  const canonical = (row: Record<string, unknown>) =>
    JSON.stringify(Object.fromEntries(Object.entries(row).sort(([a], [b]) => (a < b ? -1 : 1))));
  return [...rows].sort((a, b) => (canonical(a) < canonical(b) ? -1 : canonical(a) > canonical(b) ? 1 : 0));
}

/** Starts a kit; `close()` drops its database and removes its lake. */
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
      },
      attempt: run.attempt ?? 1,
      trigger: run.trigger ?? 'manual',
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

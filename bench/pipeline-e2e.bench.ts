// End-to-end time of the example pipeline (tests/fixtures/pipelines-e2e/customer-orders.yaml): BENCH_E2E_CSV_ROWS
// orders from a CSV file (default 1 million) and BENCH_E2E_PG_ROWS customers from PostgreSQL (default 100,000)
// ingested into Bronze in parallel, then joined by the sql operator into Silver with a merge. The platform runs as
// `assay serve` has it (built-in connectors and operators, the run worker in this process), applied from YAML and
// timed from `startRun` to the run's end. The baseline does the same loads the raw way in the same run: DuckDB
// `read_csv` → Parquet for the file and PostgreSQL `COPY … TO STDOUT` → CSV → DuckDB → Parquet for the table (the
// two at once, as the pipeline runs them), then the join of the two Parquet files → Parquet. A second figure is a
// re-run with unchanged input (nothing new to ingest; the merge matches every row again).
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline as streamPipeline } from 'node:stream/promises';
import { startCoreTestPlatform } from '@assay/core/test-platform';
import { createTestDatabase } from '@assay/core/test-database';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { printFigure } from './bench-figure.ts';

const CSV_ROWS = Number(process.env.BENCH_E2E_CSV_ROWS ?? 1_000_000);
const PG_ROWS = Number(process.env.BENCH_E2E_PG_ROWS ?? 100_000);
const THREADS = 2;
const WORKSPACE = 'bench';
const PIPELINE = 'customer-orders';
const FIXTURE = join(import.meta.dirname, '..', 'tests', 'fixtures', 'pipelines-e2e', 'customer-orders.yaml');
const bench = 'pipeline-e2e';

const scratch = await mkdtemp(join(tmpdir(), 'assay-bench-e2e-'));
const data = join(scratch, 'data');
await mkdir(join(data, 'orders'), { recursive: true });
const csv = join(data, 'orders', 'orders-1.csv');
const sourceDb = await createTestDatabase();
const source = new pg.Client({ connectionString: sourceDb.url });
await source.connect();
const instance = await DuckDBInstance.create(':memory:', { threads: String(THREADS), memory_limit: '1GB' });
const platform = await startCoreTestPlatform({
  builtins: true,
  pluginConfig: { 'connector-file': { allowedRoots: [data] } },
  worker: true,
});

async function timed(work: () => Promise<unknown>): Promise<number> {
  const begin = performance.now();
  await work();
  return performance.now() - begin;
}

/** The raw way: the two loads at once, then the join; every step writes zstd Parquet as Bronze and Silver do. */
async function baseline(): Promise<number> {
  const out = join(scratch, 'baseline');
  await rm(out, { recursive: true, force: true });
  await mkdir(out);
  const [files, table] = [await instance.connect(), await instance.connect()];
  try {
    return await timed(async () => {
      await Promise.all([
        files.run(
          `COPY (SELECT * FROM read_csv('${csv}')) TO '${out}/orders.parquet' (FORMAT parquet, COMPRESSION zstd)`,
        ),
        (async () => {
          const client = new pg.Client({ connectionString: sourceDb.url });
          await client.connect();
          try {
            await streamPipeline(
              client.query(copyTo('COPY shop.customers TO STDOUT WITH (FORMAT csv, HEADER true)')),
              createWriteStream(join(out, 'customers.csv')),
            );
          } finally {
            await client.end();
          }
          await table.run(
            `COPY (SELECT * FROM read_csv('${out}/customers.csv')) TO '${out}/customers.parquet' ` +
              '(FORMAT parquet, COMPRESSION zstd)',
          );
        })(),
      ]);
      await files.run(
        `COPY (SELECT o.order_id, o.customer_id, c.name AS customer, c.country, o.amount ` +
          `FROM '${out}/orders.parquet' o JOIN '${out}/customers.parquet' c ON c.id = o.customer_id) ` +
          `TO '${out}/customer_orders.parquet' (FORMAT parquet, COMPRESSION zstd)`,
      );
    });
  } finally {
    files.closeSync();
    table.closeSync();
  }
}

/** One run of the pipeline from `startRun` to its end; the run as the API shows it. */
async function runPipeline(): Promise<{ ms: number; jobs: Array<Record<string, unknown>> }> {
  const { runs } = platform.platform;
  let id = '';
  const ms = await timed(async () => {
    const run = await runs.startRun({ workspace: WORKSPACE, pipeline: PIPELINE, trigger: 'api', actor: 'bench' });
    id = run.id;
    await runs.watch(WORKSPACE, run.id, () => undefined);
  });
  const run = await runs.get(WORKSPACE, id);
  if (run.status !== 'succeeded') throw new Error(`run ${id} ${run.status}: ${JSON.stringify(run.error)}`);
  const jobs = run.jobs.map((job) => ({
    job: job.jobId,
    ms: job.durationMs,
    read: job.rowsRead,
    written: job.rowsWritten,
    updated: job.rowsUpdated,
    version: job.deltaVersion,
  }));
  console.error(`pipeline-e2e run #${run.sequence}: ${ms.toFixed(0)} ms ${JSON.stringify(jobs)}`);
  return { ms, jobs };
}

try {
  const generate = await instance.connect();
  await generate.run(
    `COPY (SELECT range + 1 AS order_id, (range * 7919) % ${PG_ROWS} + 1 AS customer_id, ` +
      `round(random() * 500, 2) AS amount FROM range(${CSV_ROWS})) TO '${csv}' (FORMAT csv, HEADER true)`,
  );
  generate.closeSync();
  await source.query(`CREATE SCHEMA shop`);
  await source.query(`CREATE TABLE shop.customers (id int PRIMARY KEY, name text NOT NULL, country text)`);
  await source.query(
    `INSERT INTO shop.customers SELECT i, 'customer ' || i, (ARRAY['NL','DE','BE','FR'])[i % 4 + 1]
       FROM generate_series(1, ${PG_ROWS}) AS i`,
  );
  console.error(`pipeline-e2e: ${CSV_ROWS} CSV rows, ${PG_ROWS} PostgreSQL rows`);

  await platform.createWorkspace(WORKSPACE);
  const url = new URL(sourceDb.url);
  const connections = `apiVersion: assay.dev/v1
kind: Connection
metadata: { name: shop-files }
spec:
  type: file
  config: { source: server, root: ${JSON.stringify(data)} }
---
apiVersion: assay.dev/v1
kind: Connection
metadata: { name: shop-db }
spec:
  type: postgres
  config:
    host: ${url.hostname}
    port: ${Number(url.port || 5432)}
    database: ${url.pathname.slice(1)}
    user: ${decodeURIComponent(url.username || 'postgres')}
    password: \${env:PG_PASSWORD}
    schemas: [shop]
`;
  const applied = await platform.platform.pipelines.apply({
    workspace: WORKSPACE,
    files: [
      { path: 'connections.yaml', text: connections },
      { path: 'customer-orders.yaml', text: await readFile(FIXTURE, 'utf8') },
    ],
    env: { PG_PASSWORD: decodeURIComponent(url.password) || 'unused-with-trust-auth' },
    author: 'bench',
  });
  if (!applied.applied) throw new Error(`apply wrote nothing: ${JSON.stringify(applied.plan)}`);

  const before = await baseline();
  const first = await runPipeline();
  const silver = first.jobs.find((job) => job.job === 'customer_orders')!;
  if (silver.written !== CSV_ROWS) throw new Error(`expected ${CSV_ROWS} Silver rows, got ${silver.written}`);
  const again = await runPipeline();
  // The baseline before and after the pipeline; the faster counts, so its cold first round flatters nothing.
  const after = await baseline();
  const baselineMs = Math.min(before, after);
  console.error(`pipeline-e2e baseline (raw DuckDB and COPY): ${before.toFixed(0)} ms, ${after.toFixed(0)} ms`);

  printFigure({ bench, metric: 'pipeline_wall_time', value: first.ms, unit: 'ms', baseline: baselineMs });
  printFigure({
    bench,
    metric: 'pipeline_rows_per_s',
    value: (CSV_ROWS + PG_ROWS) / (first.ms / 1000),
    unit: 'rows/s',
    baseline: (CSV_ROWS + PG_ROWS) / (baselineMs / 1000),
  });
  printFigure({ bench, metric: 'rerun_unchanged_wall_time', value: again.ms, unit: 'ms', baseline: null });
} finally {
  await platform.close();
  await source.end();
  await sourceDb.drop();
  instance.closeSync();
  await rm(scratch, { recursive: true, force: true });
}

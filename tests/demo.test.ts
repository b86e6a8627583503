// The retail demo as a new user meets it: `assay demo` on a fresh installation sets up the workspace, the data and
// the pipeline and runs it from Bronze to Gold; the Gold tables hold exactly what the generated data implies.
import assert from 'node:assert/strict';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '@assay/core/test-database';
import { DuckDBInstance } from '@duckdb/node-api';
import knex from 'knex';
import { runAssayToEnd, tempHome } from './support/assay-process.ts';

let database: TestDatabase;
let dir: string;
let env: Record<string, string>;

before(async () => {
  database = await createTestDatabase();
  dir = await tempHome('assay-demo-');
  env = { DATABASE_URL: database.url, ASSAY_HOME: join(dir, 'home') };
  const migrated = await runAssayToEnd(['migrate'], env, dir);
  assert.equal(migrated.code, 0, migrated.stderr.join('\n'));
});
after(async () => {
  // The demo's catalog database lives beside the test's own.
  const name = `${new URL(database.url).pathname.slice(1)}_demo`;
  const admin = knex({ client: 'pg', connection: database.url });
  try {
    await admin.raw(`drop database if exists ${name} with (force)`);
  } finally {
    await admin.destroy();
  }
  await database?.drop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

interface DemoResult {
  workspace: string;
  pipeline: string;
  run: string;
  salesFiles: string[];
  rows: Record<string, number | null>;
}

/** What the Gold tables must hold, computed from the generated files and the catalog's rules independently. */
async function expectedRows(files: readonly string[]) {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const list = files.map((file) => `'${file}'`).join(', ');
    // Active products: SKU-0001 … SKU-0300 except every tenth; category by number, as the catalog has them.
    const result = await connection.runAndReadAll(`
      WITH sales AS (
        SELECT DISTINCT sale_id, upper(trim(sku)) AS sku, region, CAST(sold_at AS DATE) AS day
        FROM read_csv([${list}], header = true, all_varchar = true)
      ), known AS (
        SELECT s.*, n FROM sales s
        JOIN range(1, 301) AS p(n) ON s.sku = 'SKU-' || lpad(n::VARCHAR, 4, '0') AND n % 10 <> 0
      )
      SELECT (SELECT count(*) FROM known)::INTEGER AS facts,
        (SELECT count(*) FROM (SELECT DISTINCT day, n % 8, region FROM known))::INTEGER AS daily`);
    const [row] = result.getRowObjectsJson();
    return { 'gold.fct_sales': Number(row!.facts), 'gold.daily_sales_by_category_region': Number(row!.daily) };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

test('assay demo sets up the retail demo and runs it to Gold; running it again changes nothing', async () => {
  const started = Date.now();
  const first = await runAssayToEnd(['demo', '--json'], env, dir);
  assert.equal(first.code, 0, `${first.stdout.join('\n')}\n${first.stderr.join('\n')}`);
  const result = JSON.parse(first.stdout.at(-1)!) as DemoResult;
  assert.equal(result.workspace, 'demo');
  assert.equal(result.salesFiles.length, 7);
  const expected = await expectedRows(result.salesFiles);
  assert.ok(expected['gold.fct_sales'] > 8000, `a week of sales: ${JSON.stringify(expected)}`);
  assert.deepEqual(result.rows, expected);
  assert.ok(Date.now() - started < 60_000, 'the demo runs in under a minute');

  const runs = await runAssayToEnd(['runs', 'show', result.run, '--workspace', 'demo', '--json'], env, dir);
  assert.equal(runs.code, 0, runs.stderr.join('\n'));
  const run = JSON.parse(runs.stdout.join('')) as { status: string; jobs: Array<{ jobId: string; status: string }> };
  assert.equal(run.status, 'succeeded');
  assert.deepEqual(
    run.jobs.map((job) => [job.jobId, job.status]).sort(),
    ['daily_sales', 'dim_product', 'fct_sales', 'pos_sales', 'products', 'sales'].map((id) => [id, 'succeeded']),
  );

  // Unknown and discontinued SKUs were set aside with a reason, not silently dropped.
  const quarantine = join(env.ASSAY_HOME!, 'lake', 'demo', 'silver', '_quarantine', 'sales');
  assert.ok(
    (await readdir(quarantine)).some((name) => name.endsWith('.parquet')),
    'silver.sales has quarantined rows',
  );

  const again = await runAssayToEnd(['demo', '--json'], env, dir);
  assert.equal(again.code, 0, `${again.stdout.join('\n')}\n${again.stderr.join('\n')}`);
  assert.deepEqual((JSON.parse(again.stdout.at(-1)!) as DemoResult).rows, expected);
});

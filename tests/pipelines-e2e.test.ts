// The pipelines journey from the shell: a YAML project with two connections (CSV files, PostgreSQL) and a pipeline
// of two ingest jobs into Bronze and a SQL job into Silver, applied and run with the real `assay` binary against a
// real PostgreSQL and a local lake; then re-run with unchanged input, with new input, and with a broken SQL job.
import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '@assay/core/test-database';
import knex, { type Knex } from 'knex';
import { runAssayToEnd, tempHome } from './support/assay-process.ts';

const WORKSPACE = 'shop';
const PIPELINE = 'customer-orders';
const FIXTURE = join(import.meta.dirname, 'fixtures', 'pipelines-e2e', 'customer-orders.yaml');

/** The parts of `assay runs show --json` this test looks at. */
interface JobRun {
  jobId: string;
  status: string;
  attempt: number;
  rowsRead: number;
  rowsWritten: number;
  rowsUpdated: number;
  rowsQuarantined: number;
  deltaVersion: number | null;
  commitSkipped: boolean | null;
  inputVersions: Record<string, number> | null;
  error: { code: string; message: string; errorClass: string | null } | null;
}
interface Run {
  id: string;
  pipeline: string;
  version: number;
  sequence: number;
  status: string;
  trigger: string;
  error: { code: string; message: string; job?: string } | null;
  jobCounts: Record<string, number>;
  jobs: JobRun[];
}

let platformDb: TestDatabase;
let sourceDb: TestDatabase;
let source: Knex;
let dir: string;
let env: Record<string, string>;

before(async () => {
  platformDb = await createTestDatabase();
  sourceDb = await createTestDatabase();
  dir = await tempHome('assay-pipelines-e2e-');
  const data = join(dir, 'data');
  await mkdir(join(data, 'orders'), { recursive: true });
  await writeFile(
    join(data, 'orders', 'orders-1.csv'),
    'order_id,customer_id,amount\n101,1,10.50\n102,2,7.25\n103,1,3\n',
  );
  await writeFile(join(dir, 'assay.yaml'), `pluginConfig:\n  connector-file: { allowedRoots: ["${data}"] }\n`);

  source = knex({ client: 'pg', connection: sourceDb.url });
  await source.raw(`CREATE SCHEMA shop`);
  await source.raw(`CREATE TABLE shop.customers (id int PRIMARY KEY, name text NOT NULL, country text)`);
  await source('shop.customers').insert([
    { id: 1, name: 'Ann', country: 'NL' },
    { id: 2, name: 'Bob', country: 'DE' },
    { id: 3, name: 'Cem', country: null },
  ]);

  const url = new URL(sourceDb.url);
  await mkdir(join(dir, 'project'));
  await writeFile(
    join(dir, 'project', 'connections.yaml'),
    `apiVersion: assay.dev/v1
kind: Connection
metadata: { name: shop-files, description: Order exports }
spec:
  type: file
  config: { source: server, root: ${JSON.stringify(data)} }
---
apiVersion: assay.dev/v1
kind: Connection
metadata: { name: shop-db, description: The shop database }
spec:
  type: postgres
  config:
    host: ${url.hostname}
    port: ${Number(url.port || 5432)}
    database: ${url.pathname.slice(1)}
    user: ${decodeURIComponent(url.username || 'postgres')}
    password: \${env:PG_PASSWORD}
    schemas: [shop]
`,
  );
  await copyFile(FIXTURE, join(dir, 'project', 'customer-orders.yaml'));
  env = { DATABASE_URL: platformDb.url, ASSAY_HOME: join(dir, 'home'), ASSAY_CONFIG: join(dir, 'assay.yaml') };

  const migrated = await cli(['migrate']);
  assert.equal(migrated.code, 0, migrated.stderr.join('\n'));
  const created = await cli(['workspace', 'create', WORKSPACE, '--name', 'Shop']);
  assert.equal(created.code, 0, created.stderr.join('\n'));
});

after(async () => {
  await source?.destroy();
  await platformDb?.drop();
  await sourceDb?.drop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

function cli(args: string[], extra: Record<string, string> = {}) {
  return runAssayToEnd(args, { ...env, ...extra }, dir);
}

/** `assay run --watch` of the pipeline: the exit code, its output and the run's id from its first line. */
async function runPipeline() {
  const result = await cli(['run', PIPELINE, '--workspace', WORKSPACE, '--watch']);
  const id = /^run (\S+) \(customer-orders v\d+, #\d+\) queued$/.exec(result.stdout[0] ?? '')?.[1];
  assert.ok(
    id !== undefined,
    `the first line names the run:\n${result.stdout.join('\n')}\n${result.stderr.join('\n')}`,
  );
  return { ...result, id };
}

async function showRun(id: string): Promise<Run> {
  const shown = await cli(['runs', 'show', id, '--workspace', WORKSPACE, '--json']);
  assert.equal(shown.code, 0, shown.stderr.join('\n'));
  return JSON.parse(shown.stdout.join('')) as Run;
}

/** Each job as [id, status, attempt, rows read, written, updated, quarantined, Delta version, commit skipped]. */
function jobSummary(run: Run) {
  return run.jobs.map((j) => [
    j.jobId,
    j.status,
    j.attempt,
    j.rowsRead,
    j.rowsWritten,
    j.rowsUpdated,
    j.rowsQuarantined,
    j.deltaVersion,
    j.commitSkipped,
  ]);
}

/** The table's rows (through `assay table read`, as NDJSON), sorted so they compare as a multiset. */
async function tableRows(dataset: string, columns: readonly string[]): Promise<unknown[][]> {
  const read = await cli(['table', 'read', dataset, '--workspace', WORKSPACE, '--json', '--limit', '10000']);
  assert.equal(read.code, 0, read.stderr.join('\n'));
  return read.stdout
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .map((row) => columns.map((column) => row[column]))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

/** The table's commits, newest first, as [version, operation]. */
async function tableHistory(dataset: string): Promise<Array<[number, string]>> {
  const history = await cli(['table', 'history', dataset, '--workspace', WORKSPACE, '--json']);
  assert.equal(history.code, 0, history.stderr.join('\n'));
  return history.stdout.map((line) => {
    const entry = JSON.parse(line) as { version: number; operation: string };
    return [entry.version, entry.operation];
  });
}

const SILVER_COLUMNS = ['order_id', 'customer_id', 'customer', 'country', 'amount'] as const;
const FIRST_SILVER = [
  ['101', 1, 'Ann', 'NL', '10.50'],
  ['102', 2, 'Bob', 'DE', '7.25'],
  ['103', 1, 'Ann', 'NL', '3.00'],
];
const ALL_SILVER = [...FIRST_SILVER, ['104', 4, 'Dan', 'US', '12.00'], ['105', 2, 'Bob', 'DE', '1.99']];

describe('a YAML project applied and run from the shell', () => {
  test('apply creates both connections and the pipeline; the run loads Bronze and merges Silver', async () => {
    const applied = await cli(['apply', '-f', join(dir, 'project'), '--workspace', WORKSPACE, '--yes', '-m', 'first'], {
      PG_PASSWORD: decodeURIComponent(new URL(sourceDb.url).password) || 'ignored-by-trust-auth',
    });
    assert.equal(applied.code, 0, applied.stderr.join('\n'));
    assert.deepEqual(applied.stdout, [
      '+ create connection shop-db',
      '+ create connection shop-files',
      '+ create pipeline customer-orders',
      'Applied to workspace shop: 3 to create.',
    ]);

    const run = await runPipeline();
    assert.equal(run.code, 0, `${run.stdout.join('\n')}\n${run.stderr.join('\n')}`);
    assert.match(run.stdout.at(-1)!, new RegExp(`^run ${run.id} of customer-orders v1 succeeded in \\d+\\.\\d s$`));

    const shown = await showRun(run.id);
    assert.deepEqual(
      [shown.pipeline, shown.version, shown.sequence, shown.status, shown.trigger, shown.error, shown.jobCounts],
      [PIPELINE, 1, 1, 'succeeded', 'manual', null, { succeeded: 3 }],
    );
    assert.deepEqual(jobSummary(shown), [
      ['orders', 'succeeded', 1, 3, 3, 0, 0, 0, false],
      ['customers', 'succeeded', 1, 3, 3, 0, 0, 0, false],
      // Reads both inputs (3 + 3 rows); a merge into a new table first creates it (version 0), then merges (1).
      ['customer_orders', 'succeeded', 1, 6, 3, 0, 0, 1, false],
    ]);
    assert.deepEqual(shown.jobs[2]!.inputVersions, { 'bronze.orders': 0, 'bronze.customers': 0 });
    assert.deepEqual(await tableHistory('silver.customer_orders'), [
      [1, 'MERGE'],
      [0, 'CREATE TABLE'],
    ]);
    assert.deepEqual(await tableRows('silver.customer_orders', SILVER_COLUMNS), FIRST_SILVER);
  });

  test('a re-run with unchanged input reads no new rows and leaves Silver as it was', async () => {
    const run = await runPipeline();
    assert.equal(run.code, 0, `${run.stdout.join('\n')}\n${run.stderr.join('\n')}`);
    const shown = await showRun(run.id);
    assert.deepEqual([shown.sequence, shown.status, shown.jobCounts], [2, 'succeeded', { succeeded: 3 }]);
    assert.deepEqual(jobSummary(shown), [
      // No new file: nothing read, nothing committed, the table stays at version 0.
      ['orders', 'succeeded', 1, 0, 0, 0, 0, 0, false],
      // The watermark's lower bound is inclusive (connector-postgres README): the row at the last watermark (id 3)
      // is read again and, by dedupeKeys, replaces itself — one update, no new key.
      ['customers', 'succeeded', 1, 1, 1, 1, 0, 1, false],
      // The merge matches every row: a new version (2) whose rows equal the old ones.
      ['customer_orders', 'succeeded', 1, 6, 3, 3, 0, 2, false],
    ]);
    assert.deepEqual(shown.jobs[2]!.inputVersions, { 'bronze.orders': 0, 'bronze.customers': 1 });
    assert.deepEqual(await tableRows('silver.customer_orders', SILVER_COLUMNS), FIRST_SILVER);
    assert.deepEqual(await tableRows('bronze.customers', ['id', 'name', 'country']), [
      [1, 'Ann', 'NL'],
      [2, 'Bob', 'DE'],
      [3, 'Cem', null],
    ]);
    assert.deepEqual(await tableHistory('bronze.orders'), [[0, 'WRITE']], 'bronze.orders got no commit');
  });

  test('new rows in the CSV directory and the PostgreSQL table arrive exactly once', async () => {
    await writeFile(join(dir, 'data', 'orders', 'orders-2.csv'), 'order_id,customer_id,amount\n104,4,12\n105,2,1.99\n');
    await source('shop.customers').insert({ id: 4, name: 'Dan', country: 'US' });

    const run = await runPipeline();
    assert.equal(run.code, 0, `${run.stdout.join('\n')}\n${run.stderr.join('\n')}`);
    const shown = await showRun(run.id);
    assert.deepEqual([shown.sequence, shown.status], [3, 'succeeded']);
    assert.deepEqual(jobSummary(shown), [
      ['orders', 'succeeded', 1, 2, 2, 0, 0, 1, false],
      ['customers', 'succeeded', 1, 2, 2, 1, 0, 2, false],
      ['customer_orders', 'succeeded', 1, 9, 5, 3, 0, 3, false],
    ]);
    assert.deepEqual(await tableRows('bronze.orders', ['order_id', 'customer_id', 'amount']), [
      ['101', 1, '10.50'],
      ['102', 2, '7.25'],
      ['103', 1, '3.00'],
      ['104', 4, '12.00'],
      ['105', 2, '1.99'],
    ]);
    assert.deepEqual(await tableRows('bronze.customers', ['id', 'name']), [
      [1, 'Ann'],
      [2, 'Bob'],
      [3, 'Cem'],
      [4, 'Dan'],
    ]);
    assert.deepEqual(await tableRows('silver.customer_orders', SILVER_COLUMNS), ALL_SILVER);
  });

  test('bad input: a SQL job naming a missing column fails the run with exit 1 and writes nothing', async () => {
    const broken = join(dir, 'broken');
    await mkdir(broken);
    const yaml = await readFile(FIXTURE, 'utf8');
    const withMissingColumn = yaml.replace('o.amount\n', 'o.amount, o.discount\n');
    assert.notEqual(withMissingColumn, yaml);
    await writeFile(join(broken, 'customer-orders.yaml'), withMissingColumn);
    const applied = await cli(['apply', '-f', broken, '--workspace', WORKSPACE, '--yes', '-m', 'add discount']);
    assert.equal(applied.code, 0, applied.stderr.join('\n'));
    assert.equal(applied.stdout.at(-1), 'Applied to workspace shop: 1 to update.');
    const before = await tableHistory('silver.customer_orders');

    const run = await runPipeline();
    assert.equal(run.code, 1, run.stdout.join('\n'));
    assert.match(run.stdout.at(-1)!, new RegExp(`^run ${run.id} of customer-orders v2 failed in \\d+\\.\\d s$`));
    assert.ok(!run.stdout.some((line) => line.includes('SQL_INVALID: config.sql')), 'the failure is not on stdout');
    // The failed job's summary is on stderr, among the CLI's log lines (the job's error; at exit, possibly a
    // best-effort job.finished event the stopping queue could not publish).
    const summary = run.stderr.find((line) => line.startsWith('customer_orders: '));
    assert.match(summary ?? '', /^customer_orders: SQL_INVALID: config\.sql is invalid: .*"discount"/);
    assert.match(run.stderr.join('\n'), /"code":"SQL_INVALID"/);

    const shown = await showRun(run.id);
    assert.deepEqual(
      [shown.version, shown.status, shown.error?.code, shown.error?.job, shown.jobCounts],
      [2, 'failed', 'SQL_INVALID', 'customer_orders', { succeeded: 2, failed: 1 }],
    );
    const failed = shown.jobs.find((j) => j.jobId === 'customer_orders')!;
    assert.deepEqual(
      [
        failed.status,
        failed.attempt,
        failed.rowsWritten,
        failed.deltaVersion,
        failed.error?.code,
        failed.error?.errorClass,
      ],
      ['failed', 1, 0, null, 'SQL_INVALID', 'user'],
      'a user error is not retried and commits nothing',
    );
    assert.deepEqual(await tableHistory('silver.customer_orders'), before, 'Silver got no new version');
    assert.equal(before[0]![0], 3);
    assert.deepEqual(await tableRows('silver.customer_orders', SILVER_COLUMNS), ALL_SILVER);
  });
});

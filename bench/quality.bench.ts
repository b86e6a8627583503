// Issue 8's single-pass rule on BENCH_QUALITY_ROWS rows (default 10 million; 7 columns: two ids, an amount, a date,
// two text codes and a nullable note), written once as a Delta dataset by the job kit. In this process, with the
// kit's engine limits (2 threads, 512 MB):
//   (a) baseline: one plain full scan of the dataset's view in a sandboxed session (PLAIN_SCAN below);
//   (b) core's evaluateChecks with 20 row checks over the same view, all passing, so no sample query runs; the
//       evaluator must send exactly one statement (counted) and every check must see every row;
//   (c) a job through the real executor copying the dataset as an overwrite of another, with the 20 checks
//       (action warn) and without them: what checks add to a real job, which also stages the rows once for them.
// Issue 8's target is (b)/(a) ≤ 1.5. Rounds interleave (a), (b) and (c) so that caches favour none; the fastest of
// each is reported.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineOperator, Type, type OutputWriteRequest } from '@assay/sdk';
import { createJobTestKit } from '@assay/core/job-testing';
import { DuckDBInstance } from '@duckdb/node-api';
import { datasetViewSql, type DatasetView } from '../core/src/engine/dataset-view.ts';
import { openSession, type EngineSession } from '../core/src/engine/engine-session.ts';
import { evaluateChecks, type CheckToRun } from '../core/src/quality/evaluate-checks.ts';
import type { DeclaredCheck } from '../core/src/quality/job-checks.ts';
import {
  betweenFixture as between,
  matchesFixture as matches,
  maxLengthFixture as maxLength,
  notNullFixture as notNull,
  oneOfFixture as oneOf,
} from '../core/src/quality/row-check-fixtures.ts';
import { printFigure } from './bench-figure.ts';

const ROWS = Number(process.env.BENCH_QUALITY_ROWS ?? 10_000_000);
const ROUNDS = 3;
const bench = 'quality';
const DATASET = 'silver.orders';
const RELATION = '"silver"."orders"';

const ORDERS = `SELECT
    range::BIGINT AS id,
    CAST(hash(range * 13) % 1000000 AS INTEGER) AS customer_id,
    CAST((hash(range * 31) % 100000) / 100 AS DECIMAL(10,2)) AS amount,
    DATE '2024-01-01' + CAST(hash(range * 7) % 730 AS INTEGER) AS ordered_on,
    'C-' || lpad(CAST(hash(range * 17) % 10000 AS VARCHAR), 4, '0') AS code,
    ['new', 'paid', 'shipped', 'returned'][CAST(hash(range * 5) % 4 AS INTEGER) + 1] AS status,
    CASE WHEN hash(range * 3) % 5 = 0 THEN NULL ELSE 'note ' || CAST(hash(range * 11) % 1000 AS VARCHAR) END AS note
  FROM range(${ROWS})`;
const COLUMNS = ['id', 'customer_id', 'amount', 'ordered_on', 'code', 'status', 'note'];

// The baseline reads every value of every column once, with the cheapest aggregate that makes DuckDB decode it: a
// count(column) of a column without NULLs, or a bare count(*), is answered from Parquet metadata without reading.
// Sums of the numbers, the latest date, and the longest text of each text column (the note's also counting NULLs).
const PLAIN_SCAN = `SELECT count(*) AS rows, sum(id) AS ids, sum(customer_id) AS customers, sum(amount) AS amount,
  max(ordered_on) AS latest, max(length(code)) AS code, max(length(status)) AS status, count(note) AS notes,
  max(length(note)) AS note FROM ${RELATION}`;

/** Twenty row checks over the seven columns, all passing; one narrowed by `where`. */
const CHECKS: DeclaredCheck[] = [
  ...COLUMNS.slice(0, 6).map((column) => ({ id: `not_null.${column}`, definition: notNull, config: { column } })),
  { id: 'range.id', definition: between, config: { column: 'id', min: '0', max: String(ROWS) } },
  { id: 'range.customer_id', definition: between, config: { column: 'customer_id', min: '0', max: '999999' } },
  { id: 'range.amount', definition: between, config: { column: 'amount', min: '0', max: '1000' } },
  {
    id: 'range.ordered_on',
    definition: between,
    config: { column: 'ordered_on', min: "DATE '2024-01-01'", max: "DATE '2025-12-31'" },
  },
  {
    id: 'past.ordered_on',
    definition: between,
    config: { column: 'ordered_on', min: "DATE '2000-01-01'", max: 'current_date' },
  },
  { id: 'pattern.code', definition: matches, config: { column: 'code', pattern: '^C-[0-9]{4}$' } },
  { id: 'length.code', definition: maxLength, config: { column: 'code', max: 6 } },
  {
    id: 'accepted.status',
    definition: oneOf,
    config: { column: 'status', values: ['new', 'paid', 'shipped', 'returned'] },
  },
  { id: 'length.status', definition: maxLength, config: { column: 'status', max: 8 } },
  { id: 'pattern.status', definition: matches, config: { column: 'status', pattern: '^[a-z]+$' } },
  { id: 'pattern.note', definition: matches, config: { column: 'note', pattern: '^note [0-9]+$' } },
  { id: 'length.note', definition: maxLength, config: { column: 'note', max: 8 } },
  { id: 'paid.note', definition: maxLength, config: { column: 'note', max: 8 }, where: "status = 'paid'" },
  { id: 'range.id_customer', definition: between, config: { column: 'customer_id', min: '0', max: 'id + 1000000' } },
];
if (CHECKS.length !== 20) throw new Error(`expected 20 checks, declared ${CHECKS.length}`);

/** A copy job: the dataset, overwritten into `silver.orders_copy`. */
const copier = defineOperator({
  type: 'copier',
  version: 1,
  title: 'Copier',
  category: 'utility',
  config: Type.Object({}),
  inputs: { min: 1 },
  async run(ctx) {
    const request: OutputWriteRequest = { sql: `SELECT * FROM ${DATASET}`, mode: 'overwrite' };
    await ctx.output!.write(request);
    return {};
  },
});

/** Fails unless DuckDB's plan for the baseline scans the table once, decoding every column. */
async function assertPlainScan(view: DatasetView): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const connection = await instance.connect();
  try {
    for (const statement of datasetViewSql(view)) await connection.run(statement);
    const reader = await connection.runAndReadAll(`EXPLAIN (FORMAT JSON) ${PLAIN_SCAN}`);
    const scans: Array<{ extra_info?: { Projections?: string | string[] } }> = [];
    const walk = (node: { name?: string; children?: unknown[] }) => {
      // EXPLAIN names a Parquet scan by its function; EXPLAIN ANALYZE calls it TABLE_SCAN.
      if (node.name === 'READ_PARQUET' || node.name === 'TABLE_SCAN') scans.push(node as (typeof scans)[number]);
      for (const child of node.children ?? []) walk(child as typeof node);
    };
    for (const root of JSON.parse(String(reader.getRowObjectsJson()[0]?.explain_value)) as unknown[]) {
      walk(root as { children?: unknown[] });
    }
    const read = [scans[0]?.extra_info?.Projections ?? []].flat();
    if (scans.length !== 1 || COLUMNS.some((column) => !read.includes(column))) {
      throw new Error(`the baseline should scan once, reading ${COLUMNS.join(', ')}: ${JSON.stringify(scans)}`);
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const begin = performance.now();
  await work();
  return performance.now() - begin;
}

async function rowsOf(session: EngineSession, sql: string): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for await (const chunk of session.stream(sql)) rows.push(...chunk);
  return rows;
}

const kit = await createJobTestKit({ workspace: 'bench' });
let session: EngineSession | undefined;
try {
  const loaded = await timed(() => kit.writeDataset(DATASET, ORDERS));
  console.error(`quality: ${ROWS} rows generated and written as ${DATASET} in ${loaded.toFixed(0)} ms`);
  const table = kit.lake.table(kit.workspace, DATASET);
  const view = await table.view(await table.snapshot());
  await assertPlainScan(view);
  session = await openSession({
    views: [view],
    memoryLimit: '512MB',
    threads: 2,
    scratchDirectory: join(tmpdir(), `assay-bench-quality-${process.pid}`),
  });
  const statements: string[] = [];
  const counted: EngineSession = {
    ...session,
    stream: (sql) => {
      statements.push(sql);
      return session!.stream(sql);
    },
  };
  const toRun: CheckToRun[] = CHECKS.map(({ id, definition, config, where }) => ({ id, definition, config, where }));
  const paid = Number((await rowsOf(session, `SELECT count(*) AS n FROM ${RELATION} WHERE status = 'paid'`))[0]?.n);

  let sequence = 0;
  const job = async (checks: DeclaredCheck[] | undefined) => {
    const request = kit.request(
      { operator: copier, inputs: [DATASET], output: 'silver.orders_copy' },
      { runSequence: ++sequence },
    );
    const result = await kit.executor.run({ ...request, job: { ...request.job, checks } });
    if (result.rowsWritten !== ROWS) throw new Error(`the job wrote ${result.rowsWritten} rows, not ${ROWS}`);
    if (checks !== undefined && (result.checks?.length !== 20 || result.checks.some((c) => !c.passed))) {
      throw new Error(`the job's checks: ${JSON.stringify(result.checks?.map((c) => [c.id, c.passed]))}`);
    }
  };

  const scan: number[] = [];
  const checked: number[] = [];
  const plainJob: number[] = [];
  const checkedJob: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    let total: unknown;
    scan.push(await timed(async () => (total = (await rowsOf(session!, PLAIN_SCAN))[0]?.rows)));
    if (Number(total) !== ROWS) throw new Error(`the plain scan counted ${String(total)} rows, not ${ROWS}`);

    statements.length = 0;
    let results: Awaited<ReturnType<typeof evaluateChecks>> = [];
    checked.push(await timed(async () => (results = await evaluateChecks(counted, RELATION, toRun))));
    if (statements.length !== 1) throw new Error(`the checks sent ${statements.length} statements, not 1`);
    const wrong = results.filter((r) => !r.passed || r.checked !== (r.id === 'paid.note' ? paid : ROWS));
    if (wrong.length > 0) throw new Error(`unexpected check results: ${JSON.stringify(wrong.map((r) => r.id))}`);

    plainJob.push(await timed(() => job(undefined)));
    checkedJob.push(await timed(() => job(CHECKS.map((check) => ({ ...check, action: 'warn' })))));
    console.error(
      `quality round ${round}: plain scan ${scan.at(-1)!.toFixed(0)} ms, 20 checks ${checked.at(-1)!.toFixed(0)} ms; ` +
        `job without checks ${plainJob.at(-1)!.toFixed(0)} ms, with them ${checkedJob.at(-1)!.toFixed(0)} ms`,
    );
  }
  const best = (values: number[]) => Math.min(...values);
  printFigure({ bench, metric: 'row_checks_20_vs_plain_scan', value: best(checked), unit: 'ms', baseline: best(scan) });
  printFigure({
    bench,
    metric: 'job_with_20_checks_vs_without',
    value: best(checkedJob),
    unit: 'ms',
    baseline: best(plainJob),
  });
} finally {
  await session?.close();
  await kit.close();
}

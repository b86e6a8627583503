// The metrics operator on BENCH_METRICS_ROWS fact rows (default 10 million: a year of sales, 200 stores in 10
// regions, 20 categories, 1 million customers): an incremental refresh after one day received late rows, against a
// full recompute of every period of the same data, both run through the operator by the job kit (core's real
// executor, the kit's engine limits: 2 threads, 512 MB) in this process. Each round appends late rows to one day,
// refreshes incrementally, then recomputes in full (`incremental: false`); the fastest of each is reported. Baselines
// in the same run, hand-written DuckDB SQL with the same limits over the same Parquet data: the full aggregation
// written partitioned by day, and the one day's aggregation.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createJobTestKit } from '@assay/sdk/testing';
import { DuckDBInstance } from '@duckdb/node-api';
import { metricsOperator } from '@assay/operator-metrics';
import { printFigure } from './bench-figure.ts';

const ROWS = Number(process.env.BENCH_METRICS_ROWS ?? 10_000_000);
const LATE_ROWS = 10_000;
const ROUNDS = 3;
const bench = 'metrics';

const scratch = await mkdtemp(join(tmpdir(), 'assay-bench-metrics-'));
const kit = await createJobTestKit({ workspace: 'bench' });
const instance = await DuckDBInstance.create(':memory:', { threads: '2', memory_limit: '512MB' });
const duck = await instance.connect();

/** Sales in date order, as daily loads land; `offset` makes later batches' ids distinct. */
const sales = (rows: number, offset: number, day?: string) => `SELECT
    (range + ${offset})::BIGINT AS sale_id,
    ${day === undefined ? `DATE '2025-01-01' + CAST(range * 365 // ${rows} AS INTEGER)` : `DATE '${day}'`} AS sold_on,
    CAST(hash(range + ${offset}) % 200 AS INTEGER) AS store_id,
    'region_' || CAST(hash(range + ${offset}) % 200 % 10 AS VARCHAR) AS region,
    'category_' || CAST(hash(range * 7 + ${offset}) % 20 AS VARCHAR) AS category,
    CAST(hash(range * 13 + ${offset}) % 1000000 AS INTEGER) AS customer_id,
    CAST((hash(range * 31 + ${offset}) % 10000) / 100 AS DECIMAL(10,2)) AS amount,
    CAST(1 + hash(range * 17 + ${offset}) % 5 AS INTEGER) AS qty
  FROM range(${rows})`;

const MEASURES = `sum(amount) AS revenue, sum(qty) AS units, count(*) AS orders,
  count(DISTINCT customer_id) AS customers, avg(amount) AS avg_amount,
  CAST(sum(amount) AS DOUBLE) / NULLIF(CAST(sum(qty) AS DOUBLE), 0) AS avg_unit_price`;
const CONFIG = {
  measures: [
    { name: 'revenue', type: 'sum', column: 'amount' },
    { name: 'units', type: 'sum', column: 'qty' },
    { name: 'orders', type: 'count' },
    { name: 'customers', type: 'count_distinct', column: 'customer_id' },
    { name: 'avg_amount', type: 'avg', column: 'amount' },
    { name: 'avg_unit_price', type: 'ratio', numerator: 'revenue', denominator: 'units' },
  ],
  dimensions: ['region', 'category'],
  time: { column: 'sold_on', grain: 'day' },
};

async function timed(work: () => Promise<unknown>): Promise<number> {
  const begin = performance.now();
  await work();
  return performance.now() - begin;
}

let sequence = 0;
async function refresh(incremental: boolean): Promise<{ ms: number; metrics: Record<string, number>; rows: number }> {
  const job = {
    id: 'daily_sales',
    operator: metricsOperator,
    config: { ...CONFIG, incremental },
    inputs: ['bronze.sales'],
    output: 'gold.daily_sales',
  };
  let result: Awaited<ReturnType<typeof kit.runJob>> | undefined;
  const ms = await timed(async () => (result = await kit.runJob(job, { runSequence: ++sequence })));
  return { ms, metrics: result!.metrics, rows: result!.rowsWritten };
}

const files: string[] = [];
try {
  const base = join(scratch, 'sales-0.parquet');
  const generated = await timed(async () => {
    await duck.run(`COPY (${sales(ROWS, 0)}) TO '${base}' (FORMAT parquet)`);
    await kit.writeDataset('bronze.sales', `SELECT * FROM read_parquet('${base}')`);
  });
  files.push(base);
  console.error(`metrics: ${ROWS} fact rows generated and loaded in ${generated.toFixed(0)} ms`);
  const first = await refresh(true);
  console.error(
    `metrics: first run (full) ${first.ms.toFixed(0)} ms, ${first.rows} rows ${JSON.stringify(first.metrics)}`,
  );

  const incremental: number[] = [];
  const full: number[] = [];
  const handFull: number[] = [];
  const handDay: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const day = `2025-0${round + 3}-15`;
    const late = join(scratch, `sales-${round}.parquet`);
    await duck.run(`COPY (${sales(LATE_ROWS, ROWS * round, day)}) TO '${late}' (FORMAT parquet)`);
    await kit.writeDataset('bronze.sales', `SELECT * FROM read_parquet('${late}')`);
    files.push(late);

    const step = await refresh(true);
    if (step.metrics.incremental !== 1 || step.metrics.periodsRecomputed !== 1) {
      throw new Error(`round ${round}: expected one period recomputed, got ${JSON.stringify(step.metrics)}`);
    }
    const whole = await refresh(false);
    if (whole.metrics.incremental !== 0) throw new Error(`round ${round}: expected a full recompute`);
    const list = `read_parquet([${files.map((f) => `'${f}'`).join(', ')}])`;
    const out = join(scratch, `hand-${round}`);
    const handAll = await timed(() =>
      duck.run(
        `COPY (SELECT sold_on AS period, region, category, ${MEASURES} FROM ${list} GROUP BY ALL) ` +
          `TO '${out}' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (period))`,
      ),
    );
    const handOne = await timed(() =>
      duck.run(
        `COPY (SELECT sold_on AS period, region, category, ${MEASURES} FROM ${list} WHERE sold_on = DATE '${day}' ` +
          `GROUP BY ALL) TO '${out}-day.parquet' (FORMAT parquet, COMPRESSION zstd)`,
      ),
    );
    await rm(out, { recursive: true, force: true });
    console.error(
      `metrics round ${round} (${day}): incremental ${step.ms.toFixed(0)} ms (${step.rows} rows), full ` +
        `${whole.ms.toFixed(0)} ms (${whole.rows} rows); hand-written SQL full ${handAll.toFixed(0)} ms, ` +
        `one day ${handOne.toFixed(0)} ms`,
    );
    incremental.push(step.ms);
    full.push(whole.ms);
    handFull.push(handAll);
    handDay.push(handOne);
  }
  const best = (values: number[]) => Math.min(...values);
  printFigure({
    bench,
    metric: 'incremental_one_day_vs_full_recompute',
    value: best(incremental),
    unit: 'ms',
    baseline: best(full),
  });
  printFigure({ bench, metric: 'full_recompute_vs_hand_sql', value: best(full), unit: 'ms', baseline: best(handFull) });
  printFigure({
    bench,
    metric: 'incremental_one_day_vs_hand_sql_one_day',
    value: best(incremental),
    unit: 'ms',
    baseline: best(handDay),
  });
} finally {
  duck.closeSync();
  instance.closeSync();
  await kit.close();
  await rm(scratch, { recursive: true, force: true });
}

// CSV → Bronze through the whole ingest path (connector-file, landing copy, typed read with row rejects, staged
// Parquet, Delta commit, load record) against a baseline of raw DuckDB `read_csv` → Parquet of the same file with
// the same compression and thread count, alternating runs and reporting the fastest of each. A second figure is the
// peak RSS of ingesting a CSV of BIG_CSV_GB (default 3) gigabytes, which must stay bounded (target < 1.5 GB).
// Set BENCH_INGEST_ROWS to change the size of the first figure's file (default 10 million rows, ~700 MB).
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fileConnectorPlugin from '@assay/connector-file';
import { startCoreTestPlatform } from '@assay/core/test-platform';
import { DuckDBInstance } from '@duckdb/node-api';
import { printFigure } from './bench-figure.ts';

const ROWS = Number(process.env.BENCH_INGEST_ROWS ?? 10_000_000);
const BIG_CSV_GB = Number(process.env.BIG_CSV_GB ?? 3);
const ROUNDS = 3;
const THREADS = 2;

const scratch = await mkdtemp(join(tmpdir(), 'assay-bench-ingest-'));
const data = join(scratch, 'data');
await mkdir(join(data, 'big'), { recursive: true });
const platform = await startCoreTestPlatform({
  plugins: [fileConnectorPlugin],
  pluginConfig: { 'connector-file': { allowedRoots: [data] } },
  worker: false,
});
const instance = await DuckDBInstance.create(':memory:', { threads: String(THREADS), memory_limit: '1GB' });
const duck = await instance.connect();

/**
 * Writes a CSV of generated orders (ids, timestamps, decimals, text) in a child process, so generating it does
 * not count towards this process's peak memory.
 */
async function writeCsv(path: string, rows: number): Promise<number> {
  const sql =
    `COPY (SELECT range AS id, TIMESTAMP '2024-01-01' + INTERVAL (range % 100000) SECOND AS ordered_at, ` +
    `range % 1000 AS store, md5(range::VARCHAR) AS sku, round(random() * 1000, 2) AS amount, ` +
    `CASE WHEN range % 7 = 0 THEN 'refund' ELSE 'sale' END AS kind FROM range(${rows})) ` +
    `TO '${path}' (FORMAT csv, HEADER true)`;
  const script =
    `import { DuckDBInstance } from '@duckdb/node-api';` +
    `const c = await (await DuckDBInstance.create(':memory:')).connect(); await c.run(${JSON.stringify(sql)});`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: import.meta.dirname,
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error(`generating ${path} failed`);
  return (await stat(path)).size;
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const begin = performance.now();
  await work();
  return performance.now() - begin;
}

async function ingest(connection: string, dataset: string): Promise<{ rowsWritten: number; rowsQuarantined: number }> {
  const response = await platform.inject({
    method: 'POST',
    url: '/api/v1/workspaces/bench/ingest',
    payload: { connection, stream: 'orders', streamConfig: { glob: '*.csv' }, dataset, wait: true },
  });
  if (response.statusCode !== 200) throw new Error(`ingest failed: ${response.body}`);
  return response.json();
}

try {
  await platform.createWorkspace('bench');
  // Peak memory first, while nothing else has run in this process: a big file, ~70 bytes per row.
  const bigRows = Math.round((BIG_CSV_GB * 1024 ** 3) / 70);
  const bigBytes = await writeCsv(join(data, 'big', 'orders.csv'), bigRows);
  await platform.inject({
    method: 'POST',
    url: '/api/v1/workspaces/bench/connections',
    payload: { name: 'big', type: 'file', config: { source: 'server', root: join(data, 'big') } },
  });
  const rssBefore = process.resourceUsage().maxRSS * 1024;
  const big = await ingest('big', 'bronze.big_orders');
  const peak = process.resourceUsage().maxRSS * 1024;
  console.error(
    `ingest-csv big file: ${(bigBytes / 1024 ** 3).toFixed(2)} GB, ${big.rowsWritten} rows, peak RSS ` +
      `${(peak / 1024 ** 2).toFixed(0)} MB (before: ${(rssBefore / 1024 ** 2).toFixed(0)} MB)`,
  );
  printFigure({
    bench: 'ingest-csv',
    metric: `peak_rss_${BIG_CSV_GB}gb_csv`,
    value: peak / 1024 ** 2,
    unit: 'MB',
    baseline: null,
  });
  await rm(join(data, 'big'), { recursive: true });
  const file = join(data, 'orders.csv');
  const bytes = await writeCsv(file, ROWS);
  console.error(`ingest-csv: ${ROWS} rows, ${(bytes / 1024 ** 2).toFixed(0)} MB`);
  await platform.inject({
    method: 'POST',
    url: '/api/v1/workspaces/bench/connections',
    payload: { name: 'files', type: 'file', config: { source: 'server', root: data } },
  });

  const baselines: number[] = [];
  const ingests: number[] = [];
  const baseline = async (run: number) => {
    const out = join(scratch, `baseline-${run}.parquet`);
    const ms = await timed(() =>
      duck.run(`COPY (SELECT * FROM read_csv('${file}')) TO '${out}' (FORMAT parquet, COMPRESSION zstd)`),
    );
    console.error(`ingest-csv baseline run ${run}: ${ms.toFixed(0)} ms`);
    await rm(out);
    baselines.push(ms);
  };
  const load = async (run: number) => {
    const dataset = `bronze.orders_${run}`;
    let result = { rowsWritten: 0, rowsQuarantined: 0 };
    const ms = await timed(async () => (result = await ingest('files', dataset)));
    if (result.rowsWritten !== ROWS || result.rowsQuarantined !== 0) {
      throw new Error(`expected ${ROWS} rows written, got ${JSON.stringify(result)}`);
    }
    console.error(`ingest-csv ingest run ${run}: ${ms.toFixed(0)} ms`);
    ingests.push(ms);
    // Each run reads the file again: a fresh connection has no state.
    await platform.inject({ method: 'DELETE', url: '/api/v1/workspaces/bench/connections/files' });
    await platform.inject({
      method: 'POST',
      url: '/api/v1/workspaces/bench/connections',
      payload: { name: 'files', type: 'file', config: { source: 'server', root: data } },
    });
  };
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2 === 0) {
      await baseline(round);
      await load(round);
    } else {
      await load(round);
      await baseline(round);
    }
  }
  const best = Math.min(...ingests);
  printFigure({
    bench: 'ingest-csv',
    metric: 'csv_to_bronze_rows_per_s',
    value: ROWS / (best / 1000),
    unit: 'rows/s',
    baseline: ROWS / (Math.min(...baselines) / 1000),
  });
  printFigure({
    bench: 'ingest-csv',
    metric: 'csv_to_bronze_time_ratio',
    value: best,
    unit: 'ms',
    baseline: Math.min(...baselines),
  });
} finally {
  duck.closeSync();
  instance.closeSync();
  await platform.close();
  await rm(scratch, { recursive: true, force: true });
}

// PostgreSQL → Bronze through connector-postgres (COPY to CSV, typed DuckDB read, staged Parquet, Delta commit) for a
// table of BENCH_PG_ROWS rows (default 10 million), against a baseline of the same COPY … TO STDOUT streamed to a
// file alone (the extraction floor). Reports rows/s of both and the process's peak RSS during the load, which must
// stay bounded (the table is never held in memory).
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import postgresPlugin from '@assay/connector-postgres';
import { startCoreTestPlatform } from '@assay/core/test-platform';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { printFigure } from './bench-figure.ts';

const ROWS = Number(process.env.BENCH_PG_ROWS ?? 10_000_000);
const url = process.env.TEST_DATABASE_URL;
if (url === undefined) throw new Error('TEST_DATABASE_URL must point at a PostgreSQL server');
const source = new URL(url);
const schema = `bench_${randomBytes(4).toString('hex')}`;
const scratch = await mkdtemp(join(tmpdir(), 'assay-bench-pg-'));
const admin = new pg.Client({ connectionString: url });
await admin.connect();
const platform = await startCoreTestPlatform({ plugins: [postgresPlugin], worker: false });

try {
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.query(`CREATE UNLOGGED TABLE ${schema}.orders AS
    SELECT i::bigint AS id, timestamptz '2024-01-01' + make_interval(secs => i % 1000000) AS ordered_at,
           (i % 1000)::int AS store, md5(i::text) AS sku, round((random() * 1000)::numeric, 2)::numeric(10,2) AS amount
      FROM generate_series(1, ${ROWS}) AS i`);
  console.error(`ingest-postgres: ${ROWS} rows generated`);

  const baselineFile = join(scratch, 'baseline.csv');
  const baselineStart = performance.now();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await pipeline(
    client.query(copyTo(`COPY (SELECT * FROM ${schema}.orders) TO STDOUT WITH (FORMAT csv, HEADER true)`)),
    createWriteStream(baselineFile),
  );
  await client.end();
  const baselineMs = performance.now() - baselineStart;
  await rm(baselineFile);
  console.error(`ingest-postgres baseline (COPY to a file): ${baselineMs.toFixed(0)} ms`);

  await platform.createWorkspace('bench');
  await platform.inject({
    method: 'POST',
    url: '/api/v1/workspaces/bench/connections',
    payload: {
      name: 'pg',
      type: 'postgres',
      config: {
        host: source.hostname,
        port: Number(source.port || 5432),
        database: source.pathname.slice(1) || 'postgres',
        user: decodeURIComponent(source.username || 'postgres'),
        ...(source.password === '' ? {} : { password: decodeURIComponent(source.password) }),
      },
    },
  });
  const rssBefore = process.resourceUsage().maxRSS / 1024;
  const start = performance.now();
  const response = await platform.inject({
    method: 'POST',
    url: '/api/v1/workspaces/bench/ingest',
    payload: { connection: 'pg', stream: `${schema}.orders`, dataset: 'bronze.orders', wait: true },
  });
  const ms = performance.now() - start;
  if (response.statusCode !== 200 || response.json().rowsWritten !== ROWS)
    throw new Error(`ingest failed: ${response.body}`);
  const peak = process.resourceUsage().maxRSS / 1024;
  console.error(
    `ingest-postgres: ${ms.toFixed(0)} ms, peak RSS ${peak.toFixed(0)} MB (before ${rssBefore.toFixed(0)} MB)`,
  );
  printFigure({
    bench: 'ingest-postgres',
    metric: 'postgres_to_bronze_rows_per_s',
    value: ROWS / (ms / 1000),
    unit: 'rows/s',
    baseline: ROWS / (baselineMs / 1000),
  });
  printFigure({ bench: 'ingest-postgres', metric: 'peak_rss_postgres_load', value: peak, unit: 'MB', baseline: null });
} finally {
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
  await admin.end();
  await platform.close();
  await rm(scratch, { recursive: true, force: true });
}

// cdc-merge of a Bronze change log of BENCH_CDC_EVENTS Debezium-style events (default 1 million, on
// BENCH_CDC_KEYS = 200,000 keys: snapshot reads, inserts, updates, deletes and re-inserts, delivered out of order,
// plus 1% redelivered duplicates) into a new Silver table through the real job executor (the job kit: DuckDB
// session, staged Parquet, Delta merge, state committed with it). The baseline is a hand-written DuckDB query over
// the same rows in the same process — latest change per key by source_position then event_time, deletes dropped,
// columns extracted from the after JSON — written to zstd Parquet with the same thread count and memory limit; the
// bench checks that both give the same table. A second figure applies a further batch (10% of the events, on a
// quarter of the keys) to the existing table against a hand-written merge of the old table with that batch
// (rewriting it); a third is a re-run with nothing new (no write at all).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cdcMergeOperator } from '@assay/operator-cdc-merge';
import { createJobTestKit } from '@assay/sdk/testing';
import { DuckDBInstance } from '@duckdb/node-api';
import { printFigure } from './bench-figure.ts';

const EVENTS = Number(process.env.BENCH_CDC_EVENTS ?? 1_000_000);
const KEYS = Number(process.env.BENCH_CDC_KEYS ?? 200_000);
const THREADS = 2;
const bench = 'cdc-merge';

/**
 * Change-log rows as connector-debezium lands them for PostgreSQL: event `i` (LSN order) changes key `i % keys`;
 * a key's first event is a snapshot read (a quarter of the keys) or an insert, every seventh key is deleted and
 * re-inserted on the way, every tenth ends deleted. Delivery order is shuffled (the transport order in
 * source_position follows it), and every hundredth event is delivered twice.
 */
function changeLogSql(events: number, keys: number, offset: number, transportBase: number): string {
  const steps = Math.ceil(events / keys);
  const image = (seq: string) =>
    `json_object('id', id, 'name', 'customer ' || id, 'tier', ['bronze', 'silver', 'gold'][(${seq}) % 3 + 1], ` +
    `'balance', round(id * 0.01 + (${seq}), 2), 'seq', ${seq})::VARCHAR`;
  return `WITH ev AS (
    SELECT i + ${offset} AS i, i % ${keys} AS id, i // ${keys} + ${offset === 0 ? 0 : steps} AS seq FROM range(${events}) t(i)
  ), typed AS (
    SELECT *, CASE
      WHEN seq = 0 THEN CASE WHEN id < ${keys} // 4 THEN 'r' ELSE 'c' END
      WHEN seq = 2 AND id % 7 = 0 THEN 'd'
      WHEN seq = 3 AND id % 7 = 0 THEN 'c'
      WHEN seq = ${steps - 1} AND id % 10 = 0 THEN 'd'
      ELSE 'u' END AS op
    FROM ev
  ), delivered AS (
    SELECT *, row_number() OVER (ORDER BY hash(i)) + ${transportBase} AS transport FROM typed
    UNION ALL
    SELECT *, i + ${transportBase + 2 * events} AS transport FROM typed WHERE i % 100 = 0
  )
  SELECT op,
    lpad(upper(hex(i * 64 + 4096)), 16, '0') || ':' || lpad(transport::VARCHAR, 20, '0') AS source_position,
    TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_milliseconds(i) AS event_time,
    'public.customers' AS source_table, (i // 3)::VARCHAR AS tx_id,
    json_object('id', id)::VARCHAR AS "key",
    CASE WHEN op IN ('u', 'd') THEN ${image('seq - 1')} END AS "before",
    CASE WHEN op <> 'd' THEN ${image('seq')} END AS "after"
  FROM delivered ORDER BY transport`;
}

/** The hand-written way: the latest change per key, deletes dropped, the after image's fields as columns. */
function latestSql(changes: string): string {
  return `SELECT CAST(after ->> '$.id' AS BIGINT) AS id, after ->> '$.name' AS name, after ->> '$.tier' AS tier,
      CAST(after ->> '$.balance' AS DOUBLE) AS balance, CAST(after ->> '$.seq' AS BIGINT) AS seq, op
    FROM ${changes} WHERE op IN ('c', 'u', 'd', 'r')
    QUALIFY row_number() OVER (
      PARTITION BY coalesce(after, before) ->> '$.id' ORDER BY source_position DESC, event_time DESC NULLS LAST
    ) = 1`;
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const begin = performance.now();
  await work();
  return performance.now() - begin;
}

const scratch = await mkdtemp(join(tmpdir(), 'assay-bench-cdc-'));
const kit = await createJobTestKit({ workspace: 'bench' });
const instance = await DuckDBInstance.create(':memory:', { threads: String(THREADS), memory_limit: '512MB' });
const duck = await instance.connect();
const job = {
  id: 'silver_customers',
  operator: cdcMergeOperator,
  config: { businessKey: ['id'], auditColumns: false },
  inputs: ['bronze.customer_changes'],
  output: 'silver.customers',
};
const out = (name: string) => `'${join(scratch, name)}'`;

try {
  const first = changeLogSql(EVENTS, KEYS, 0, 0);
  const second = changeLogSql(Math.round(EVENTS / 10), Math.round(KEYS / 4), EVENTS, 10 * EVENTS);
  await kit.writeDataset('bronze.customer_changes', first);
  await duck.run(`COPY (${first}) TO ${out('first.parquet')} (FORMAT parquet, COMPRESSION zstd)`);
  await duck.run(`COPY (${second}) TO ${out('second.parquet')} (FORMAT parquet, COMPRESSION zstd)`);
  const rows = Number((await duck.runAndReadAll(`SELECT count(*) FROM ${out('first.parquet')}`)).getRows()[0]![0]);
  console.error(`cdc-merge: ${rows} change-log rows (${EVENTS} events on ${KEYS} keys, 1% delivered twice)`);

  // Baseline and operator alternate, twice each (the operator into a second table the second time); the faster
  // of each counts, so neither a cold first round nor a neighbour's load flatters one side.
  const baseline = () =>
    timed(() =>
      duck.run(
        `COPY (SELECT * EXCLUDE (op) FROM (${latestSql(`read_parquet(${out('first.parquet')})`)}) WHERE op <> 'd') ` +
          `TO ${out('baseline.parquet')} (FORMAT parquet, COMPRESSION zstd)`,
      ),
    );
  let result: Awaited<ReturnType<typeof kit.runJob>> | undefined;
  const operator = (output: string) =>
    timed(async () => {
      result = await kit.runJob({ ...job, id: output.replace('.', '_'), output }, { runSequence: 1 });
    });
  const baselineRuns = [await baseline()];
  const operatorRuns = [await operator('silver.customers_warmup')];
  baselineRuns.push(await baseline());
  operatorRuns.push(await operator('silver.customers'));
  const operatorMs = Math.min(...operatorRuns);
  console.error(
    `cdc-merge first run: ${operatorRuns.map((ms) => ms.toFixed(0)).join(', ')} ms ${JSON.stringify(result?.metrics)}`,
  );
  console.error(`cdc-merge baseline: ${baselineRuns.map((ms) => ms.toFixed(0)).join(', ')} ms`);

  // The same table both ways.
  const canonical = (r: Record<string, unknown>) =>
    [r.id, r.name, r.tier, Number(r.balance).toFixed(2), r.seq].map(String).join('|');
  const expected = (await duck.runAndReadAll(`SELECT * FROM ${out('baseline.parquet')}`)).getRowObjectsJson();
  const actual = await kit.rows('silver.customers');
  const same = (a: Record<string, unknown>[], b: Record<string, unknown>[]) =>
    a.length === b.length && JSON.stringify(a.map(canonical).sort()) === JSON.stringify(b.map(canonical).sort());
  if (!same(expected, actual)) {
    throw new Error(`the operator's table (${actual.length} rows) differs from the baseline's (${expected.length})`);
  }

  // A further batch merged into the existing table; the baseline merges by hand and rewrites the table.
  await kit.writeDataset('bronze.customer_changes', second, { mode: 'append' });
  const incrementalMs = await timed(async () => {
    result = await kit.runJob(job, { runSequence: 2 });
  });
  console.error(`cdc-merge second batch: ${incrementalMs.toFixed(0)} ms ${JSON.stringify(result?.metrics)}`);
  const latest = latestSql(`read_parquet(${out('second.parquet')})`);
  const mergeBaseline = () =>
    timed(() =>
      duck.run(
        `COPY (WITH latest AS (${latest})
          SELECT * FROM read_parquet(${out('baseline.parquet')}) AS old WHERE old.id NOT IN (SELECT id FROM latest)
          UNION ALL SELECT * EXCLUDE (op) FROM latest WHERE op <> 'd'
        ) TO ${out('merged.parquet')} (FORMAT parquet, COMPRESSION zstd)`,
      ),
    );
  const mergeBaselineMs = Math.min(await mergeBaseline(), await mergeBaseline());
  const merged = (await duck.runAndReadAll(`SELECT * FROM ${out('merged.parquet')}`)).getRowObjectsJson();
  if (!same(merged, await kit.rows('silver.customers'))) throw new Error('the merged tables differ');

  // Nothing new: no write.
  const version = await kit.version('silver.customers');
  const rerunMs = await timed(() => kit.runJob(job, { runSequence: 3 }));
  if ((await kit.version('silver.customers')) !== version) throw new Error('a re-run wrote');

  const baselineMs = Math.min(...baselineRuns);
  printFigure({ bench, metric: 'first_run_1m_events', value: operatorMs, unit: 'ms', baseline: baselineMs });
  printFigure({
    bench,
    metric: 'events_per_s',
    value: rows / (operatorMs / 1000),
    unit: 'events/s',
    baseline: rows / (baselineMs / 1000),
  });
  printFigure({ bench, metric: 'second_batch_merge', value: incrementalMs, unit: 'ms', baseline: mergeBaselineMs });
  printFigure({ bench, metric: 'rerun_nothing_new', value: rerunMs, unit: 'ms', baseline: null });
} finally {
  duck.closeSync();
  instance.closeSync();
  await kit.close();
  await rm(scratch, { recursive: true, force: true });
}

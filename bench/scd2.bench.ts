// SCD2 on a dimension of BENCH_SCD2_ROWS keys (default 1 million) fed full snapshots: the new snapshot changes 1%
// of the keys and lacks 0.1% (deleted: invalidated). Timed: the scd2 operator's run through the real job executor
// (one merge of the change set into the Delta table, partitioned by is_current), against a hand-written DuckDB SQL
// merge of the same Parquet data in the same process (the previous dimension and the snapshot in, the new dimension
// out as zstd Parquet, same threads and memory), and against a full rewrite (the same hand-written SQL written
// through the job output as an overwrite of the Delta table). All three results are checked to hold the same rows.
// Two dimensions: a fresh one (one version per key: 1M rows, all current) and one with history
// (BENCH_SCD2_HISTORY_VERSIONS versions per key, default 3: the older ones closed), where the merge leaves the closed
// history's files alone and the other two rewrite them.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineOperator, Type } from '@assay/sdk';
import { createJobTestKit, type TestJob } from '@assay/sdk/testing';
import { DuckDBInstance } from '@duckdb/node-api';
import { scd2Operator } from '@assay/operator-scd2';
import { printFigure } from './bench-figure.ts';

const ROWS = Number(process.env.BENCH_SCD2_ROWS ?? 1_000_000);
const HISTORY_VERSIONS = Number(process.env.BENCH_SCD2_HISTORY_VERSIONS ?? 3);
const bench = 'scd2';
const scratch = await mkdtemp(join(tmpdir(), 'assay-bench-scd2-'));
const instance = await DuckDBInstance.create(':memory:', { threads: '2', memory_limit: '512MB' });
const duck = await instance.connect();
const kit = await createJobTestKit({ workspace: 'bench' });
const file = (name: string) => `'${join(scratch, name)}'`;

async function timed(work: () => Promise<unknown>): Promise<number> {
  const begin = performance.now();
  await work();
  return performance.now() - begin;
}

/**
 * Snapshot `round`: round 0 is the initial dimension; round r changes the keys with id % 100 = r (1%) and lacks
 * those with id % 1000 = 50 + r (0.1%, never changed), besides the changes and deletes of the rounds before.
 */
function snapshotSql(round: number): string {
  const changed = `id % 100 BETWEEN 1 AND ${round}`;
  return (
    `SELECT id, 'customer ' || id AS name, CASE WHEN ${changed} THEN 'city ' || (id % 100) ` +
    `ELSE ['oslo', 'rome', 'lima', 'kyiv', 'pune'][id % 5 + 1] END AS city, ` +
    `['retail', 'smb', 'enterprise'][id % 3 + 1] AS segment, CAST(id % 10000 AS DECIMAL(12,2)) AS credit_limit, ` +
    `TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_days(CASE WHEN ${changed} THEN CAST(id % 100 AS INTEGER) ELSE 0 END) ` +
    `AS updated_at FROM range(${ROWS}) AS r(id) WHERE id % 1000 NOT BETWEEN 51 AND ${50 + round}`
  );
}

// The operator's hash and surrogate key, as the hand-written merge computes them for the rows it adds.
const ROW_HASH = `CAST(CAST(md5_number_upper(to_json([CAST(name AS VARCHAR), CAST(city AS VARCHAR), CAST(segment AS VARCHAR), CAST(credit_limit AS VARCHAR)])) AS BIT) AS BIGINT)`;
const SK = `CAST(CAST(md5_number_upper(to_json([CAST(id AS VARCHAR), CAST(epoch_us(updated_at) AS VARCHAR)])) AS BIT) AS BIGINT)`;
const COLUMNS = 'id, name, city, segment, credit_limit, updated_at';

/** The hand-written SCD2 merge: close changed and vanished current rows, add the new versions. */
function handWrittenSql(dimension: string, snapshot: string, loadTime: string): string {
  return `WITH d AS (SELECT * FROM ${dimension}), s AS (SELECT * FROM ${snapshot}),
    cur AS (SELECT * FROM d WHERE is_current),
    changed AS (SELECT s.* FROM s JOIN cur AS c USING (id) WHERE (s.name, s.city, s.segment, s.credit_limit)
      IS DISTINCT FROM (c.name, c.city, c.segment, c.credit_limit)),
    added AS (SELECT s.* FROM s ANTI JOIN cur AS c USING (id)),
    gone AS (SELECT c.id FROM cur AS c ANTI JOIN s USING (id)),
    ends AS (SELECT id, updated_at AS ends FROM changed UNION ALL
      SELECT id, greatest(${loadTime}, c.valid_from) FROM gone JOIN cur AS c USING (id))
    SELECT d.sk, d.id, d.name, d.city, d.segment, d.credit_limit, d.updated_at, d.valid_from,
      CASE WHEN d.is_current AND e.id IS NOT NULL THEN e.ends ELSE d.valid_to END AS valid_to,
      d.is_current AND e.id IS NULL AS is_current, d._hash
    FROM d LEFT JOIN ends AS e ON e.id = d.id
    UNION ALL
    SELECT ${SK} AS sk, ${COLUMNS}, updated_at AS valid_from, CAST(NULL AS TIMESTAMPTZ) AS valid_to, true AS is_current,
      ${ROW_HASH} AS _hash FROM (SELECT * FROM changed UNION ALL SELECT * FROM added)`;
}

const scd2Job = (output: string): TestJob => ({
  id: output.replace('.', '_'),
  operator: scd2Operator,
  config: { businessKey: ['id'], input: 'snapshot', effectiveFrom: 'updated_at', deletes: { policy: 'invalidate' } },
  output,
});

/** The full rewrite: the hand-written SQL over the output as it stands, written as an overwrite. */
const fullRewrite = defineOperator({
  type: 'bench-full-rewrite',
  version: 1,
  title: 'Full rewrite',
  category: 'utility',
  config: Type.Object({}),
  inputs: { min: 1, max: 1 },
  output: 'table',
  async run(ctx) {
    const loadTime = `TIMESTAMPTZ '${new Date().toISOString()}'`;
    await ctx.output!.write({
      sql: handWrittenSql(ctx.output!.dataset, ctx.inputs[0]!.dataset, loadTime),
      mode: 'overwrite',
    });
    return {};
  },
});

/** Rows of one dataset missing from the other, both ways (valid_to compared except for deleted keys' load time). */
const sameRows = defineOperator({
  type: 'bench-same-rows',
  version: 1,
  title: 'Same rows',
  category: 'utility',
  config: Type.Object({}),
  inputs: { min: 2, max: 2 },
  output: 'none',
  async run(ctx) {
    const [a, b] = ctx.inputs.map((input) => input.dataset);
    const shape = (t: string) =>
      `SELECT sk, ${COLUMNS}, valid_from, CASE WHEN id % 1000 = 51 ` +
      `THEN CAST(valid_to IS NULL AS VARCHAR) ELSE CAST(valid_to AS VARCHAR) END AS vt, is_current, _hash FROM ${t}`;
    const [row] = await ctx.engine.query(
      `SELECT (SELECT count(*) FROM (${shape(a!)} EXCEPT ALL ${shape(b!)}))::INTEGER AS only_a, ` +
        `(SELECT count(*) FROM (${shape(b!)} EXCEPT ALL ${shape(a!)}))::INTEGER AS only_b, ` +
        `(SELECT count(*) FROM ${a})::INTEGER AS rows`,
    );
    if (row?.only_a !== 0 || row.only_b !== 0) {
      const sample = await ctx.engine.query(
        `(${shape(a!)} EXCEPT ALL ${shape(b!)}) UNION ALL (${shape(b!)} EXCEPT ALL ${shape(a!)}) ORDER BY id, valid_from`,
        { limit: 4 },
      );
      throw new Error(`${a} and ${b} differ: ${JSON.stringify(row)}, e.g. ${JSON.stringify(sample)}`);
    }
    return { metrics: { rows: Number(row.rows) } };
  },
});

let sequence = 0;
const run = (job: TestJob) => kit.runJob(job, { runSequence: ++sequence });

/** The dimension before the round, as the hand-written merge reads it: each key's versions chained by time. */
async function initialDimension(scenario: string): Promise<void> {
  await duck.run(
    `COPY (SELECT ${SK} AS sk, ${COLUMNS}, valid_from, valid_to, valid_to IS NULL AS is_current, ${ROW_HASH} AS _hash ` +
      `FROM (SELECT *, updated_at AS valid_from, lead(updated_at) OVER (PARTITION BY id ORDER BY updated_at) AS valid_to ` +
      `FROM read_parquet(${file(`${scenario}-snap0.parquet`)}))) TO ${file(`${scenario}-dim0.parquet`)} ` +
      '(FORMAT parquet, COMPRESSION zstd)',
  );
}

/**
 * One scenario: a dimension of ROWS keys with `versions` versions each (the older ones closed history), then the
 * snapshot of round 1 merged three ways, each timed. The operator runs on two identical copies and the faster
 * counts; the hand-written merge and the full rewrite run twice (the second applies nothing new at the same cost).
 */
async function scenario(name: string, versions: number): Promise<void> {
  const input = `bronze.${name}`;
  const job = (output: string): TestJob => ({ ...scd2Job(output), inputs: [input] });
  const initial =
    `SELECT id, name, CASE WHEN k = ${versions - 1} THEN city ELSE 'old ' || k END AS city, segment, credit_limit, ` +
    `updated_at - to_days(CAST(30 * (${versions - 1} - k) AS INTEGER)) AS updated_at FROM (${snapshotSql(0)}), range(${versions}) AS v(k)`;
  await duck.run(`COPY (${initial}) TO ${file(`${name}-snap0.parquet`)} (FORMAT parquet, COMPRESSION zstd)`);
  await duck.run(`COPY (${snapshotSql(1)}) TO ${file(`${name}-snap1.parquet`)} (FORMAT parquet, COMPRESSION zstd)`);
  await initialDimension(name);
  await kit.writeDataset(input, `SELECT * FROM read_parquet(${file(`${name}-snap0.parquet`)})`);
  const copies = [`silver.${name}_a`, `silver.${name}_b`];
  let initialMs = 0;
  for (const output of [...copies, `silver.${name}_full`]) {
    const ms = await timed(() => run(job(output)));
    initialMs = initialMs === 0 ? ms : Math.min(initialMs, ms);
  }
  const rows = versions * ROWS;
  console.error(`scd2 ${name}: ${ROWS} keys, ${rows} rows; initial load ${initialMs.toFixed(0)} ms`);
  if (versions === 1)
    printFigure({ bench, metric: `${name}_initial_load`, value: initialMs, unit: 'ms', baseline: null });

  await kit.writeDataset(input, `SELECT * FROM read_parquet(${file(`${name}-snap1.parquet`)})`, { mode: 'overwrite' });
  const handWritten = () =>
    timed(() =>
      duck.run(
        `COPY (${handWrittenSql(
          `read_parquet(${file(`${name}-dim0.parquet`)})`,
          `read_parquet(${file(`${name}-snap1.parquet`)})`,
          `TIMESTAMPTZ '${new Date().toISOString()}'`,
        )}) TO ${file(`${name}-dim1.parquet`)} (FORMAT parquet, COMPRESSION zstd)`,
      ),
    );
  const full: TestJob = { id: `${name}_full`, operator: fullRewrite, inputs: [input], output: `silver.${name}_full` };
  const before = await handWritten();
  const operator: number[] = [];
  for (const output of copies) {
    let result: Awaited<ReturnType<typeof run>> | undefined;
    operator.push(await timed(async () => (result = await run(job(output)))));
    console.error(
      `scd2 ${name} ${output}: ${JSON.stringify({ ...result?.metrics, written: result?.rowsWritten, updated: result?.rowsUpdated })}`,
    );
  }
  const fullMs = Math.min(await timed(() => run(full)), await timed(() => run(full)));
  const baselineMs = Math.min(before, await handWritten());
  const operatorMs = Math.min(...operator);
  console.error(
    `scd2 ${name}: operator ${operator.map((ms) => ms.toFixed(0)).join(' / ')} ms, hand-written ` +
      `${baselineMs.toFixed(0)} ms, full rewrite ${fullMs.toFixed(0)} ms`,
  );
  await kit.writeDataset(`bronze.${name}_expected`, `SELECT * FROM read_parquet(${file(`${name}-dim1.parquet`)})`);
  for (const output of [...copies, `silver.${name}_full`]) {
    await run({
      id: `check_${output.replace('.', '_')}`,
      operator: sameRows,
      inputs: [output, `bronze.${name}_expected`],
    });
  }
  printFigure({
    bench,
    metric: `${name}_merge_vs_hand_written_merge`,
    value: operatorMs,
    unit: 'ms',
    baseline: baselineMs,
  });
  printFigure({ bench, metric: `${name}_merge_vs_full_rewrite`, value: operatorMs, unit: 'ms', baseline: fullMs });

  if (versions > 1) return;
  // The same snapshot again, as a new input version: everything is compared, nothing is written.
  const version = await kit.version(copies[0]!);
  await kit.writeDataset(input, `SELECT * FROM read_parquet(${file(`${name}-snap1.parquet`)})`, { mode: 'overwrite' });
  const rerunMs = await timed(() => run(job(copies[0]!)));
  if ((await kit.version(copies[0]!)) !== version) throw new Error('the identical snapshot wrote a new version');
  printFigure({ bench, metric: 'identical_snapshot_rerun', value: rerunMs, unit: 'ms', baseline: null });
  const unchangedMs = await timed(() => run(job(copies[0]!)));
  printFigure({ bench, metric: 'unchanged_input_rerun', value: unchangedMs, unit: 'ms', baseline: null });
}

try {
  console.error(`scd2: ${ROWS} keys, 1% changed and 0.1% deleted`);
  await scenario('fresh', 1);
  if (HISTORY_VERSIONS > 1) await scenario('history', HISTORY_VERSIONS);
} finally {
  await kit.close();
  duck.closeSync();
  instance.closeSync();
  await rm(scratch, { recursive: true, force: true });
}

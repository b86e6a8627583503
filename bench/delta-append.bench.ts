// Wall time of appending 10 million generated rows to a new local Delta table the way operators write (DuckDB COPY
// to Parquet in a scratch directory, then `stagedFilesIn` + `writeTable`: footer stats, upload into the table, commit)
// against a baseline of the same COPY straight to a Parquet file with the same compression. Runs alternate
// (baseline, delta, delta, baseline, …) and the fastest of each is reported; phases of the Delta write go to stderr.
// A second figure compares each Delta write with its own staging COPY (the baseline's exact statement, run inside
// the write), which stays meaningful when other load on the machine makes separate runs differ by seconds.
import { copyFile, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { literal } from '../core/src/engine/dataset-view.ts';
import { readFileStats } from '../core/src/lake/delta-write/file-stats.ts';
import { stagedFilesIn } from '../core/src/lake/delta-write/staged-files.ts';
import { writeTable } from '../core/src/lake/delta-write/write-table.ts';
import { createLocalStorage } from '../core/src/lake/storage/local-storage.ts';
import { printFigure } from './bench-figure.ts';

const ROWS = 10_000_000;
const SELECT = `SELECT range AS id, range % 1000 AS store, md5(range::VARCHAR) AS sku, random() AS amount FROM range(${ROWS})`;
const COPY_OPTIONS = '(FORMAT parquet, COMPRESSION zstd)';
const ROUNDS = 3;

const scratch = await mkdtemp(join(tmpdir(), 'assay-bench-append-'));
const instance = await DuckDBInstance.create(':memory:', { memory_limit: '2GB' });
const connection = await instance.connect();
const lake = createLocalStorage(join(scratch, 'lake'));
const columns = (await connection.runAndReadAll(`DESCRIBE ${SELECT}`))
  .getRowObjectsJson()
  .map((row) => ({ name: String(row.column_name), type: String(row.column_type) }));

async function timed(work: () => Promise<unknown>): Promise<number> {
  const begin = performance.now();
  await work();
  return performance.now() - begin;
}

async function baseline(run: number): Promise<number> {
  const file = join(scratch, `baseline-${run}.parquet`);
  const ms = await timed(() => connection.run(`COPY (${SELECT}) TO ${literal(file)} ${COPY_OPTIONS}`));
  console.error(`delta-append baseline run ${run}: ${ms.toFixed(0)} ms, ${(await stat(file)).size} bytes`);
  await rm(file);
  return ms;
}

/** The Delta write's wall time, and the part of it that was the staging COPY. */
async function deltaAppend(run: number): Promise<{ ms: number; copyMs: number }> {
  const staging = join(scratch, `staging-${run}`);
  await mkdir(staging);
  const table = `bench/t${run}`;
  let copyMs = 0;
  const ms = await timed(async () => {
    copyMs = await timed(() =>
      connection.run(`COPY (${SELECT}) TO ${literal(join(staging, 'data.parquet'))} ${COPY_OPTIONS}`),
    );
    const staged = await stagedFilesIn(staging, []);
    const result = await writeTable(
      lake,
      table,
      { mode: 'append', staged, columns, provenance: { operation: 'WRITE' } },
      connection,
    );
    if (result.rowsAdded !== ROWS || result.version !== 0) {
      throw new Error(`Expected version 0 with ${ROWS} rows, got ${JSON.stringify(result)}`);
    }
  });
  await profile(connection, join(staging, 'data.parquet'), run, ms, copyMs);
  await rm(staging, { recursive: true });
  await rm(join(scratch, 'lake', 'bench'), { recursive: true });
  return { ms, copyMs };
}

/** Where the time beyond the COPY goes: the footer stats and the file copy into the table, timed on their own. */
async function profile(db: DuckDBConnection, file: string, run: number, totalMs: number, copyMs: number) {
  const statsMs = await timed(() => readFileStats(db, file));
  const uploadMs = await timed(() => copyFile(file, `${file}.copy`));
  await rm(`${file}.copy`);
  console.error(
    `delta-append delta run ${run}: ${totalMs.toFixed(0)} ms = COPY ${copyMs.toFixed(0)} ms + write ` +
      `${(totalMs - copyMs).toFixed(0)} ms (of which footer stats ~${statsMs.toFixed(0)} ms, file copy ~${uploadMs.toFixed(0)} ms)`,
  );
}

try {
  // Warms DuckDB and the page cache, so the first measured run is not the slowest for reasons of its own.
  await connection.run(
    `COPY (${SELECT.replace(String(ROWS), '1000000')}) TO ${literal(join(scratch, 'warm.parquet'))} ${COPY_OPTIONS}`,
  );
  const baselines: number[] = [];
  const deltas: Array<{ ms: number; copyMs: number }> = [];
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2 === 0) {
      baselines.push(await baseline(round));
      deltas.push(await deltaAppend(round));
    } else {
      deltas.push(await deltaAppend(round));
      baselines.push(await baseline(round));
    }
  }
  printFigure({
    bench: 'delta-append',
    metric: 'append_10m_rows',
    value: Math.min(...deltas.map((run) => run.ms)),
    unit: 'ms',
    baseline: Math.min(...baselines),
  });
  const fastest = deltas.reduce((best, run) => (run.ms < best.ms ? run : best));
  printFigure({
    bench: 'delta-append',
    metric: 'append_10m_rows_vs_own_copy',
    value: fastest.ms,
    unit: 'ms',
    baseline: fastest.copyMs,
  });
} finally {
  connection.closeSync();
  instance.closeSync();
  await rm(scratch, { recursive: true, force: true });
}

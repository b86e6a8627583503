// Reading every row and column of a Delta table on S3 (s3rver behind the conditional-write shim) through the local
// read cache and DuckDB: cold (empty cache directory: every data file is downloaded) against warm (the same read
// again: only the log is read from S3, the data files come from the cache). Three rounds, each with a fresh cache;
// the fastest cold and warm reads are reported.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { literal } from '../core/src/engine/dataset-view.ts';
import { loadSnapshot } from '../core/src/lake/delta/snapshot.ts';
import { snapshotSelectSql } from '../core/src/lake/delta/snapshot-sql.ts';
import { stagedFilesIn } from '../core/src/lake/delta-write/staged-files.ts';
import { writeTable } from '../core/src/lake/delta-write/write-table.ts';
import { localDataFiles } from '../core/src/lake/snapshot-files.ts';
import { startS3TestServer } from '../core/src/lake/storage/conditional-write-shim.ts';
import type { LakeStorage } from '../core/src/lake/storage/lake-storage.ts';
import { createCachedStorage } from '../core/src/lake/storage/read-cache.ts';
import { createS3Storage } from '../core/src/lake/storage/s3-storage.ts';
import { printFigure } from './bench-figure.ts';

const FILES = 4;
const ROWS_PER_FILE = 400_000;
const ROUNDS = 3;
const TABLE = 'bench/sales';

const s3 = await startS3TestServer();
const scratch = await mkdtemp(join(tmpdir(), 'assay-bench-s3-cache-'));
const instance = await DuckDBInstance.create(':memory:', { memory_limit: '1GB' });
const connection = await instance.connect();
const storage: LakeStorage = createS3Storage({
  bucket: s3.bucket,
  prefix: 'lake',
  endpoint: s3.endpoint,
  forcePathStyle: true,
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  conditionalWrites: true,
});

/** Writes the table as one commit of `FILES` data files. Returns the rows and bytes written. */
async function createTable(): Promise<{ rows: number; bytes: number }> {
  const staging = join(scratch, 'staging');
  await mkdir(staging);
  for (let file = 0; file < FILES; file++) {
    const from = file * ROWS_PER_FILE;
    await connection.run(
      `COPY (SELECT range AS id, range % 1000 AS store, md5(range::VARCHAR) AS sku, random() AS amount
             FROM range(${from}, ${from + ROWS_PER_FILE}))
       TO ${literal(join(staging, `${file}.parquet`))} (FORMAT parquet, COMPRESSION zstd)`,
    );
  }
  const columns = [
    { name: 'id', type: 'BIGINT' },
    { name: 'store', type: 'BIGINT' },
    { name: 'sku', type: 'VARCHAR' },
    { name: 'amount', type: 'DOUBLE' },
  ];
  const staged = await stagedFilesIn(staging, []);
  const result = await writeTable(
    storage,
    TABLE,
    { mode: 'append', staged, columns, provenance: { operation: 'WRITE' } },
    connection,
  );
  const snapshot = await loadSnapshot(storage, { tablePath: TABLE, connection });
  return { rows: result.rowsAdded, bytes: snapshot.files.reduce((sum, file) => sum + file.size, 0) };
}

/** Reads every column of every row through the cache; checks the row count so a wrong read cannot look fast. */
async function readAll(cached: LakeStorage, expectedRows: number): Promise<number> {
  const begin = performance.now();
  const snapshot = await loadSnapshot(cached, { tablePath: TABLE, connection });
  const files = await localDataFiles(snapshot);
  const sql = snapshotSelectSql(snapshot, (path) => files.get(path)!);
  const result = await connection.runAndReadAll(
    `SELECT count(*)::BIGINT AS n, sum(id)::HUGEINT AS ids, sum(store)::BIGINT AS stores,
            sum(length(sku))::BIGINT AS chars, sum(amount) AS amount FROM (${sql})`,
  );
  const ms = performance.now() - begin;
  const rows = Number(result.getRowObjectsJson()[0]!.n);
  if (rows !== expectedRows) throw new Error(`Read ${rows} rows, expected ${expectedRows}`);
  return ms;
}

try {
  const { rows, bytes } = await createTable();
  console.error(`s3-cache: table of ${FILES} files, ${rows} rows, ${(bytes / 1024 ** 2).toFixed(1)} MiB on s3rver`);
  const cold: number[] = [];
  const warm: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const directory = join(scratch, `cache-${round}`);
    const cached = createCachedStorage(storage, { directory, maxBytes: 4 * bytes });
    cold.push(await readAll(cached, rows));
    warm.push(await readAll(cached, rows));
    console.error(`s3-cache round ${round}: cold ${cold.at(-1)!.toFixed(0)} ms, warm ${warm.at(-1)!.toFixed(0)} ms`);
    await rm(directory, { recursive: true, force: true });
  }
  const bench = 's3-cache';
  printFigure({ bench, metric: 'read_all_cold', value: Math.min(...cold), unit: 'ms', baseline: null });
  printFigure({ bench, metric: 'read_all_warm', value: Math.min(...warm), unit: 'ms', baseline: Math.min(...cold) });
} finally {
  connection.closeSync();
  instance.closeSync();
  await s3.stop();
  await rm(scratch, { recursive: true, force: true });
}

import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { loadSnapshot } from '../delta/snapshot.ts';
import { snapshotSelectSql } from '../delta/snapshot-sql.ts';
import { createLocalStorage } from '../storage/local-storage.ts';
import type { LakeStorage } from '../storage/lake-storage.ts';
import { stagedFilesIn } from './staged-files.ts';
import { writeTable, type WriteTableRequest, type WriteTableResult } from './write-table.ts';

/** A local lake in a temporary directory with a DuckDB connection, for lake tests and benches. */
export interface TestLake {
  readonly dir: string;
  readonly storage: LakeStorage;
  readonly connection: DuckDBConnection;
  /** Stages the rows of `select` with DuckDB `COPY` as an operator would, and writes them with `writeTable`. */
  write(
    table: string,
    select: string,
    options?: Partial<WriteTableRequest> & { partitionBy?: string[] },
  ): Promise<WriteTableResult>;
  /** The rows of a version (the latest by default), ordered by `orderBy`. */
  rows(table: string, orderBy: string, version?: number): Promise<Record<string, unknown>[]>;
  /** The local file of a table-relative path. */
  file(table: string, path: string): string;
  close(): Promise<void>;
}

export async function createTestLake(): Promise<TestLake> {
  const dir = await mkdtemp(join(tmpdir(), 'assay-lake-'));
  await mkdir(join(dir, 'staging'));
  const storage = createLocalStorage(join(dir, 'lake'));
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const sql = (value: string) => `'${value.replaceAll("'", "''")}'`;
  return {
    dir,
    storage,
    connection,
    async write(table, select, options = {}) {
      const partitionBy = options.partitionBy ?? [];
      const output = join(dir, 'staging', randomUUID());
      const target = partitionBy.length === 0 ? `${output}.parquet` : output;
      const partitioning = partitionBy.length === 0 ? '' : `, PARTITION_BY (${partitionBy.join(', ')})`;
      await connection.run(`COPY (${select}) TO ${sql(target)} (FORMAT parquet${partitioning})`);
      const described = (await connection.runAndReadAll(`DESCRIBE ${select}`)).getRowObjectsJson();
      const columns = described.map((row) => ({ name: String(row.column_name), type: String(row.column_type) }));
      const staged = await stagedFilesIn(target, partitionBy);
      const request: WriteTableRequest = {
        mode: 'append',
        staged,
        columns,
        provenance: { operation: 'WRITE' },
        ...options,
        ...(partitionBy.length > 0 ? { partitionColumns: partitionBy } : {}),
      };
      const result = await writeTable(storage, table, request, connection);
      await rm(target, { recursive: true, force: true });
      return result;
    },
    async rows(table, orderBy, version) {
      const snapshot = await loadSnapshot(storage, {
        tablePath: table,
        connection,
        ...(version === undefined ? {} : { version }),
      });
      const select = snapshotSelectSql(snapshot, (path) => storage.localPath(`${table}/${path}`)!);
      return (await connection.runAndReadAll(`SELECT * FROM (${select}) ORDER BY ${orderBy}`)).getRowObjectsJson();
    },
    file: (table, path) => storage.localPath(`${table}/${path}`)!,
    async close() {
      connection.closeSync();
      instance.closeSync();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { literal } from '../../engine/dataset-view.ts';
import { loadSnapshot } from '../delta/snapshot.ts';
import { snapshotSelectSql } from '../delta/snapshot-sql.ts';
import { createLocalStorage } from '../storage/local-storage.ts';
import type { LakeStorage } from '../storage/lake-storage.ts';
import { assertProtocolShapes } from './protocol-shapes.ts';
import { stagedFilesIn, type StagedFile } from './staged-files.ts';
import { writeTable } from './write-table.ts';

/** A lake in a temporary directory with a DuckDB connection: test support for the copy-on-write operations. */
export interface RewriteFixture {
  readonly dir: string;
  readonly scratchDir: string;
  readonly storage: LakeStorage;
  readonly connection: DuckDBConnection;
  /** Stages the rows of `select` as an operator would (DuckDB COPY). */
  stage(
    select: string,
    partitionBy?: readonly string[],
  ): Promise<{ staged: StagedFile[]; columns: Array<{ name: string; type: string }> }>;
  /** Appends the rows of `select` (creating the table). */
  write(table: string, select: string, partitionBy?: readonly string[]): Promise<number>;
  /** Asserts that the table (at a version) holds exactly the rows of `expected`, as multisets. */
  assertRows(table: string, expected: string, version?: number): Promise<void>;
  /** Asserts every commit file of the table has protocol-valid actions; returns the parsed commit infos. */
  assertLog(table: string): Promise<Array<Record<string, unknown>>>;
  close(): Promise<void>;
}

export async function createRewriteFixture(): Promise<RewriteFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'assay-rewrite-'));
  const scratchDir = join(dir, 'scratch');
  await mkdir(scratchDir);
  await mkdir(join(dir, 'staging'));
  const storage = createLocalStorage(join(dir, 'lake'));
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const stage: RewriteFixture['stage'] = async (select, partitionBy = []) => {
    const output = join(dir, 'staging', randomUUID());
    const target = partitionBy.length === 0 ? `${output}.parquet` : output;
    const partitioning = partitionBy.length === 0 ? '' : `, PARTITION_BY (${partitionBy.join(', ')})`;
    await connection.run(`COPY (${select}) TO ${literal(target)} (FORMAT parquet${partitioning})`);
    const described = await connection.runAndReadAll(`DESCRIBE ${select}`);
    const columns = described
      .getRowObjectsJson()
      .map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
    return { staged: await stagedFilesIn(target, partitionBy), columns };
  };
  return {
    dir,
    scratchDir,
    storage,
    connection,
    stage,
    async write(table, select, partitionBy = []) {
      const { staged, columns } = await stage(select, partitionBy);
      const result = await writeTable(
        storage,
        table,
        {
          mode: 'append',
          staged,
          columns,
          provenance: { operation: 'WRITE' },
          ...(partitionBy.length > 0 ? { partitionColumns: partitionBy } : {}),
        },
        connection,
      );
      return result.version;
    },
    async assertRows(table, expected, version) {
      const snapshot = await loadSnapshot(storage, {
        tablePath: table,
        ...(version === undefined ? {} : { version }),
      });
      const actual = snapshotSelectSql(snapshot, (path) => storage.localPath(`${table}/${path}`)!);
      const diff = await connection.runAndReadAll(
        `SELECT count(*)::INT AS n FROM (((${actual}) EXCEPT ALL (${expected})) UNION ALL ((${expected}) EXCEPT ALL (${actual})))`,
      );
      if (Number(diff.getRowsJson()[0]?.[0]) === 0) return;
      const show = async (sql: string) =>
        (await connection.runAndReadAll(`SELECT * FROM (${sql}) ORDER BY ALL`)).getRowObjectsJson();
      assert.deepEqual(await show(actual), await show(expected), `rows of ${table} at version ${snapshot.version}`);
    },
    async assertLog(table) {
      const logDir = join(dir, 'lake', table, '_delta_log');
      const infos: Array<Record<string, unknown>> = [];
      for (const name of (await readdir(logDir)).filter((n) => n.endsWith('.json')).sort()) {
        const text = await readFile(join(logDir, name), 'utf8');
        assertProtocolShapes(text);
        const first = JSON.parse(text.split('\n')[0]!) as { commitInfo: Record<string, unknown> };
        infos.push(first.commitInfo);
      }
      return infos;
    },
    async close() {
      connection.closeSync();
      instance.closeSync();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { REJECTS_TABLE_DDL } from './formats/item-relation.ts';

/** A private DuckDB for one load: spills to its work directory, holds the rejects table. */
export interface IngestSession {
  readonly connection: DuckDBConnection;
  /** Staged Parquet files of the current segment go below it. */
  readonly stageDir: string;
  close(): Promise<void>;
}

/**
 * Opens the load's DuckDB. It is not sandboxed like user SQL sessions: only core code runs in it, reading the
 * files connectors handed over and writing staged Parquet.
 */
export async function openIngestSession(options: {
  workDir: string;
  memoryLimit: string;
  threads: number;
}): Promise<IngestSession> {
  const stageDir = join(options.workDir, 'stage');
  await mkdir(stageDir, { recursive: true });
  const instance = await DuckDBInstance.create(':memory:', {
    memory_limit: options.memoryLimit,
    threads: String(options.threads),
    temp_directory: join(options.workDir, 'spill'),
    preserve_insertion_order: 'true',
  });
  const connection = await instance.connect();
  await connection.run(REJECTS_TABLE_DDL);
  return {
    connection,
    stageDir,
    async close() {
      connection.closeSync();
      instance.closeSync();
      await rm(stageDir, { recursive: true, force: true });
    },
  };
}

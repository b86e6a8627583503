import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '@assay/sdk';
import type { DuckDBConnection } from '@duckdb/node-api';
import { readLastCheckpoint } from '../delta/last-checkpoint.ts';
import type { LakeStorage } from '../storage/lake-storage.ts';
import { tableRootOf } from './table-root.ts';
import { tombstoneRetentionMs } from './retention-duration.ts';
import { readRawTableState } from './table-state.ts';

/** Commits between checkpoints, as Delta writers default to. */
export const CHECKPOINT_INTERVAL = 10;

/** A checkpoint that was written. */
export interface WrittenCheckpoint {
  readonly version: number;
  /** The checkpoint's path in storage. */
  readonly path: string;
  /** Number of actions (rows) in the checkpoint, as `_last_checkpoint.size` records it. */
  readonly size: number;
  readonly numOfAddFiles: number;
}

const MAP = 'MAP(VARCHAR, VARCHAR)';

/**
 * The checkpoint schema of PROTOCOL.md ("Checkpoint Schema"): one nullable struct column per action type, each row
 * holding one action. `readerFeatures`/`writerFeatures` are always present and null for reader-1/writer-2 tables.
 */
export const CHECKPOINT_COLUMNS: Readonly<Record<string, string>> = {
  protocol:
    'STRUCT("minReaderVersion" INTEGER, "minWriterVersion" INTEGER, "readerFeatures" VARCHAR[], "writerFeatures" VARCHAR[])',
  metaData:
    `STRUCT("id" VARCHAR, "name" VARCHAR, "description" VARCHAR, "format" STRUCT("provider" VARCHAR, "options" ${MAP}), ` +
    `"schemaString" VARCHAR, "partitionColumns" VARCHAR[], "createdTime" BIGINT, "configuration" ${MAP})`,
  txn: 'STRUCT("appId" VARCHAR, "version" BIGINT)',
  add:
    `STRUCT("path" VARCHAR, "partitionValues" ${MAP}, "size" BIGINT, "modificationTime" BIGINT, ` +
    `"dataChange" BOOLEAN, "stats" VARCHAR, "tags" ${MAP})`,
  remove: 'STRUCT("path" VARCHAR, "deletionTimestamp" BIGINT, "dataChange" BOOLEAN)',
};

/**
 * Writes the classic single-file checkpoint `_delta_log/<version>.checkpoint.parquet` of the table at `version`:
 * protocol, metaData, txns, live adds and the tombstones still within `delta.deletedFileRetentionDuration` (7 days by
 * default) at `now`. The Parquet file is built by DuckDB from the actions as NDJSON with explicit nested types, then
 * uploaded atomically; `_last_checkpoint` is advanced afterwards (only forwards: it is a hint for readers).
 *
 * @example
 * ```ts
 * await writeCheckpoint(storage, 'silver/orders', 20, connection);
 * ```
 */
export async function writeCheckpoint(
  storage: LakeStorage,
  tablePath: string,
  version: number,
  connection: DuckDBConnection,
  options: { readonly now?: number } = {},
): Promise<WrittenCheckpoint> {
  const tableRoot = tableRootOf(tablePath);
  const state = await readRawTableState(storage, tableRoot, connection, version);
  if (state.protocol === undefined || state.metadata === undefined) {
    throw new UserError(
      `Cannot checkpoint ${storage.describe(tableRoot)} at version ${version}: its log has no protocol or metaData.`,
      { code: 'DELTA_METADATA_MISSING', details: { version } },
    );
  }
  const expiredBefore = (options.now ?? Date.now()) - tombstoneRetentionMs(state.metadata.configuration);
  const rows: unknown[] = [{ protocol: state.protocol }, { metaData: state.metadata }];
  for (const txn of state.txns.values()) rows.push({ txn: { appId: txn.appId, version: txn.version } });
  for (const add of state.adds.values()) {
    rows.push({
      add: {
        path: add.path,
        partitionValues: add.partitionValues,
        size: add.size,
        modificationTime: add.modificationTime,
        dataChange: add.dataChange,
        stats: add.stats ?? null,
        tags: add.tags ?? null,
      },
    });
  }
  for (const remove of state.tombstones.values()) {
    if ((remove.deletionTimestamp ?? 0) <= expiredBefore) continue;
    rows.push({
      remove: { path: remove.path, deletionTimestamp: remove.deletionTimestamp, dataChange: remove.dataChange },
    });
  }

  const path = `${tableRoot}_delta_log/${version.toString().padStart(20, '0')}.checkpoint.parquet`;
  const scratch = await mkdtemp(join(tmpdir(), 'assay-checkpoint-'));
  try {
    const actions = join(scratch, 'actions.ndjson');
    const parquet = join(scratch, 'checkpoint.parquet');
    await writeFile(actions, `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`);
    const columns = Object.entries(CHECKPOINT_COLUMNS)
      .map(([name, type]) => `${sqlString(name)}: ${sqlString(type)}`)
      .join(', ');
    await connection.run(
      `COPY (SELECT * FROM read_json(${sqlString(actions)}, format = 'newline_delimited', ` +
        `maximum_object_size = 268435456, columns = {${columns}})) TO ${sqlString(parquet)} (FORMAT parquet)`,
    );
    await storage.writeFromFile(path, parquet);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  const written = { version, path, size: rows.length, numOfAddFiles: state.adds.size };
  const hint = await readLastCheckpoint(storage, tableRoot);
  if (hint === undefined || hint.version < version) {
    await storage.write(`${tableRoot}_delta_log/_last_checkpoint`, JSON.stringify({ version, size: rows.length }));
  }
  return written;
}

/** Whether `version` gets a checkpoint: every `CHECKPOINT_INTERVAL` commits, never at version 0. */
export function checkpointDue(version: number): boolean {
  return version > 0 && version % CHECKPOINT_INTERVAL === 0;
}

/** Writes the checkpoint of `version` when one is due; returns it, or undefined when none was due. */
export async function writeCheckpointIfDue(
  storage: LakeStorage,
  tablePath: string,
  version: number,
  connection: DuckDBConnection,
): Promise<WrittenCheckpoint | undefined> {
  return checkpointDue(version) ? writeCheckpoint(storage, tablePath, version, connection) : undefined;
}

function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * A commit's `afterCommit` hook that writes the checkpoint when one is due. A checkpoint only speeds up reads: when
 * writing it fails the table is intact, readers replay the JSON log and the next due version writes one, so the
 * failure must not turn a committed operation into a reported failure (whose retry could commit it twice).
 */
export function checkpointAfterCommit(
  storage: LakeStorage,
  tablePath: string,
  connection: DuckDBConnection,
): (version: number) => Promise<void> {
  return async (version) => {
    await writeCheckpointIfDue(storage, tablePath, version, connection).catch((error: unknown) =>
      process.emitWarning(
        `Checkpoint of ${storage.describe(tablePath)} at version ${version} failed (the commit stands): ${String(error)}`,
        { code: 'DELTA_CHECKPOINT_FAILED' },
      ),
    );
  };
}

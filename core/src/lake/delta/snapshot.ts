import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { UserError } from '@assay/sdk';
import type { LakeStorage } from '../storage/lake-storage.ts';
import { readCheckpoint } from './checkpoint-reader.ts';
import { readCommitFile } from './commit-file.ts';
import { commitTimestamps, versionAt } from './commit-timestamps.ts';
import { corrupt } from './delta-actions.ts';
import type { MetadataAction, ProtocolAction } from './delta-actions.ts';
import { listDeltaLog } from './delta-log-listing.ts';
import { listLatestLog, segmentFor } from './delta-log.ts';
import type { LogSegment } from './delta-log.ts';
import { checkReadable } from './delta-protocol.ts';
import { parseDeltaSchema } from './delta-schema.ts';
import type { DeltaStructType } from './delta-schema.ts';
import { emptyState, replayActions } from './log-replay.ts';
import type { ReplayedState } from './log-replay.ts';
import { toAddFile } from './add-file.ts';
import type { AddFile } from './add-file.ts';

/** One version of a Delta table: what a reader needs to read it. */
export interface DeltaSnapshot {
  readonly version: number;
  /** Commit timestamp in ms: the commit file's modification time, or the in-commit timestamp when enabled. */
  readonly timestamp: number;
  readonly protocol: ProtocolAction;
  readonly metadata: MetadataAction;
  readonly schema: DeltaStructType;
  readonly partitionColumns: readonly string[];
  readonly files: readonly AddFile[];
  readonly txns: ReadonlyMap<string, number>;
  /** The table's prefix in `storage`: '' or a path ending in '/'. */
  readonly tableRoot: string;
  readonly storage: LakeStorage;
}

/** Which version to load: the latest, a version number, or the latest commit at or before a timestamp. */
export interface LoadSnapshotOptions {
  readonly version?: number;
  readonly timestamp?: Date | number;
  /** The table's path inside `storage`; the storage root by default. */
  readonly tablePath?: string;
  /** A DuckDB connection for reading checkpoints; a short-lived in-memory one is used otherwise. */
  readonly connection?: DuckDBConnection;
}

/**
 * Loads a snapshot by replaying the Delta log (newest checkpoint, then commits). Refuses tables needing unsupported
 * reader features (`DELTA_UNSUPPORTED_FEATURE`) and logs without protocol or metadata.
 *
 * @example
 * ```ts
 * const snapshot = await loadSnapshot(createLocalStorage('/lake/demo/silver/orders'), { version: 3 });
 * ```
 */
export async function loadSnapshot(storage: LakeStorage, options: LoadSnapshotOptions = {}): Promise<DeltaSnapshot> {
  const tableRoot =
    options.tablePath === undefined || options.tablePath === '' ? '' : `${options.tablePath.replace(/\/+$/, '')}/`;
  const table = storage.describe(tableRoot);
  let owned: DuckDBInstance | undefined;
  let ownedConnection: DuckDBConnection | undefined;
  const connect = async (): Promise<DuckDBConnection> => {
    if (options.connection !== undefined) return options.connection;
    owned ??= await DuckDBInstance.create(':memory:');
    ownedConnection ??= await owned.connect();
    return ownedConnection;
  };
  try {
    const timed = options.timestamp !== undefined;
    const listing =
      options.version !== undefined || timed
        ? await listDeltaLog(storage, tableRoot)
        : await listLatestLog(storage, tableRoot);
    let segment = segmentFor(storage, tableRoot, listing, timed ? undefined : options.version);
    let state = await replay(storage, segment, connect);
    if (timed) {
      const at = options.timestamp instanceof Date ? options.timestamp.getTime() : (options.timestamp as number);
      const config = state.metadata?.configuration ?? {};
      const ictFrom =
        config['delta.enableInCommitTimestamps'] === 'true'
          ? Number(config['delta.inCommitTimestampEnablementVersion'] ?? 0)
          : undefined;
      const timestamps = await commitTimestamps(
        storage,
        listing,
        ictFrom === undefined ? {} : { inCommitTimestampsFrom: ictFrom },
      );
      const version = versionAt(timestamps, at, table);
      if (version !== segment.version) {
        segment = segmentFor(storage, tableRoot, listing, version);
        state = await replay(storage, segment, connect);
      }
    }
    return toSnapshot(storage, tableRoot, segment, state);
  } finally {
    ownedConnection?.closeSync();
    owned?.closeSync();
  }
}

async function replay(
  storage: LakeStorage,
  segment: LogSegment,
  connect: () => Promise<DuckDBConnection>,
): Promise<ReplayedState> {
  const state = emptyState();
  if (segment.checkpoint !== undefined)
    replayActions(state, await readCheckpoint(storage, segment.checkpoint, await connect()));
  for (const commit of segment.commits) replayActions(state, await readCommitFile(storage, commit.file.path));
  return state;
}

function toSnapshot(storage: LakeStorage, tableRoot: string, segment: LogSegment, state: ReplayedState): DeltaSnapshot {
  const table = storage.describe(tableRoot);
  const { protocol, metadata } = state;
  if (protocol === undefined) throw missing(table, 'protocol', segment.version);
  checkReadable(protocol, table);
  if (metadata === undefined) throw missing(table, 'metaData', segment.version);
  if (metadata.schemaString === '') {
    throw corrupt(`the metaData of ${table} at version ${segment.version}`, 'metaData.schemaString is missing');
  }
  const schema = parseDeltaSchema(metadata.schemaString);
  const last = segment.commits.at(-1)?.file ?? segment.checkpoint?.parts[0];
  const timestamp = state.inCommitTimestamp ?? last?.modified.getTime() ?? 0;
  const files = [...state.files.values()].map((add) => toAddFile(add, schema, metadata.partitionColumns));
  return {
    version: segment.version,
    timestamp,
    protocol,
    metadata,
    schema,
    partitionColumns: metadata.partitionColumns,
    files,
    txns: state.txns,
    tableRoot,
    storage,
  };
}

function missing(table: string, action: 'protocol' | 'metaData', version: number): UserError {
  const code = action === 'protocol' ? 'DELTA_PROTOCOL_MISSING' : 'DELTA_METADATA_MISSING';
  return new UserError(
    `The log of ${table} has no ${action} action up to version ${version}; the table cannot be read. Restore its _delta_log.`,
    {
      code,
      details: { table, version },
    },
  );
}

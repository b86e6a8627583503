import type { DuckDBConnection } from '@duckdb/node-api';
import { readCheckpoint } from '../delta/checkpoint-reader.ts';
import { readCommitFile } from '../delta/commit-file.ts';
import type { AddAction, MetadataAction, ProtocolAction, RemoveAction, TxnAction } from '../delta/delta-actions.ts';
import { listDeltaLog } from '../delta/delta-log-listing.ts';
import { segmentFor } from '../delta/delta-log.ts';
import type { LakeStorage } from '../storage/lake-storage.ts';

/**
 * A version of a table as the log states it, actions kept as written: live `add`s with their raw partition values
 * and stats text, and the `remove` tombstones that vacuum and checkpoints need (the reader's snapshot drops them).
 * Maps are keyed by the URI-decoded path, as the reader matches files.
 */
export interface RawTableState {
  readonly version: number;
  readonly protocol: ProtocolAction | undefined;
  readonly metadata: MetadataAction | undefined;
  readonly adds: ReadonlyMap<string, AddAction>;
  readonly tombstones: ReadonlyMap<string, RemoveAction>;
  readonly txns: ReadonlyMap<string, TxnAction>;
}

/**
 * Replays the log of the table at `tableRoot` ('' or a path ending in '/') up to `version` (the latest when
 * undefined), from the newest checkpoint at or before it. Fails like `loadSnapshot` for a missing table or version.
 */
export async function readRawTableState(
  storage: LakeStorage,
  tableRoot: string,
  connection: DuckDBConnection,
  version?: number,
): Promise<RawTableState> {
  const listing = await listDeltaLog(storage, tableRoot);
  const segment = segmentFor(storage, tableRoot, listing, version);
  let protocol: ProtocolAction | undefined;
  let metadata: MetadataAction | undefined;
  const adds = new Map<string, AddAction>();
  const tombstones = new Map<string, RemoveAction>();
  const txns = new Map<string, TxnAction>();
  const batches = [];
  if (segment.checkpoint !== undefined) batches.push(await readCheckpoint(storage, segment.checkpoint, connection));
  for (const commit of segment.commits) batches.push(await readCommitFile(storage, commit.file.path));
  for (const actions of batches) {
    for (const action of actions) {
      switch (action.kind) {
        case 'protocol':
          protocol = action.protocol;
          break;
        case 'metaData':
          metadata = action.metaData;
          break;
        case 'add':
          adds.set(fileKey(action.add.path), action.add);
          tombstones.delete(fileKey(action.add.path));
          break;
        case 'remove':
          adds.delete(fileKey(action.remove.path));
          tombstones.set(fileKey(action.remove.path), action.remove);
          break;
        case 'txn':
          txns.set(action.txn.appId, action.txn);
          break;
        default:
          break;
      }
    }
  }
  return { version: segment.version, protocol, metadata, adds, tombstones, txns };
}

/** The decoded form of a log path, the key files are matched by. */
export function fileKey(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

import { NotFoundError, UserError } from '@assay/sdk';
import type { LakeStorage, StoredObject } from '../storage/lake-storage.ts';
import { listDeltaLog } from './delta-log-listing.ts';
import type { CheckpointFiles, LogListing } from './delta-log-listing.ts';
import { readLastCheckpoint } from './last-checkpoint.ts';

/** The files that reconstruct one version: the newest usable checkpoint and the commits after it. */
export interface LogSegment {
  readonly version: number;
  readonly checkpoint: CheckpointFiles | undefined;
  /** Commits after the checkpoint (or from 0) up to and including `version`, ascending. */
  readonly commits: readonly { readonly version: number; readonly file: StoredObject }[];
  /** The whole listing, for timestamp resolution. */
  readonly listing: LogListing;
}

/**
 * Lists the latest log, starting from the `_last_checkpoint` hint when there is one and falling back to a full
 * listing when the hint is stale (its checkpoint is missing or incomplete).
 */
export async function listLatestLog(storage: LakeStorage, tableRoot: string): Promise<LogListing> {
  const hint = await readLastCheckpoint(storage, tableRoot);
  if (hint !== undefined && hint.version > 0) {
    const listing = await listDeltaLog(storage, tableRoot, hint.version);
    if (listing.checkpoints.length > 0) return listing;
  }
  return listDeltaLog(storage, tableRoot);
}

/**
 * The segment for `version` (the latest when undefined). Fails with `DELTA_TABLE_NOT_FOUND` when there is no log,
 * `DELTA_VERSION_NOT_FOUND` outside the retained range and `DELTA_VERSIONS_NOT_CONTIGUOUS` when a commit is missing.
 */
export function segmentFor(storage: LakeStorage, tableRoot: string, listing: LogListing, version?: number): LogSegment {
  const where = storage.describe(`${tableRoot}_delta_log/`);
  if (listing.commits.size === 0 && listing.checkpoints.length === 0) {
    throw new NotFoundError(`No Delta table at ${storage.describe(tableRoot)}: ${where} has no commits.`, {
      code: 'DELTA_TABLE_NOT_FOUND',
      details: { table: storage.describe(tableRoot) },
    });
  }
  const versions = [...listing.commits.keys(), ...listing.checkpoints.map((checkpoint) => checkpoint.version)];
  const latest = Math.max(...versions);
  const earliest = Math.min(
    ...listing.checkpoints.map((checkpoint) => checkpoint.version),
    listing.commits.has(0) ? 0 : latest,
  );
  const target = version ?? latest;
  if (!Number.isInteger(target) || target < earliest || target > latest) {
    throw new NotFoundError(
      `Version ${target} of ${storage.describe(tableRoot)} is not available: the log retains versions ${earliest} to ${latest}.`,
      { code: 'DELTA_VERSION_NOT_FOUND', details: { version: target, earliest, latest } },
    );
  }
  const checkpoint = listing.checkpoints.filter((candidate) => candidate.version <= target).at(-1);
  const start = checkpoint === undefined ? 0 : checkpoint.version + 1;
  const commits: { version: number; file: StoredObject }[] = [];
  for (let next = start; next <= target; next += 1) {
    const file = listing.commits.get(next);
    if (file === undefined) {
      throw new UserError(
        `The log of ${storage.describe(tableRoot)} has no commit ${next} between ${start} and ${target}; the table cannot be read. Restore the missing commit file.`,
        { code: 'DELTA_VERSIONS_NOT_CONTIGUOUS', details: { missing: next, from: start, to: target } },
      );
    }
    commits.push({ version: next, file });
  }
  return { version: target, checkpoint, commits, listing };
}

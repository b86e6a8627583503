import { UserError } from '@assay/sdk';
import type { LakeStorage } from '../storage/lake-storage.ts';
import { readCommitFile } from './commit-file.ts';
import type { LogListing } from './delta-log-listing.ts';

/** How commit timestamps are obtained: file modification times, or in-commit timestamps from `fromVersion` on. */
export interface TimestampSource {
  readonly inCommitTimestampsFrom?: number;
}

/**
 * The timestamp (ms) of each retained commit. File modification times are made strictly increasing (a commit is
 * never older than its predecessor), as Delta does, because copies and clock skew break raw mtimes.
 */
export async function commitTimestamps(
  storage: LakeStorage,
  listing: LogListing,
  source: TimestampSource,
): Promise<Map<number, number>> {
  const timestamps = new Map<number, number>();
  let previous = Number.NEGATIVE_INFINITY;
  for (const [version, file] of listing.commits) {
    let timestamp = Math.max(file.modified.getTime(), previous + 1);
    if (source.inCommitTimestampsFrom !== undefined && version >= source.inCommitTimestampsFrom) {
      timestamp = await inCommitTimestamp(storage, file.path);
    }
    timestamps.set(version, timestamp);
    previous = timestamp;
  }
  return timestamps;
}

async function inCommitTimestamp(storage: LakeStorage, path: string): Promise<number> {
  const first = (await readCommitFile(storage, path))[0];
  const value = first?.kind === 'commitInfo' ? first.commitInfo.inCommitTimestamp : undefined;
  if (typeof value !== 'number') {
    throw new UserError(
      `${storage.describe(path)} has no commitInfo.inCommitTimestamp although the table enables it.`,
      {
        code: 'DELTA_LOG_CORRUPT',
        details: { file: storage.describe(path) },
      },
    );
  }
  return value;
}

/**
 * The latest version committed at or before `at` (ms). Fails with `DELTA_TIMESTAMP_TOO_EARLY` before the first
 * retained commit.
 */
export function versionAt(timestamps: ReadonlyMap<number, number>, at: number, table: string): number {
  let found: number | undefined;
  for (const [version, timestamp] of timestamps) {
    if (timestamp <= at) found = version;
  }
  if (found === undefined) {
    const first = [...timestamps.values()][0];
    throw new UserError(
      `${table} has no commit at or before ${new Date(at).toISOString()}; the first retained commit is from ${first === undefined ? 'never' : new Date(first).toISOString()}.`,
      { code: 'DELTA_TIMESTAMP_TOO_EARLY', details: { timestamp: at, earliest: first } },
    );
  }
  return found;
}

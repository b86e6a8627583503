import type { LakeStorage, StoredObject } from '../storage/lake-storage.ts';

/** A complete checkpoint: one Parquet file, or every part of a multi-part checkpoint in part order. */
export interface CheckpointFiles {
  readonly version: number;
  readonly parts: readonly StoredObject[];
}

/** What `_delta_log/` holds, by version. */
export interface LogListing {
  /** Commit files by version, ascending. */
  readonly commits: ReadonlyMap<number, StoredObject>;
  /** Complete classic checkpoints, ascending by version. */
  readonly checkpoints: readonly CheckpointFiles[];
  /** True when the log directory holds any file at all (commits, checkpoints, `_last_checkpoint`, ...). */
  readonly nonEmpty: boolean;
}

const COMMIT = /^(\d{20})\.json$/;
const SINGLE_CHECKPOINT = /^(\d{20})\.checkpoint\.parquet$/;
const PART_CHECKPOINT = /^(\d{20})\.checkpoint\.(\d{10})\.(\d{10})\.parquet$/;

/** The log file name of a version, e.g. `00000000000000000010.json`. */
export function commitFileName(version: number): string {
  return `${version.toString().padStart(20, '0')}.json`;
}

/**
 * Lists `<tableRoot>_delta_log/` (one level) and groups commits and complete checkpoints by version. A multi-part
 * checkpoint counts only when all its parts exist; v2 (UUID-named) checkpoints are ignored because tables that use
 * them require the `v2Checkpoint` reader feature, which the protocol check refuses.
 */
export async function listDeltaLog(storage: LakeStorage, tableRoot: string, fromVersion = 0): Promise<LogListing> {
  const prefix = `${tableRoot}_delta_log/`;
  const startAfter = fromVersion > 0 ? `${prefix}${(fromVersion - 1).toString().padStart(20, '0')}.~` : undefined;
  const commits = new Map<number, StoredObject>();
  const singles = new Map<number, StoredObject>();
  const parts = new Map<string, StoredObject[]>();
  let nonEmpty = false;
  const options = startAfter === undefined ? { recursive: false } : { recursive: false, startAfter };
  for await (const object of storage.list(prefix, options)) {
    nonEmpty = true;
    const name = object.path.slice(prefix.length);
    const commit = COMMIT.exec(name);
    if (commit) {
      commits.set(Number(commit[1]), object);
      continue;
    }
    const single = SINGLE_CHECKPOINT.exec(name);
    if (single) {
      singles.set(Number(single[1]), object);
      continue;
    }
    const part = PART_CHECKPOINT.exec(name);
    if (part) {
      const key = `${Number(part[1])}/${Number(part[3])}`;
      const list = parts.get(key) ?? [];
      list[Number(part[2]) - 1] = object;
      parts.set(key, list);
    }
  }
  const checkpoints: CheckpointFiles[] = [...singles].map(([version, object]) => ({ version, parts: [object] }));
  for (const [key, list] of parts) {
    const [version, count] = key.split('/').map(Number) as [number, number];
    const complete = list.length === count && list.every((object) => object !== undefined);
    if (complete && !singles.has(version)) checkpoints.push({ version, parts: list });
  }
  checkpoints.sort((a, b) => a.version - b.version);
  return { commits: new Map([...commits].sort((a, b) => a[0] - b[0])), checkpoints, nonEmpty };
}

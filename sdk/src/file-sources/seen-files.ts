import type { ConnectorState } from '../connector.ts';
import { UserError } from '../errors.ts';

/**
 * What is remembered of a file: `[size, modified epoch ms]`, or `[size, modified, etag]` where the store has a
 * content tag (S3): then size and tag decide whether it changed, so a re-upload of the same bytes is not read again.
 */
export type SeenEntry =
  readonly [size: number, modified: number] | readonly [size: number, modified: number, etag: string];

// A type alias, not an interface, so that it is assignable to ConnectorState.
/** The stream state: seen files by relative path, and the watermark below which forgotten files count as seen. */
export type SeenState = {
  readonly v: 1;
  readonly files: Readonly<Record<string, SeenEntry>>;
  /** Files not in `files` modified at or before this time (epoch ms) count as seen: they were forgotten by the cap. */
  readonly forgottenBefore?: number;
};

/** The most files a state remembers; older ones are folded into `forgottenBefore`. */
export const SEEN_FILES_CAP = 50_000;

/**
 * New-file detection across loads. A file is new when its path is not remembered, or when its size or
 * modification time (or content tag) differ from what was remembered (a rewritten file is read again). The final state keeps only
 * files that were listed this time, so deleted files are forgotten; beyond {@link SEEN_FILES_CAP} the oldest are
 * forgotten and `forgottenBefore` rises to their newest time, so state stays bounded.
 */
export class SeenFiles {
  readonly #previous: ReadonlyMap<string, SeenEntry>;
  readonly #forgottenBefore: number | undefined;
  readonly #cap: number;
  /** Files listed this time that are seen (unchanged or read now): the final state. */
  readonly #listed = new Map<string, SeenEntry>();
  /** The previous state overlaid with what was read: safe to commit mid-read, before the listing is complete. */
  readonly #merged: Map<string, SeenEntry>;
  #mergedForgottenBefore: number | undefined;

  constructor(state: ConnectorState | undefined, cap = SEEN_FILES_CAP) {
    const parsed = parseState(state);
    this.#previous = new Map(Object.entries(parsed.files));
    this.#forgottenBefore = parsed.forgottenBefore;
    this.#mergedForgottenBefore = parsed.forgottenBefore;
    this.#merged = new Map(this.#previous);
    this.#cap = cap;
  }

  /** True when the file must be read; an unchanged file is remembered as listed. */
  isNew(path: string, entry: SeenEntry): boolean {
    const seen = this.#previous.get(path);
    const unchanged = entry[2] === undefined ? seen?.[1] === entry[1] : seen?.[2] === entry[2];
    if (seen !== undefined && seen[0] === entry[0] && unchanged) {
      this.#listed.set(path, seen);
      return false;
    }
    if (seen === undefined && this.#forgottenBefore !== undefined && entry[1] <= this.#forgottenBefore) return false;
    return true;
  }

  /** Remembers a file handed over for reading. */
  read(path: string, entry: SeenEntry): void {
    this.#listed.set(path, entry);
    this.#merged.set(path, entry);
  }

  /** State for a checkpoint in the middle of a read: nothing not yet listed is forgotten. */
  checkpoint(): SeenState {
    this.#mergedForgottenBefore = capEntries(this.#merged, this.#cap, this.#mergedForgottenBefore);
    return toState(this.#merged, this.#mergedForgottenBefore);
  }

  /** State at the end of a complete listing: only files still there are remembered. */
  final(): SeenState {
    const forgottenBefore = capEntries(this.#listed, this.#cap, this.#mergedForgottenBefore);
    return toState(this.#listed, forgottenBefore);
  }
}

function toState(files: ReadonlyMap<string, SeenEntry>, forgottenBefore: number | undefined): SeenState {
  return {
    v: 1,
    files: Object.fromEntries(files),
    ...(forgottenBefore === undefined ? {} : { forgottenBefore }),
  };
}

/** Drops the oldest entries beyond `cap`; returns the raised watermark. */
function capEntries(files: Map<string, SeenEntry>, cap: number, forgottenBefore: number | undefined) {
  if (files.size <= cap) return forgottenBefore;
  const oldest = [...files].sort((a, b) => a[1][1] - b[1][1]).slice(0, files.size - cap);
  let watermark = forgottenBefore ?? Number.NEGATIVE_INFINITY;
  for (const [path, entry] of oldest) {
    files.delete(path);
    watermark = Math.max(watermark, entry[1]);
  }
  return watermark;
}

function parseState(state: ConnectorState | undefined): { files: Record<string, SeenEntry>; forgottenBefore?: number } {
  if (state === undefined || Object.keys(state).length === 0) return { files: {} };
  const { v, files, forgottenBefore } = state as Partial<SeenState>;
  const valid =
    v === 1 &&
    typeof files === 'object' &&
    files !== null &&
    Object.values(files).every(
      (entry) =>
        Array.isArray(entry) &&
        typeof entry[0] === 'number' &&
        typeof entry[1] === 'number' &&
        (entry[2] === undefined || typeof entry[2] === 'string'),
    ) &&
    (forgottenBefore === undefined || typeof forgottenBefore === 'number');
  if (!valid) {
    throw new UserError('The stream state is not a file list this connector wrote: reset the stream state', {
      code: 'FILE_STATE_INVALID',
    });
  }
  return forgottenBefore === undefined ? { files } : { files, forgottenBefore };
}

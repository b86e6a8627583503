import { UserError } from '@assay/sdk';
import type { ConnectorState } from '@assay/sdk';

// Kept in step with plugins/connector-file/src/seen-files.ts; objects are compared by size and ETag.

/** What is remembered of an object: `[size, last modified epoch ms, ETag]`. */
export type SeenEntry = readonly [size: number, modified: number, etag: string];

// A type alias, not an interface, so that it is assignable to ConnectorState.
/** The stream state: seen objects by key (relative to the prefix), and the watermark for forgotten ones. */
export type SeenState = {
  readonly v: 1;
  readonly files: Readonly<Record<string, SeenEntry>>;
  /** Objects not in `files` modified at or before this time (epoch ms) count as seen: forgotten by the cap. */
  readonly forgottenBefore?: number;
};

/** The most objects a state remembers; older ones are folded into `forgottenBefore`. */
export const SEEN_OBJECTS_CAP = 50_000;

/**
 * New-object detection across loads. An object is new when its key is not remembered, or when its size or ETag
 * differ from what was remembered (a rewritten object is read again; a re-upload of the same bytes is not). The
 * final state keeps only objects listed this time, so deleted ones are forgotten; beyond {@link SEEN_OBJECTS_CAP}
 * the oldest are forgotten and `forgottenBefore` rises to their newest time, so state stays bounded.
 */
export class SeenObjects {
  readonly #previous: ReadonlyMap<string, SeenEntry>;
  readonly #forgottenBefore: number | undefined;
  readonly #cap: number;
  /** Files listed this time that are seen (unchanged or read now): the final state. */
  readonly #listed = new Map<string, SeenEntry>();
  /** The previous state overlaid with what was read: safe to commit mid-read, before the listing is complete. */
  readonly #merged: Map<string, SeenEntry>;
  #mergedForgottenBefore: number | undefined;

  constructor(state: ConnectorState | undefined, cap = SEEN_OBJECTS_CAP) {
    const parsed = parseState(state);
    this.#previous = new Map(Object.entries(parsed.files));
    this.#forgottenBefore = parsed.forgottenBefore;
    this.#mergedForgottenBefore = parsed.forgottenBefore;
    this.#merged = new Map(this.#previous);
    this.#cap = cap;
  }

  /** True when the object must be read; an unchanged one is remembered as listed. */
  isNew(path: string, entry: SeenEntry): boolean {
    const seen = this.#previous.get(path);
    if (seen !== undefined && seen[0] === entry[0] && seen[2] === entry[2]) {
      this.#listed.set(path, seen);
      return false;
    }
    if (seen === undefined && this.#forgottenBefore !== undefined && entry[1] <= this.#forgottenBefore) return false;
    return true;
  }

  /** Remembers an object handed over for reading. */
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
        typeof entry[2] === 'string',
    ) &&
    (forgottenBefore === undefined || typeof forgottenBefore === 'number');
  if (!valid) {
    throw new UserError('The stream state is not an object list this connector wrote: reset the stream state', {
      code: 'S3_STATE_INVALID',
    });
  }
  return forgottenBefore === undefined ? { files } : { files, forgottenBefore };
}

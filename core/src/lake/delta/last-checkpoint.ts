import type { LakeStorage } from '../storage/lake-storage.ts';

/** The parts of `_delta_log/_last_checkpoint` the reader uses. */
export interface LastCheckpointHint {
  readonly version: number;
  readonly parts?: number;
}

/**
 * Reads `_last_checkpoint`, the writer's hint of the newest checkpoint. The hint is only an optimisation: a missing,
 * empty, corrupt or stale one yields undefined and the reader falls back to listing the whole log. Storage failures
 * other than "not found" are passed through.
 */
export async function readLastCheckpoint(
  storage: LakeStorage,
  tableRoot: string,
): Promise<LastCheckpointHint | undefined> {
  const path = `${tableRoot}_delta_log/_last_checkpoint`;
  if ((await storage.head(path)) === undefined) return undefined;
  const text = (await storage.read(path)).toString('utf8');
  try {
    const hint = JSON.parse(text) as { version?: unknown; parts?: unknown };
    if (typeof hint.version !== 'number' || !Number.isInteger(hint.version) || hint.version < 0) return undefined;
    return typeof hint.parts === 'number' ? { version: hint.version, parts: hint.parts } : { version: hint.version };
  } catch {
    return undefined;
  }
}

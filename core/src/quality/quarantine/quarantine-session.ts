import type { EngineSession } from '../../engine/engine-session.ts';
import type { Engine } from '../../engine/engine.ts';
import type { DeltaSnapshot } from '../../lake/delta/snapshot.ts';
import { snapshotOrUndefined } from '../../lake/existing-snapshot.ts';
import type { LakeService, LakeTable } from '../../lake/lake-service.ts';

/** The name of the quarantine table's view in a {@link withQuarantine} session. */
export const QUARANTINE_VIEW = 'assay_quarantine.rows';

/** What a {@link withQuarantine} callback works with. */
export interface QuarantineContext {
  readonly table: LakeTable;
  readonly snapshot: DeltaSnapshot;
  /** A sandboxed session whose only dataset is the snapshot, as {@link QUARANTINE_VIEW}. */
  readonly session: EngineSession;
}

/** Longest a quarantine statement may run. */
const TIMEOUT_MS = 60_000;

/**
 * Runs `work` over the latest snapshot of a dataset's quarantine table in a sandboxed engine session (closed
 * afterwards); `empty()` when the dataset has no quarantine table yet (nothing was ever set aside).
 */
export async function withQuarantine<T>(
  deps: { lake: LakeService; engine: Engine },
  target: { workspace: string; dataset: string },
  work: (context: QuarantineContext) => Promise<T>,
  empty: () => T | Promise<T>,
): Promise<T> {
  const table = deps.lake.quarantine(target.workspace, target.dataset);
  const snapshot = await snapshotOrUndefined(table);
  if (snapshot === undefined) return empty();
  const view = { ...(await table.view(snapshot)), name: QUARANTINE_VIEW };
  const session = await deps.engine.openSession({ views: [view], timeoutMs: TIMEOUT_MS });
  try {
    return await work({ table, snapshot, session });
  } finally {
    await session.close();
  }
}

/** All rows of a query (callers bound it with LIMIT or aggregate it). */
export async function rowsOf(session: EngineSession, sql: string): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for await (const chunk of session.stream(sql)) rows.push(...chunk);
  return rows;
}

/** SQL: whether `raw_row` holds a JSON object (a line a load could not parse holds its text instead). */
export const IS_JSON_OBJECT_SQL =
  "(CASE WHEN coalesce(json_valid(raw_row), false) THEN json_type(raw_row) = 'OBJECT' ELSE false END)";

import type { Engine } from '../../engine/engine.ts';
import type { LakeService } from '../../lake/lake-service.ts';
import { QUARANTINE_VIEW, rowsOf, withQuarantine } from './quarantine-session.ts';

/** How many rows a dataset's quarantine holds, in all and per check and per run. */
export interface QuarantineSummary {
  readonly total: number;
  /** The quarantine table's version counted; null when the dataset never set rows aside. */
  readonly version: number | null;
  /** Most rows first. */
  readonly byCheck: Array<{ check: string | null; rows: number; latest: string | null }>;
  /** Newest run first. */
  readonly byRun: Array<{ runId: string | null; rows: number; latest: string | null }>;
}

/** At most this many groups per breakdown: a summary stays a summary. */
const MAX_GROUPS = 1000;

const LATEST = "strftime(max(_quarantined_at) AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%fZ') AS latest";

/** Counts a dataset's quarantined rows by check and by run, in DuckDB (only the counts come back). */
export async function summarizeQuarantine(
  deps: { lake: LakeService; engine: Engine },
  target: { workspace: string; dataset: string },
): Promise<QuarantineSummary> {
  return withQuarantine<QuarantineSummary>(
    deps,
    target,
    async ({ session, snapshot }) => {
      const byCheck = await rowsOf(
        session,
        `SELECT check_id, count(*)::DOUBLE AS n, ${LATEST} FROM ${QUARANTINE_VIEW} GROUP BY check_id ` +
          `ORDER BY n DESC, check_id LIMIT ${MAX_GROUPS}`,
      );
      const byRun = await rowsOf(
        session,
        `SELECT run_id, count(*)::DOUBLE AS n, ${LATEST} FROM ${QUARANTINE_VIEW} GROUP BY run_id ` +
          `ORDER BY max(_quarantined_at) DESC, run_id LIMIT ${MAX_GROUPS}`,
      );
      const [total] = await rowsOf(session, `SELECT count(*)::DOUBLE AS n FROM ${QUARANTINE_VIEW}`);
      const text = (value: unknown) => (value === null || value === undefined ? null : String(value));
      return {
        total: Number(total?.n ?? 0),
        version: snapshot.version,
        byCheck: byCheck.map((row) => ({ check: text(row.check_id), rows: Number(row.n), latest: text(row.latest) })),
        byRun: byRun.map((row) => ({ runId: text(row.run_id), rows: Number(row.n), latest: text(row.latest) })),
      };
    },
    () => ({ total: 0, version: null, byCheck: [], byRun: [] }),
  );
}

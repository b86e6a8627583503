import type { Engine } from '../../engine/engine.ts';
import type { LakeService } from '../../lake/lake-service.ts';
import { QUARANTINE_ID_SQL } from '../reprocess/quarantine-row-id.ts';
import { afterPositionSql, decodeQuarantineCursor, encodeQuarantineCursor, SORT_KEYS } from './quarantine-cursor.ts';
import { filterSql, type QuarantineFilter } from './quarantine-filter.ts';
import { QUARANTINE_VIEW, rowsOf, withQuarantine } from './quarantine-session.ts';

/** One quarantined row as the API shows it: its id, the stored columns, and the original row parsed. */
export interface QuarantinedRow {
  readonly quarantine_id: string;
  readonly _load_id: string | null;
  /** ISO 8601, UTC. */
  readonly _quarantined_at: string | null;
  readonly check_id: string | null;
  readonly _source: string | null;
  readonly line: number | null;
  readonly column_name: string | null;
  readonly error_type: string | null;
  readonly reason: string | null;
  /** The original row: JSON text of its columns, or the raw text of a line a load could not parse. */
  readonly raw_row: string | null;
  readonly run_id: string | null;
  /** `raw_row` parsed when it is a JSON object; null for raw text. */
  readonly row: Record<string, unknown> | null;
}

/** A page of quarantined rows, newest first. */
export interface QuarantinePage {
  readonly rows: QuarantinedRow[];
  /** More rows follow; fetch them with `nextCursor`. */
  readonly truncated: boolean;
  readonly nextCursor: string | null;
}

const COLUMNS =
  `${QUARANTINE_ID_SQL} AS quarantine_id, _load_id, ` +
  `strftime(_quarantined_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%fZ') AS _quarantined_at, check_id, _source, ` +
  `CAST(line AS DOUBLE) AS line, column_name, error_type, reason, raw_row, run_id, ` +
  `CAST(${SORT_KEYS.at} AS VARCHAR) AS assay_at`;

/**
 * A page of a dataset's quarantined rows matching `filter`, newest first (a load's rows in file order), after
 * `cursor`. An empty page when the dataset never set rows aside. 400 `QUARANTINE_CURSOR_INVALID` for a bad cursor.
 */
export async function listQuarantine(
  deps: { lake: LakeService; engine: Engine },
  target: { workspace: string; dataset: string },
  query: { filter: QuarantineFilter; limit: number; cursor?: string | undefined },
): Promise<QuarantinePage> {
  const after = query.cursor === undefined ? undefined : decodeQuarantineCursor(query.cursor);
  const where = filterSql(query.filter);
  return withQuarantine<QuarantinePage>(
    deps,
    target,
    async ({ session }) => {
      const conditions = [where, ...(after === undefined ? [] : [afterPositionSql(after, QUARANTINE_ID_SQL)])];
      const sql =
        `SELECT ${COLUMNS} FROM ${QUARANTINE_VIEW} WHERE ${conditions.join(' AND ')} ` +
        `ORDER BY ${SORT_KEYS.at} DESC, ${SORT_KEYS.source}, ${SORT_KEYS.line}, quarantine_id ` +
        `LIMIT ${query.limit + 1}`;
      const found = await rowsOf(session, sql);
      const page = found.slice(0, query.limit);
      const last = page.at(-1);
      const truncated = found.length > query.limit;
      return {
        rows: page.map(rowOf),
        truncated,
        nextCursor:
          truncated && last !== undefined
            ? encodeQuarantineCursor({
                at: String(last.assay_at),
                source: String(last._source ?? ''),
                line: last.line === null ? -1 : Number(last.line),
                id: String(last.quarantine_id),
              })
            : null,
      };
    },
    () => ({ rows: [], truncated: false, nextCursor: null }),
  );
}

function rowOf(stored: Record<string, unknown>): QuarantinedRow {
  const text = (key: string) => (stored[key] === null || stored[key] === undefined ? null : String(stored[key]));
  const raw = text('raw_row');
  return {
    quarantine_id: String(stored.quarantine_id),
    _load_id: text('_load_id'),
    _quarantined_at: text('_quarantined_at'),
    check_id: text('check_id'),
    _source: text('_source'),
    line: stored.line === null || stored.line === undefined ? null : Number(stored.line),
    column_name: text('column_name'),
    error_type: text('error_type'),
    reason: text('reason'),
    raw_row: raw,
    run_id: text('run_id'),
    row: parsedObject(raw),
  };
}

/** The raw row as an object when it is a JSON object; integers beyond 2^53 lose precision here (raw_row keeps them). */
function parsedObject(raw: string | null): Record<string, unknown> | null {
  if (raw === null || !raw.trimStart().startsWith('{')) return null;
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

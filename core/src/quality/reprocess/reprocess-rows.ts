import { InputError } from '@assay/sdk';
import { literal, quote, type DatasetView } from '../../engine/dataset-view.ts';
import type { Engine } from '../../engine/engine.ts';
import { snapshotOrUndefined } from '../../lake/existing-snapshot.ts';
import type { LakeService, LakeTable } from '../../lake/lake-service.ts';
import { isQuarantineId, QUARANTINE_ID_SQL } from './quarantine-row-id.ts';

/** Which quarantined rows a reprocess run takes. */
export interface ReprocessRequest {
  readonly ids: readonly string[];
}

/**
 * The quarantined rows of a reprocess, and how the job takes them: rows its own checks set aside are rows of its
 * output (`output`: written again through the checks); rows its operator set aside (a cleanse rule) or a load could
 * not parse are rows of its first input or of its source (`input`: the operator runs over them).
 */
export interface ReprocessRows {
  readonly quarantine: LakeTable;
  readonly shape: 'input' | 'output';
  readonly rows: number;
  /** A view named `name` over the rows, each column cast from the row's JSON to `columns` (TRY_CAST: NULL if not). */
  view(name: string, columns: ReadonlyArray<{ name: string; type: string }>, runId: string): DatasetView;
  /** The trusted predicate on the quarantine table matching exactly these rows. */
  readonly predicate: string;
}

/** Finds the rows of a reprocess in the dataset's quarantine: `REPROCESS_ROWS_NOT_FOUND` when some are gone. */
export async function reprocessRows(
  lake: LakeService,
  engine: Engine,
  options: {
    readonly workspace: string;
    readonly dataset: string;
    readonly ids: readonly string[];
    readonly checkIds: readonly string[];
    readonly hasInputs: boolean;
    readonly where: string;
  },
): Promise<ReprocessRows> {
  const { ids, where } = options;
  const invalid = ids.filter((id) => !isQuarantineId(id));
  if (ids.length === 0 || invalid.length > 0) {
    throw new InputError(`${where}: a reprocess needs the ids of quarantined rows (32 hex digits)`, {
      code: 'REPROCESS_INVALID',
      details: { invalid },
    });
  }
  const quarantine = lake.quarantine(options.workspace, options.dataset);
  const snapshot = await snapshotOrUndefined(quarantine);
  const predicate = `${QUARANTINE_ID_SQL} IN (${ids.map(literal).join(', ')})`;
  const base = snapshot === undefined ? undefined : await quarantine.view(snapshot);
  const found =
    base === undefined ? [] : await selected({ ...base, name: 'assay_reprocess.quarantine' }, engine, predicate);
  const rows = found.reduce((sum, entry) => sum + entry.rows, 0);
  if (base === undefined || rows < ids.length) {
    throw new InputError(
      `${where}: ${ids.length - rows} of the ${ids.length} rows to reprocess are no longer in the quarantine of ` +
        `${options.dataset} (reprocessed, discarded or edited since): list the quarantine again`,
      { code: 'REPROCESS_ROWS_NOT_FOUND', details: { dataset: options.dataset, asked: ids.length, found: rows } },
    );
  }
  const notJson = found.reduce((sum, entry) => sum + entry.notJson, 0);
  if (notJson > 0) {
    // A line a CSV load could not parse is kept as it came; only its corrected columns can be loaded again.
    throw new InputError(
      `${where}: ${notJson} of the rows to reprocess hold their original text rather than columns (a line a load ` +
        'could not parse): edit each into columns first (PATCH …/quarantine/:id with the row), then reprocess',
      { code: 'REPROCESS_ROW_NOT_JSON', details: { dataset: options.dataset, rows: notJson } },
    );
  }
  const byChecks = found.filter((entry) => options.checkIds.includes(entry.checkId));
  if (byChecks.length > 0 && byChecks.length < found.length) {
    throw new InputError(
      `${where}: the rows mix ones the job's checks set aside with ones its operator or load set aside; ` +
        'reprocess them separately (filter by check)',
      { code: 'REPROCESS_MIXED', details: { checks: found.map((entry) => entry.checkId) } },
    );
  }
  const shape = byChecks.length > 0 || !options.hasInputs ? 'output' : 'input';
  return {
    quarantine,
    shape,
    rows,
    predicate,
    view(name, columns, runId) {
      const json = (column: string) => `json_extract_string(q.raw_row, ${literal(`$.${JSON.stringify(column)}`)})`;
      // A load's audit columns describe the reprocess, since the row is loaded now.
      const audit: Record<string, string> = {
        _load_id: literal(runId),
        _ingested_at: 'now()',
        _source: `coalesce(${json('_source')}, q._source)`,
      };
      const select = columns.map(({ name: column, type }) => {
        const value =
          shape === 'output' && audit[column] !== undefined
            ? `coalesce(TRY_CAST(${json(column)} AS ${type}), CAST(${audit[column]} AS ${type}))`
            : `TRY_CAST(${json(column)} AS ${type})`;
        return `${value} AS ${quote(column)}`;
      });
      return {
        name,
        source: `SELECT ${select.join(', ')} FROM (${base.source}) AS q WHERE ${predicate}`,
        files: base.files,
      };
    },
  };
}

async function selected(
  view: DatasetView,
  engine: Engine,
  predicate: string,
): Promise<Array<{ checkId: string; rows: number; notJson: number }>> {
  const session = await engine.openSession({ views: [view] });
  try {
    const found: Array<{ checkId: string; rows: number; notJson: number }> = [];
    const object = `CASE WHEN coalesce(json_valid(raw_row), false) THEN json_type(raw_row) = 'OBJECT' ELSE false END`;
    const sql =
      `SELECT check_id, count(*)::BIGINT AS n, count(*) FILTER (WHERE NOT ${object})::BIGINT AS not_json ` +
      `FROM ${view.name} WHERE ${predicate} GROUP BY check_id`;
    for await (const chunk of session.stream(sql)) {
      for (const row of chunk) {
        found.push({ checkId: String(row.check_id), rows: Number(row.n), notJson: Number(row.not_json) });
      }
    }
    return found;
  } finally {
    await session.close();
  }
}

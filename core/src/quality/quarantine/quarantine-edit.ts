import { ConflictError, NotFoundError } from '@assay/sdk';
import { literal } from '../../engine/dataset-view.ts';
import type { Engine } from '../../engine/engine.ts';
import type { LakeService } from '../../lake/lake-service.ts';
import { QUARANTINE_ID_SQL } from '../reprocess/quarantine-row-id.ts';
import { retryOnConflict } from './conflict-retry.ts';
import { pointerSql } from './fix-columns.ts';
import { fixedRowSql } from './fixed-row-sql.ts';
import { filterSql } from './quarantine-filter.ts';
import { IS_JSON_OBJECT_SQL, QUARANTINE_VIEW, rowsOf, withQuarantine } from './quarantine-session.ts';

/** An edit of one quarantined row. */
export interface EditRequest {
  readonly id: string;
  /** New values by key; with `replace`, the whole new row. */
  readonly row: Readonly<Record<string, unknown>>;
  /** Replace the row instead of merging the values into it. A row holding raw text is always replaced. */
  readonly replace: boolean;
  readonly user: string | undefined;
}

/** What an edit did. */
export interface EditResult {
  /** The row's id now: ids hash the stored row, so an edit gives a new one. */
  readonly quarantineId: string;
  readonly previousId: string;
  /** The quarantine table's version with the edit. */
  readonly version: number;
  /** False when the row already held these values (nothing was committed). */
  readonly changed: boolean;
}

/**
 * Edits one quarantined row by a Delta UPDATE of the quarantine table: merges `row` into the stored JSON (only the
 * given keys change, their order and the other values — 64-bit integers too — stay), or replaces it. 404
 * `QUARANTINE_ROW_NOT_FOUND` when no row has the id; 409 `QUARANTINE_ROW_CHANGED` when someone changed the row
 * while this edit was being applied (list again and edit the new version).
 */
export async function editQuarantinedRow(
  deps: { lake: LakeService; engine: Engine },
  target: { workspace: string; dataset: string },
  request: EditRequest,
): Promise<EditResult> {
  const byId = filterSql({ ids: [request.id] });
  const patch = `json(${literal(JSON.stringify(request.row))})`;
  const values = Object.keys(request.row).map(
    (key) => [key, `json_extract(${patch}, ${pointerSql(literal(key))})`] as const,
  );
  const replaced = `CAST(${patch} AS VARCHAR)`;
  // Only a JSON object has keys to merge into; a line kept as raw text becomes the row given.
  const newRaw = request.replace
    ? replaced
    : `CASE WHEN ${IS_JSON_OBJECT_SQL} THEN ${fixedRowSql('raw_row', values)} ELSE ${replaced} END`;
  return retryOnConflict(`Editing quarantined row ${request.id} of ${target.dataset}`, (retry) =>
    withQuarantine<EditResult>(
      deps,
      target,
      async ({ session, table, snapshot }) => {
        const [found] = await rowsOf(
          session,
          `SELECT raw_row AS new_raw, ${QUARANTINE_ID_SQL} AS new_id FROM (SELECT * REPLACE (${newRaw} AS raw_row) ` +
            `FROM ${QUARANTINE_VIEW} WHERE ${byId}) AS edited LIMIT 1`,
        );
        if (found === undefined) throw gone(request.id, target.dataset, retry);
        const newId = String(found.new_id);
        if (newId === request.id) {
          return { quarantineId: newId, previousId: request.id, version: snapshot.version, changed: false };
        }
        const result = await table.update({
          predicate: byId,
          set: { raw_row: literal(String(found.new_raw)) },
          ...(request.user === undefined ? {} : { user: request.user }),
          operationParameters: {
            action: 'quarantine edit',
            id: request.id,
            newId,
            mode: request.replace ? 'replace' : 'merge',
            keys: Object.keys(request.row),
          },
        });
        // Read before, gone when updating: another change took the row in between; the retry tells which.
        if (result.rowsAffected === 0) throw gone(request.id, target.dataset, true);
        return { quarantineId: newId, previousId: request.id, version: result.version, changed: true };
      },
      () => {
        throw gone(request.id, target.dataset, false);
      },
    ),
  );
}

function gone(id: string, dataset: string, retry: boolean): Error {
  if (retry) {
    return new ConflictError(
      `Quarantined row ${id} of ${dataset} was changed by someone else while this edit was applied; ` +
        'list the quarantine again and edit its new version',
      { code: 'QUARANTINE_ROW_CHANGED', details: { id, dataset } },
    );
  }
  return new NotFoundError(
    `No quarantined row ${id} in ${dataset} (edited, fixed, reprocessed or discarded since it was listed?): ` +
      'list the quarantine again for current ids',
    { code: 'QUARANTINE_ROW_NOT_FOUND', details: { id, dataset } },
  );
}

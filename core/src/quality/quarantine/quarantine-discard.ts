import { InputError } from '@assay/sdk';
import { snapshotOrUndefined } from '../../lake/existing-snapshot.ts';
import type { LakeService } from '../../lake/lake-service.ts';
import { retryOnConflict } from './conflict-retry.ts';
import { describeFilter, filterSql, isEmptyFilter, type QuarantineFilter } from './quarantine-filter.ts';

/** A discard: which rows leave the quarantine, and why. */
export interface DiscardRequest {
  readonly filter: QuarantineFilter;
  /** Required to discard every row, so an empty filter never does by accident. */
  readonly all: boolean;
  readonly reason: string;
  readonly user: string | undefined;
}

/** What a discard did. */
export interface DiscardResult {
  readonly discarded: number;
  /** The quarantine table's version with the discard; the version read when nothing matched; null without a table. */
  readonly version: number | null;
}

/**
 * Removes the matching rows from a dataset's quarantine with a Delta DELETE (the history keeps them: time travel
 * or restore brings them back), recording the reason and the filter in the commit. 400 `QUARANTINE_DISCARD_UNFILTERED`
 * when no criterion is given and `all` is not set.
 */
export async function discardQuarantined(
  deps: { lake: LakeService },
  target: { workspace: string; dataset: string },
  request: DiscardRequest,
): Promise<DiscardResult> {
  if (request.reason.trim().length < 3) {
    throw new InputError(
      'Give the reason for discarding these rows (at least 3 characters): it goes into the audit log',
      {
        code: 'QUARANTINE_DISCARD_REASON_REQUIRED',
        details: { path: '/body/reason' },
      },
    );
  }
  if (isEmptyFilter(request.filter) && !request.all) {
    throw new InputError(
      'Say which quarantined rows to discard: ids, check, runId, loadId or errorType — or all: true to discard ' +
        'every row of the dataset',
      { code: 'QUARANTINE_DISCARD_UNFILTERED' },
    );
  }
  const predicate = filterSql(request.filter);
  const table = deps.lake.quarantine(target.workspace, target.dataset);
  return retryOnConflict(`Discarding quarantined rows of ${target.dataset}`, async () => {
    if ((await snapshotOrUndefined(table)) === undefined) return { discarded: 0, version: null };
    const result = await table.delete({
      predicate,
      ...(request.user === undefined ? {} : { user: request.user }),
      operationParameters: {
        action: 'quarantine discard',
        reason: request.reason,
        filter: request.all && isEmptyFilter(request.filter) ? 'all' : describeFilter(request.filter),
      },
    });
    return { discarded: result.rowsAffected, version: result.version };
  });
}

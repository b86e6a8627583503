import { InputError } from '@assay/sdk';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { LakeStorage } from '../storage/lake-storage.ts';
import { commitWithRetry } from './commit-loop.ts';
import { tableRootOf } from './table-root.ts';
import { fileKey, readRawTableState } from './table-state.ts';

/** How vacuum decides what is old enough to delete. */
export interface VacuumOptions {
  /** Files removed, or written, less than this many hours ago are kept. Default 168 (7 days). */
  readonly retentionHours?: number;
  /** Report what would be deleted, delete nothing and commit nothing. */
  readonly dryRun?: boolean;
  /** The current time in ms (tests); `Date.now()` by default. */
  readonly now?: number;
  /** Allow a retention under one hour, which can break concurrent writers and readers of older versions. */
  readonly force?: boolean;
}

export interface VacuumResult {
  /** Table-relative paths deleted (or, on a dry run, that would be). */
  readonly deleted: readonly string[];
  /** Files under the table root that were kept. */
  readonly kept: number;
  readonly bytesFreed: number;
}

const HOUR = 3_600_000;
const DELETE_BATCH = 1000;

/**
 * Deletes the files under a table's root that no version within the retention needs: everything except files live
 * in the latest version, files removed less than `retentionHours` ago (tombstones) and files written less than
 * `retentionHours` ago (uncommitted writes in flight). Hidden paths (a segment starting with `_` or `.`, such as
 * `_delta_log/`) are never touched. Commits `VACUUM START` and `VACUUM END` for the history unless it is a dry run.
 * Refuses a retention under one hour with `VACUUM_RETENTION_TOO_SHORT` unless `force` is set.
 *
 * @example
 * ```ts
 * const { deleted } = await vacuumTable(storage, 'silver/orders', connection, { retentionHours: 24, dryRun: true });
 * ```
 */
export async function vacuumTable(
  storage: LakeStorage,
  tablePath: string,
  connection: DuckDBConnection,
  options: VacuumOptions = {},
): Promise<VacuumResult> {
  const { retentionHours = 168, dryRun = false, now = Date.now(), force = false } = options;
  const tableRoot = tableRootOf(tablePath);
  if (!(retentionHours >= 1) && !force) {
    throw new InputError(
      `Vacuum of ${storage.describe(tableRoot)} with a retention of ${retentionHours} hours could delete files that ` +
        'running writers and readers of recent versions still need; use at least 1 hour, or force it.',
      { code: 'VACUUM_RETENTION_TOO_SHORT', details: { retentionHours } },
    );
  }
  const cutoff = now - retentionHours * HOUR;
  const state = await readRawTableState(storage, tableRoot, connection);
  const tableUrl = storage.describe(tableRoot);
  const relative = (path: string) => {
    const key = fileKey(path);
    return key.startsWith(tableUrl) ? fileKey(key.slice(tableUrl.length)) : key;
  };
  const needed = new Set([...state.adds.values()].map((add) => relative(add.path)));
  for (const remove of state.tombstones.values()) {
    if ((remove.deletionTimestamp ?? 0) > cutoff) needed.add(relative(remove.path));
  }

  const doomed: { path: string; size: number }[] = [];
  let kept = 0;
  for await (const object of storage.list(tableRoot, { recursive: true })) {
    const path = object.path.slice(tableRoot.length);
    if (path.split('/').some((segment) => segment.startsWith('_') || segment.startsWith('.'))) continue;
    if (needed.has(path) || object.modified.getTime() > cutoff) kept++;
    else doomed.push({ path, size: object.size });
  }
  const result = {
    deleted: doomed.map((file) => file.path),
    kept,
    bytesFreed: doomed.reduce((sum, file) => sum + file.size, 0),
  };
  if (dryRun) return result;

  const commit = (operation: string, parameters: Record<string, unknown>, metrics: Record<string, number>) =>
    commitWithRetry(storage, tablePath, connection, () => ({
      provenance: { operation, operationParameters: parameters, operationMetrics: metrics },
    }));
  await commit(
    'VACUUM START',
    {
      retentionCheckEnabled: !force,
      specifiedRetentionMillis: retentionHours * HOUR,
      defaultRetentionMillis: 168 * HOUR,
    },
    { numFilesToDelete: doomed.length, sizeOfDataToDelete: result.bytesFreed },
  );
  for (let start = 0; start < doomed.length; start += DELETE_BATCH) {
    await storage.delete(doomed.slice(start, start + DELETE_BATCH).map((file) => `${tableRoot}${file.path}`));
  }
  await commit('VACUUM END', { status: 'COMPLETED' }, { numDeletedFiles: doomed.length });
  return result;
}

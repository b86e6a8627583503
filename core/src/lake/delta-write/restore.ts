import { UserError } from '@assay/sdk';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { AddAction, RemoveAction } from '../delta/delta-actions.ts';
import type { LakeStorage } from '../storage/lake-storage.ts';
import { commitWithRetry } from './commit-loop.ts';
import { tableRootOf } from './table-root.ts';
import type { CommitProvenance } from './log-actions.ts';
import { readRawTableState } from './table-state.ts';

/** What a restore committed. */
export interface RestoreResult {
  /** The version the restore committed. */
  readonly version: number;
  readonly filesRestored: number;
  readonly filesRemoved: number;
}

/**
 * Rolls a table back to `targetVersion` with one new commit (operation `RESTORE`): files live now but not at the
 * target are removed, files live at the target but not now are added again with their original metadata, and the
 * target's metaData comes back when it differs. The protocol stays: protocols only ever rise, so the current one
 * already covers the target's, and lowering it would be a downgrade Delta forbids. Fails with
 * `DELTA_VERSION_NOT_FOUND` when the target is outside the retained log and `DELTA_RESTORE_FILES_MISSING` when a file
 * it needs has been vacuumed.
 *
 * @example
 * ```ts
 * await restoreTable(storage, 'silver/orders', 3, connection, { operation: 'RESTORE', user: 'ada' });
 * ```
 */
export async function restoreTable(
  storage: LakeStorage,
  tablePath: string,
  targetVersion: number,
  connection: DuckDBConnection,
  provenance?: Partial<CommitProvenance>,
): Promise<RestoreResult> {
  const tableRoot = tableRootOf(tablePath);
  const target = await readRawTableState(storage, tableRoot, connection, targetVersion);
  let restored = 0;
  let removed = 0;
  const outcome = await commitWithRetry(storage, tablePath, connection, async (snapshot) => {
    const current = await readRawTableState(storage, tableRoot, connection, snapshot?.version ?? targetVersion);
    const adds: AddAction[] = [...target.adds]
      .filter(([key]) => !current.adds.has(key))
      .map(([, add]) => ({ ...add, dataChange: true }));
    await assertFilesPresent(storage, tableRoot, adds, targetVersion);
    const now = Date.now();
    const removes: ExtendedRemove[] = [...current.adds]
      .filter(([key]) => !target.adds.has(key))
      .map(([, add]) => removeOf(add, now));
    restored = adds.length;
    removed = removes.length;
    const metaData =
      target.metadata !== undefined && JSON.stringify(target.metadata) !== JSON.stringify(current.metadata)
        ? target.metadata
        : undefined;
    return {
      provenance: {
        operation: 'RESTORE',
        ...provenance,
        operationParameters: { version: targetVersion, ...provenance?.operationParameters },
        operationMetrics: {
          numRestoredFiles: adds.length,
          numRemovedFiles: removes.length,
          restoredFilesSize: adds.reduce((sum, add) => sum + add.size, 0),
          removedFilesSize: removes.reduce((sum, remove) => sum + remove.size, 0),
          numOfFilesAfterRestore: target.adds.size,
          ...provenance?.operationMetrics,
        },
      },
      ...(metaData === undefined ? {} : { metaData }),
      removes,
      adds,
    };
  });
  return { version: outcome.version, filesRestored: restored, filesRemoved: removed };
}

/** A remove with the extended file metadata the protocol allows, so that tombstone readers know size and partition. */
type ExtendedRemove = RemoveAction & {
  readonly extendedFileMetadata: true;
  readonly partitionValues: AddAction['partitionValues'];
  readonly size: number;
};

function removeOf(add: AddAction, now: number): ExtendedRemove {
  return {
    path: add.path,
    deletionTimestamp: now,
    dataChange: true,
    extendedFileMetadata: true,
    partitionValues: add.partitionValues,
    size: add.size,
  };
}

async function assertFilesPresent(
  storage: LakeStorage,
  tableRoot: string,
  adds: readonly AddAction[],
  targetVersion: number,
): Promise<void> {
  for (const add of adds) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(add.path)) continue;
    const path = `${tableRoot}${decodeURIComponent(add.path)}`;
    if ((await storage.head(path)) !== undefined) continue;
    throw new UserError(
      `Cannot restore ${storage.describe(tableRoot)} to version ${targetVersion}: its data file ${storage.describe(path)} ` +
        'no longer exists (vacuumed?). Restore to a later version, or recover the file first.',
      { code: 'DELTA_RESTORE_FILES_MISSING', details: { version: targetVersion, file: add.path } },
    );
  }
}

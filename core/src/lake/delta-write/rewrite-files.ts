import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ConflictError, OperationalError } from '@assay/sdk';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { AddFile } from '../delta/add-file.ts';
import type { DeltaSnapshot } from '../delta/snapshot.ts';
import type { LakeStorage } from '../storage/lake-storage.ts';
import { commitWithRetry, type CommitOptions } from './commit-loop.ts';
import type { StagedFile } from './staged-files.ts';
import { uploadStagedFiles } from './staged-files.ts';
import { removesOf } from './commit-staged.ts';

/** What every copy-on-write operation accepts besides its own inputs. */
export interface RewriteOptions extends Pick<CommitOptions, 'txn' | 'putIfAbsent' | 'afterCommit'> {
  /** A local directory for intermediate Parquet files; each operation works in (and removes) a fresh subdirectory. */
  readonly scratchDir: string;
  readonly runId?: string;
  readonly user?: string;
  /** More `commitInfo.operationParameters` (over the operation's own), e.g. why rows were changed. */
  readonly operationParameters?: Readonly<Record<string, unknown>>;
}

/** What a copy-on-write operation did. */
export interface RewriteResult {
  /** The committed version; the version read when nothing was committed. */
  readonly version: number;
  /** False when there was nothing to change (and no txn to record), or when the txn had already been committed. */
  readonly committed: boolean;
  /** True when the txn had already been committed: nothing was done. */
  readonly skipped: boolean;
  readonly filesAdded: number;
  readonly filesRemoved: number;
  /** Rows deleted, updated or inserted (for a merge, all three; for an overwrite, rows written). */
  readonly rowsAffected: number;
  /** The commit's operation metrics (a merge's `numInsertedRows`, `numUpdatedRows`, …); empty when none. */
  readonly metrics: Readonly<Record<string, number>>;
}

/** One rewrite: what was read, what it replaces, and what replaces it. */
export interface RewriteRequest {
  /** The snapshot the operation read. */
  readonly snapshot: DeltaSnapshot;
  /** Every file the operation read: a concurrent removal of any of them is `DELTA_CONCURRENT_MODIFICATION`. */
  readonly read: readonly AddFile[];
  /** Files whose rows are replaced (all of `read` that changed). */
  readonly removed: readonly AddFile[];
  /** Their new content, plus any new rows. */
  readonly staged: readonly StagedFile[];
  readonly operation: string;
  readonly operationParameters: Readonly<Record<string, unknown>>;
  readonly operationMetrics: Readonly<Record<string, number>>;
  readonly rowsAffected: number;
  /**
   * Refuse when files were added since `snapshot` (`DELTA_CONCURRENT_APPEND`): for operations whose result depends
   * on the absence of rows (a merge inserts keys it did not find), a concurrent append would break them.
   */
  readonly refuseConcurrentAdds?: boolean;
}

/**
 * Commits a copy-on-write change: uploads the staged files, then commits the removal of the replaced files and the
 * addition of the new ones through the optimistic commit loop, with the files read as the conflict set. When there
 * is nothing to change, nothing is committed (unless a txn must be recorded, which takes an empty commit), so
 * operators that run often on unchanged data do not grow the log.
 */
export async function rewriteFiles(
  storage: LakeStorage,
  tablePath: string,
  connection: DuckDBConnection,
  request: RewriteRequest,
  options: RewriteOptions,
): Promise<RewriteResult> {
  const { snapshot } = request;
  if (request.removed.length === 0 && request.staged.length === 0 && options.txn === undefined) {
    return unchanged(snapshot.version, false);
  }
  const adds = await uploadStagedFiles(
    storage,
    snapshot.tableRoot,
    request.staged,
    snapshot.partitionColumns,
    connection,
  );
  const removes = removesOf(request.removed);
  const known = new Set(snapshot.files.map((file) => file.path));
  const tableName = storage.describe(snapshot.tableRoot);
  const outcome = await commitWithRetry(
    storage,
    tablePath,
    connection,
    (latest) => {
      if (latest === undefined) {
        throw new OperationalError(`${tableName} disappeared during ${request.operation}`, {
          code: 'DELTA_COMMIT_FAILED',
        });
      }
      if (request.refuseConcurrentAdds === true) refuseAdds(latest, known, request, tableName);
      return {
        provenance: {
          operation: request.operation,
          operationParameters: { ...request.operationParameters, ...options.operationParameters },
          operationMetrics: {
            ...request.operationMetrics,
            numAddedFiles: adds.length,
            numRemovedFiles: removes.length,
          },
          ...(options.runId === undefined ? {} : { runId: options.runId }),
          ...(options.user === undefined ? {} : { user: options.user }),
        },
        removes,
        adds,
      };
    },
    {
      read: { version: snapshot.version, paths: new Set(request.read.map((file) => file.path)) },
      ...(options.txn === undefined ? {} : { txn: options.txn }),
      ...(options.putIfAbsent === undefined ? {} : { putIfAbsent: options.putIfAbsent }),
      ...(options.afterCommit === undefined ? {} : { afterCommit: options.afterCommit }),
    },
  );
  if (outcome.skipped) return unchanged(outcome.version, true);
  return {
    version: outcome.version,
    committed: true,
    skipped: false,
    filesAdded: adds.length,
    filesRemoved: removes.length,
    rowsAffected: request.rowsAffected,
    metrics: request.operationMetrics,
  };
}

/** The result of an operation that changed nothing. */
export function unchanged(version: number, skipped: boolean): RewriteResult {
  return { version, committed: false, skipped, filesAdded: 0, filesRemoved: 0, rowsAffected: 0, metrics: {} };
}

/** True when the snapshot already carries the operation's txn: a retried job must not apply it twice. */
export function txnApplied(snapshot: DeltaSnapshot, options: Pick<RewriteOptions, 'txn'>): boolean {
  return options.txn !== undefined && (snapshot.txns.get(options.txn.appId) ?? -1) >= options.txn.version;
}

/** Runs `work` in a fresh subdirectory of `scratchDir`, removed afterwards whatever happens. */
export async function inScratch<T>(scratchDir: string, prefix: string, work: (dir: string) => Promise<T>): Promise<T> {
  await mkdir(scratchDir, { recursive: true });
  const dir = await mkdtemp(join(scratchDir, `${prefix}-`));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function refuseAdds(latest: DeltaSnapshot, known: ReadonlySet<string>, request: RewriteRequest, tableName: string) {
  const added = latest.files.filter((file) => !known.has(file.path) && file.dataChange);
  if (added.length === 0) return;
  throw new ConflictError(
    `A concurrent commit to ${tableName} added ${added.length} file(s) after ${request.operation} read version ` +
      `${request.snapshot.version}; its result would ignore their rows. Rerun it`,
    { code: 'DELTA_CONCURRENT_APPEND', details: { files: added.slice(0, 10).map((file) => file.path) } },
  );
}

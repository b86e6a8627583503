import type { DuckDBConnection } from '@duckdb/node-api';
import { loadSnapshot } from '../delta/snapshot.ts';
import type { LakeStorage } from '../storage/lake-storage.ts';
import { FILE_COLUMN } from './file-rows-sql.ts';
import { checkPredicate, filesMatchingOnPartitions, rowCountOf } from './predicate-files.ts';
import { readableFiles } from './readable-files.ts';
import {
  inScratch,
  rewriteFiles,
  txnApplied,
  unchanged,
  type RewriteOptions,
  type RewriteResult,
} from './rewrite-files.ts';
import { stageRewriteOfMatches } from './rewrite-matches.ts';

/** A delete of the rows satisfying a predicate. */
export interface DeleteRowsRequest extends RewriteOptions {
  /** Trusted DuckDB SQL over the table's columns, e.g. `region = 'eu' AND amount < 0`. Must be deterministic. */
  readonly predicate: string;
}

/**
 * Deletes the rows satisfying `predicate` (rows where it is NULL stay) by copy-on-write. A predicate on partition
 * columns only removes whole files without reading them; otherwise the files with matching rows are found by a
 * scan (DuckDB skips row groups by their statistics) and rewritten without those rows, a file left empty being
 * just removed. Commits `DELETE` with the files read as conflict set; when nothing matches, nothing is committed
 * (`committed: false`) unless a txn must be recorded. A predicate that does not parse or bind is `SQL_ERROR`.
 *
 * @example
 * ```ts
 * await deleteRows(storage, 'silver/orders', { predicate: "status = 'void'", scratchDir: '/tmp/assay' }, connection);
 * ```
 */
export async function deleteRows(
  storage: LakeStorage,
  tablePath: string,
  request: DeleteRowsRequest,
  connection: DuckDBConnection,
): Promise<RewriteResult> {
  const snapshot = await loadSnapshot(storage, { tablePath, connection });
  if (txnApplied(snapshot, request)) return unchanged(snapshot.version, true);
  const context = `DELETE from ${storage.describe(snapshot.tableRoot)}`;
  await checkPredicate(connection, snapshot, request.predicate, context);
  const operationParameters = { predicate: request.predicate };
  return inScratch(request.scratchDir, 'delete', async (scratch) => {
    const whole = await filesMatchingOnPartitions(connection, snapshot, request.predicate);
    if (whole !== undefined) {
      const deleted = await rowCountOf(connection, whole, await readableFiles(snapshot, whole, scratch));
      return rewriteFiles(
        storage,
        tablePath,
        connection,
        {
          snapshot,
          read: whole,
          removed: whole,
          staged: [],
          operation: 'DELETE',
          operationParameters,
          operationMetrics: { numDeletedRows: deleted, numCopiedRows: 0 },
          rowsAffected: deleted,
        },
        request,
      );
    }
    const {
      affected,
      matched: deleted,
      staged,
      rows,
    } = await stageRewriteOfMatches(
      connection,
      snapshot,
      snapshot.files,
      request.predicate,
      (rowsSql) => `SELECT * EXCLUDE (${FILE_COLUMN}) FROM (${rowsSql}) AS t WHERE (${request.predicate}) IS NOT TRUE`,
      scratch,
      context,
    );
    return rewriteFiles(
      storage,
      tablePath,
      connection,
      {
        snapshot,
        read: snapshot.files,
        removed: affected,
        staged,
        operation: 'DELETE',
        operationParameters,
        operationMetrics: { numDeletedRows: deleted, numCopiedRows: rows },
        rowsAffected: deleted,
      },
      request,
    );
  });
}

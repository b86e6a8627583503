import { InputError } from '@assay/sdk';
import type { DuckDBConnection } from '@duckdb/node-api';
import { duckdbType, quoteIdentifier, type DeltaStructField } from '../delta/delta-schema.ts';
import { loadSnapshot } from '../delta/snapshot.ts';
import type { LakeStorage } from '../storage/lake-storage.ts';
import { emptyRowsSql } from './file-rows-sql.ts';
import { checkPredicate, filesMatchingOnPartitions } from './predicate-files.ts';
import {
  inScratch,
  rewriteFiles,
  txnApplied,
  unchanged,
  type RewriteOptions,
  type RewriteResult,
} from './rewrite-files.ts';
import { runSql } from './run-sql.ts';
import { stageRewriteOfMatches } from './rewrite-matches.ts';

/** An update of the rows satisfying a predicate. */
export interface UpdateRowsRequest extends RewriteOptions {
  /** Column → trusted DuckDB expression over the row's current values, cast to the column's type. */
  readonly set: Readonly<Record<string, string>>;
  /** Trusted, deterministic DuckDB predicate; every row when omitted. */
  readonly predicate?: string;
}

/**
 * Updates the rows satisfying `predicate` (rows where it is NULL are left alone) by copy-on-write: the files with
 * matching rows are rewritten with `set` applied to those rows (a changed partition column moves the row to its
 * new partition). Commits `UPDATE` with the files read as conflict set; nothing when no row matches. Unknown
 * columns are `DELTA_COLUMN_NOT_FOUND`, SQL that does not parse or bind `SQL_ERROR`.
 *
 * @example
 * ```ts
 * await updateRows(storage, 'silver/orders', { set: { status: "'void'" }, predicate: 'amount < 0', scratchDir }, connection);
 * ```
 */
export async function updateRows(
  storage: LakeStorage,
  tablePath: string,
  request: UpdateRowsRequest,
  connection: DuckDBConnection,
): Promise<RewriteResult> {
  const snapshot = await loadSnapshot(storage, { tablePath, connection });
  if (txnApplied(snapshot, request)) return unchanged(snapshot.version, true);
  const table = storage.describe(snapshot.tableRoot);
  const context = `UPDATE of ${table}`;
  const predicate = request.predicate ?? 'true';
  const assignments = assignmentsOf(snapshot.schema.fields, request.set, table);
  const projection = snapshot.schema.fields.map((field) => {
    const name = quoteIdentifier(field.name);
    const expression = assignments.get(field.name);
    if (expression === undefined) return name;
    return `CASE WHEN (${predicate}) IS TRUE THEN CAST((${expression}) AS ${duckdbType(field.type)}) ELSE ${name} END AS ${name}`;
  });
  await checkPredicate(connection, snapshot, predicate, context);
  await runSql(connection, `SELECT ${projection.join(', ')} FROM (${emptyRowsSql(snapshot)}) AS t`, context);
  return inScratch(request.scratchDir, 'update', async (scratch) => {
    const candidates = (await filesMatchingOnPartitions(connection, snapshot, predicate)) ?? snapshot.files;
    const {
      affected,
      matched: updated,
      staged,
      rows,
    } = await stageRewriteOfMatches(
      connection,
      snapshot,
      candidates,
      predicate,
      (rowsSql) => `SELECT ${projection.join(', ')} FROM (${rowsSql}) AS t`,
      scratch,
      context,
    );
    return rewriteFiles(
      storage,
      tablePath,
      connection,
      {
        snapshot,
        read: candidates,
        removed: affected,
        staged,
        operation: 'UPDATE',
        operationParameters: { predicate, set: request.set },
        operationMetrics: { numUpdatedRows: updated, numCopiedRows: rows - updated },
        rowsAffected: updated,
      },
      request,
    );
  });
}

/** The assignments keyed by the schema's spelling of each column (Delta column names are case-insensitive). */
function assignmentsOf(
  fields: readonly DeltaStructField[],
  set: Readonly<Record<string, string>>,
  table: string,
): Map<string, string> {
  const entries = Object.entries(set);
  if (entries.length === 0) {
    throw new InputError(`UPDATE of ${table} sets no column; give at least one column and expression`, {
      code: 'UPDATE_SET_EMPTY',
    });
  }
  const assignments = new Map<string, string>();
  for (const [column, expression] of entries) {
    const field = fields.find((f) => f.name.toLowerCase() === column.toLowerCase());
    if (field === undefined) {
      throw new InputError(
        `UPDATE of ${table} sets column "${column}", which the table does not have (it has ${fields.map((f) => f.name).join(', ')})`,
        { code: 'DELTA_COLUMN_NOT_FOUND', details: { column } },
      );
    }
    assignments.set(field.name, expression);
  }
  return assignments;
}

import type { DuckDBConnection } from '@duckdb/node-api';
import type { AddFile } from '../delta/add-file.ts';
import { duckdbType, quoteIdentifier } from '../delta/delta-schema.ts';
import { loadSnapshot, type DeltaSnapshot } from '../delta/snapshot.ts';
import type { LakeStorage } from '../storage/lake-storage.ts';
import { FILE_COLUMN, filePartitionsSql, fileRowsSql, partitionFieldsOf } from './file-rows-sql.ts';
import { DELETE_COLUMN, prepareMergeSource, type MergeSource, type PreparedSource } from './merge-source.ts';
import { readableFiles } from './readable-files.ts';
import {
  inScratch,
  rewriteFiles,
  txnApplied,
  unchanged,
  type RewriteOptions,
  type RewriteResult,
} from './rewrite-files.ts';
import { runSql } from './run-sql.ts';
import { stageSelect } from './stage-select.ts';

/** An upsert of source rows into a table by key. */
export interface MergeRowsRequest extends RewriteOptions {
  readonly source: MergeSource;
  /** Columns identifying a row; NULL keys never match (such source rows are inserted as new rows). */
  readonly keys: readonly string[];
  /** What a source row does to the target rows with its key: overwrite the columns it has, or leave them. */
  readonly whenMatched: 'update' | 'ignore';
  /** Insert source rows whose key is not in the table. */
  readonly whenNotMatchedInsert: boolean;
  /** Trusted predicate on source columns: such rows delete their match and are never inserted (CDC deletes). */
  readonly deleteWhen?: string;
}

const MATCHED_COLUMN = '__assay_merge_matched';

/**
 * Merges source rows into the table by key (copy-on-write): files holding a key the source updates or deletes are
 * rewritten, source rows with no match are inserted as new files. The source is evaluated once; two source rows
 * with one key are `MERGE_SOURCE_DUPLICATE_KEYS`. Source columns the table lacks are not written (no schema
 * evolution); table columns the source lacks keep their value on update and are NULL on insert. Commits `MERGE`
 * with the files read as conflict set, and refuses a concurrent append (`DELTA_CONCURRENT_APPEND`), whose rows
 * could hold keys this merge would insert again. Nothing is committed when nothing changes.
 *
 * @example
 * ```ts
 * await mergeRows(storage, 'silver/customers', {
 *   source: { sql: 'SELECT * FROM changes' }, keys: ['id'], whenMatched: 'update', whenNotMatchedInsert: true,
 *   deleteWhen: "op = 'D'", scratchDir: '/tmp/assay',
 * }, connection);
 * ```
 */
export async function mergeRows(
  storage: LakeStorage,
  tablePath: string,
  request: MergeRowsRequest,
  connection: DuckDBConnection,
): Promise<RewriteResult> {
  const snapshot = await loadSnapshot(storage, { tablePath, connection });
  if (txnApplied(snapshot, request)) return unchanged(snapshot.version, true);
  const context = `MERGE into ${storage.describe(snapshot.tableRoot)}`;
  return inScratch(request.scratchDir, 'merge', async (scratch) => {
    const source = await prepareMergeSource(
      connection,
      snapshot,
      request.source,
      request.keys,
      request.deleteWhen,
      scratch,
      context,
    );
    const candidates = await candidateFiles(connection, snapshot, source, context);
    const locations = await readableFiles(snapshot, candidates, scratch);
    const on = source.keys
      .map((key) => `t.${quoteIdentifier(key.name)} = s.${quoteIdentifier(key.name)}`)
      .join(' AND ');
    const matches = await runSql(
      connection,
      `SELECT t.${FILE_COLUMN}, count(*) FILTER (WHERE s.${DELETE_COLUMN})::BIGINT, ` +
        `count(*) FILTER (WHERE NOT s.${DELETE_COLUMN})::BIGINT ` +
        `FROM (${fileRowsSql(snapshot, candidates, locations)}) AS t JOIN ${source.relation} AS s ON ${on} GROUP BY 1`,
      context,
    );
    const update = request.whenMatched === 'update';
    let deleted = 0;
    let updated = 0;
    const touched = new Set<string>();
    for (const [file, deletes, others] of matches.getRowsJson()) {
      deleted += Number(deletes);
      if (update) updated += Number(others);
      if (Number(deletes) > 0 || (update && Number(others) > 0)) touched.add(String(file));
    }
    const affected = candidates.filter((file) => touched.has(file.path));
    const fields = snapshot.schema.fields;
    const projection = fields.map((field) => {
      const name = quoteIdentifier(field.name);
      if (!update || !source.provided.has(field.name)) return `t.${name} AS ${name}`;
      return `CASE WHEN s.${MATCHED_COLUMN} THEN CAST(s.${name} AS ${duckdbType(field.type)}) ELSE t.${name} END AS ${name}`;
    });
    const rewritten =
      `SELECT ${projection.join(', ')} FROM (${fileRowsSql(snapshot, affected, locations)}) AS t ` +
      `LEFT JOIN (SELECT *, true AS ${MATCHED_COLUMN} FROM ${source.relation}) AS s ON ${on} ` +
      `WHERE s.${DELETE_COLUMN} IS NOT TRUE`;
    const kept =
      affected.length === 0
        ? { staged: [], rows: 0 }
        : await stageSelect(connection, rewritten, snapshot.partitionColumns, scratch, context);
    const insertion = fields.map((field) => {
      const name = quoteIdentifier(field.name);
      const value = source.provided.has(field.name) ? `s.${name}` : 'NULL';
      return `CAST(${value} AS ${duckdbType(field.type)}) AS ${name}`;
    });
    const inserts =
      `SELECT ${insertion.join(', ')} FROM ${source.relation} AS s WHERE NOT s.${DELETE_COLUMN} ` +
      `AND NOT EXISTS (SELECT 1 FROM (${fileRowsSql(snapshot, candidates, locations)}) AS t WHERE ${on})`;
    const inserted = request.whenNotMatchedInsert
      ? await stageSelect(connection, inserts, snapshot.partitionColumns, scratch, context)
      : { staged: [], rows: 0 };
    return rewriteFiles(
      storage,
      tablePath,
      connection,
      {
        snapshot,
        read: candidates,
        removed: affected,
        staged: [...kept.staged, ...inserted.staged],
        operation: 'MERGE',
        operationParameters: {
          mergeKeys: source.keys.map((key) => key.name),
          whenMatched: request.whenMatched,
          whenNotMatchedInsert: request.whenNotMatchedInsert,
          ...(request.deleteWhen === undefined ? {} : { deleteWhen: request.deleteWhen }),
        },
        operationMetrics: {
          numSourceRows: source.rows,
          numInsertedRows: inserted.rows,
          numUpdatedRows: updated,
          numDeletedRows: deleted,
          numCopiedRows: kept.rows - updated,
        },
        rowsAffected: inserted.rows + updated + deleted,
        refuseConcurrentAdds: true,
      },
      request,
    );
  });
}

/**
 * The files that can hold a source key: when key columns are partition columns, only files in partitions the
 * source has values for (a NULL partition value matches nothing); otherwise every file.
 */
async function candidateFiles(
  connection: DuckDBConnection,
  snapshot: DeltaSnapshot,
  source: PreparedSource,
  context: string,
): Promise<readonly AddFile[]> {
  const keyed = partitionFieldsOf(snapshot).filter((field) => source.keys.some((key) => key.name === field.name));
  if (keyed.length === 0 || snapshot.files.length === 0) return snapshot.files;
  const on = keyed.map((f) => `s.${quoteIdentifier(f.name)} = t.${quoteIdentifier(f.name)}`).join(' AND ');
  const result = await runSql(
    connection,
    `SELECT ${FILE_COLUMN} FROM (${filePartitionsSql(snapshot, snapshot.files)}) AS t ` +
      `WHERE EXISTS (SELECT 1 FROM ${source.relation} AS s WHERE ${on})`,
    context,
  );
  const wanted = new Set(result.getRowsJson().map((row) => String(row[0])));
  return snapshot.files.filter((file) => wanted.has(file.path));
}

import { join } from 'node:path';
import { InputError, UserError } from '@assay/sdk';
import type { DuckDBConnection } from '@duckdb/node-api';
import { literal } from '../../engine/dataset-view.ts';
import { duckdbType, quoteIdentifier, type DeltaStructField } from '../delta/delta-schema.ts';
import type { DeltaSnapshot } from '../delta/snapshot.ts';
import { runSql } from './run-sql.ts';
import type { StagedFile } from './staged-files.ts';

/** Rows to merge: trusted SQL, or staged Parquet files (as `stagedFilesIn` returns them). */
export type MergeSource = { readonly sql: string } | { readonly staged: readonly StagedFile[] };

/** Marks the source rows that delete their match (`deleteWhen` held). */
export const DELETE_COLUMN = '__assay_merge_delete';

/** The merge source written once to a scratch file, with what the merge needs to know about it. */
export interface PreparedSource {
  /** A relation to read it: `read_parquet('…')`, with `DELETE_COLUMN`. */
  readonly relation: string;
  /** Table fields the source provides (extra source columns, e.g. a CDC op column, are not written). */
  readonly provided: ReadonlySet<string>;
  /** The key columns as the table spells them. */
  readonly keys: readonly DeltaStructField[];
  readonly rows: number;
}

/**
 * Evaluates the source once into a scratch Parquet file (so every later step sees the same rows, and `deleteWhen`
 * is evaluated on the source alone), checks that it has the key columns (`MERGE_KEY_MISSING`) and no two rows with
 * the same non-null key (`MERGE_SOURCE_DUPLICATE_KEYS`, naming one key).
 */
export async function prepareMergeSource(
  connection: DuckDBConnection,
  snapshot: DeltaSnapshot,
  source: MergeSource,
  keyColumns: readonly string[],
  deleteWhen: string | undefined,
  scratch: string,
  context: string,
): Promise<PreparedSource> {
  const fields = snapshot.schema.fields;
  const keys = keyColumns.map((column) => {
    const field = fields.find((f) => f.name.toLowerCase() === column.toLowerCase());
    if (field === undefined) {
      throw new InputError(`${context}: key column "${column}" is not a column of the table`, {
        code: 'MERGE_KEY_MISSING',
        details: { column },
      });
    }
    return field;
  });
  if (keys.length === 0) {
    throw new InputError(`${context}: give at least one key column`, { code: 'MERGE_KEY_MISSING' });
  }
  const file = join(scratch, 'source.parquet');
  const flagged = `SELECT *, coalesce((${deleteWhen ?? 'false'}), false) AS ${DELETE_COLUMN} FROM (${sourceSql(snapshot, source)}) AS s`;
  const copied = await runSql(connection, `COPY (${flagged}) TO ${literal(file)} (FORMAT parquet)`, context);
  const relation = `read_parquet(${literal(file)})`;
  const described = await runSql(connection, `DESCRIBE SELECT * FROM ${relation}`, context);
  const names = new Set(described.getRowsJson().map((row) => String(row[0]).toLowerCase()));
  const missing = keys.filter((key) => !names.has(key.name.toLowerCase()));
  if (missing.length > 0) {
    throw new InputError(`${context}: the source lacks key column(s) ${missing.map((k) => `"${k.name}"`).join(', ')}`, {
      code: 'MERGE_KEY_MISSING',
      details: { columns: missing.map((k) => k.name) },
    });
  }
  await refuseDuplicateKeys(connection, relation, keys, context);
  return {
    relation,
    provided: new Set(fields.filter((f) => names.has(f.name.toLowerCase())).map((f) => f.name)),
    keys,
    rows: Number(copied.getRows()[0]?.[0] ?? 0),
  };
}

async function refuseDuplicateKeys(
  connection: DuckDBConnection,
  relation: string,
  keys: readonly DeltaStructField[],
  context: string,
): Promise<void> {
  const columns = keys.map((key) => quoteIdentifier(key.name));
  const duplicate = await runSql(
    connection,
    `SELECT ${columns.map((c) => `CAST(${c} AS VARCHAR)`).join(', ')}, count(*)::BIGINT FROM ${relation} ` +
      `WHERE ${columns.map((c) => `${c} IS NOT NULL`).join(' AND ')} GROUP BY ALL HAVING count(*) > 1 LIMIT 1`,
    context,
  );
  const row = duplicate.getRowsJson()[0];
  if (row === undefined) return;
  const key = keys.map((k, index) => `${k.name}=${String(row[index])}`).join(', ');
  throw new UserError(
    `${context}: the source has ${String(row[keys.length])} rows with key (${key}); a merge needs at most one source ` +
      'row per key. Deduplicate the source (e.g. keep the latest change per key)',
    { code: 'MERGE_SOURCE_DUPLICATE_KEYS', details: { key: Object.fromEntries(keys.map((k, i) => [k.name, row[i]])) } },
  );
}

/** The source as SQL; staged files get their partition values (from their directories) back as typed columns. */
function sourceSql(snapshot: DeltaSnapshot, source: MergeSource): string {
  if ('sql' in source) return source.sql;
  if (source.staged.length === 0) {
    const nulls = snapshot.schema.fields.map(
      (f) => `CAST(NULL AS ${duckdbType(f.type)}) AS ${quoteIdentifier(f.name)}`,
    );
    return `SELECT ${nulls.join(', ')} WHERE false`;
  }
  const partitionNames = Object.keys(source.staged[0]?.partitionValues ?? {});
  const scan = `read_parquet([${source.staged.map((f) => literal(f.localPath)).join(', ')}], union_by_name = true, hive_partitioning = false, filename = '__assay_location')`;
  if (partitionNames.length === 0) return `SELECT * EXCLUDE (__assay_location) FROM ${scan}`;
  const values = source.staged.map(
    (f) =>
      `(${[literal(f.localPath), ...partitionNames.map((c) => nullableLiteral(f.partitionValues[c]))].join(', ')})`,
  );
  const typed = partitionNames.map((column) => {
    const field = snapshot.schema.fields.find((f) => f.name.toLowerCase() === column.toLowerCase());
    const type = field === undefined ? 'VARCHAR' : duckdbType(field.type);
    return `CAST(p.${quoteIdentifier(column)} AS ${type}) AS ${quoteIdentifier(column)}`;
  });
  const names = ['__assay_location', ...partitionNames.map(quoteIdentifier)].join(', ');
  return (
    `SELECT d.* EXCLUDE (__assay_location), ${typed.join(', ')} FROM ${scan} AS d ` +
    `JOIN (VALUES ${values.join(', ')}) AS p(${names}) ON d.__assay_location = p.__assay_location`
  );
}

function nullableLiteral(value: string | null | undefined): string {
  return value === null || value === undefined ? 'NULL' : literal(value);
}

import type { DuckDBConnection } from '@duckdb/node-api';
import { literal } from '../../engine/dataset-view.ts';
import type { AddFile } from '../delta/add-file.ts';
import type { DeltaSnapshot } from '../delta/snapshot.ts';
import { emptyRowsSql, FILE_COLUMN, filePartitionsSql, fileRowsSql } from './file-rows-sql.ts';
import { runSql } from './run-sql.ts';

/** Checks that a predicate parses and binds against the table's columns; `SQL_ERROR` naming `context` otherwise. */
export async function checkPredicate(
  connection: DuckDBConnection,
  snapshot: DeltaSnapshot,
  predicate: string,
  context: string,
): Promise<void> {
  await runSql(connection, `SELECT count(*) FROM (${emptyRowsSql(snapshot)}) AS t WHERE (${predicate})`, context);
}

/**
 * The files whose partition values satisfy the predicate, when it can be decided on partition values alone (it
 * references partition columns only): then every row of each returned file matches, and no other file's row does.
 * Undefined when the predicate needs data columns. The predicate must be deterministic and already checked.
 */
export async function filesMatchingOnPartitions(
  connection: DuckDBConnection,
  snapshot: DeltaSnapshot,
  predicate: string,
): Promise<AddFile[] | undefined> {
  if (snapshot.files.length === 0) return [];
  let matched: Set<string>;
  try {
    const result = await connection.runAndReadAll(
      `SELECT ${FILE_COLUMN} FROM (${filePartitionsSql(snapshot, snapshot.files)}) AS t WHERE (${predicate})`,
    );
    matched = new Set(result.getRowsJson().map((row) => String(row[0])));
  } catch {
    // It binds against the whole schema (checked before) but not against the partition columns: it needs data.
    return undefined;
  }
  return snapshot.files.filter((file) => matched.has(file.path));
}

/**
 * How many rows of each file satisfy the predicate, for the files that have any. DuckDB pushes the predicate into
 * the Parquet scan, skipping row groups whose min/max statistics exclude it.
 */
export async function matchCounts(
  connection: DuckDBConnection,
  snapshot: DeltaSnapshot,
  files: readonly AddFile[],
  locations: ReadonlyMap<string, string>,
  predicate: string,
  context: string,
): Promise<Map<string, number>> {
  if (files.length === 0) return new Map();
  const result = await runSql(
    connection,
    `SELECT ${FILE_COLUMN}, count(*)::BIGINT FROM (${fileRowsSql(snapshot, files, locations)}) AS t ` +
      `WHERE (${predicate}) GROUP BY ${FILE_COLUMN}`,
    context,
  );
  return new Map(result.getRowsJson().map((row) => [String(row[0]), Number(row[1])]));
}

/** The number of rows in the files: from their stats, or from the Parquet footers when a file has none. */
export async function rowCountOf(
  connection: DuckDBConnection,
  files: readonly AddFile[],
  locations: ReadonlyMap<string, string>,
): Promise<number> {
  let total = 0;
  const unknown: string[] = [];
  for (const file of files) {
    const records = file.stats?.numRecords;
    if (typeof records === 'number') total += records;
    else unknown.push(literal(locations.get(file.path) ?? file.path));
  }
  if (unknown.length === 0) return total;
  const result = await connection.runAndReadAll(
    `SELECT coalesce(sum(num_rows), 0)::BIGINT FROM parquet_file_metadata([${unknown.join(', ')}])`,
  );
  return total + Number(result.getRowsJson()[0]?.[0] ?? 0);
}

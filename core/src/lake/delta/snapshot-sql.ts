import { duckdbType, quoteIdentifier } from './delta-schema.ts';
import { partitionValueSql } from './partition-values.ts';
import type { DeltaSnapshot } from './snapshot.ts';

const FILE_COLUMN = '__assay_delta_file';

/**
 * A DuckDB SELECT returning exactly the snapshot's rows, columns in schema order and cast to the schema's types.
 *
 * All files go to a single `read_parquet([...], union_by_name = true)` so DuckDB plans one scan however many files
 * there are (a UNION ALL per partition would grow the plan with the number of partitions). Partition values come
 * from the log, not from paths: each file's typed values sit in one VALUES list joined on the file name, a hash join
 * that stays cheap for thousands of files. `fileLocation` maps a data file's table-relative path to what DuckDB
 * should open (a local path, or a cached copy of a remote object).
 *
 * @example
 * ```ts
 * const sql = snapshotSelectSql(snapshot, (path) => snapshot.storage.localPath(snapshot.tableRoot + path) ?? path);
 * ```
 */
export function snapshotSelectSql(snapshot: DeltaSnapshot, fileLocation: (path: string) => string): string {
  const partitions = new Set(snapshot.partitionColumns.map((column) => column.toLowerCase()));
  const fields = snapshot.schema.fields;
  if (snapshot.files.length === 0) {
    const columns = fields.map((field) => `CAST(NULL AS ${duckdbType(field.type)}) AS ${quoteIdentifier(field.name)}`);
    return `SELECT ${columns.join(', ')} WHERE false`;
  }
  const locations = snapshot.files.map((file) => fileLocation(file.path));
  const scan = `read_parquet([${locations.map(sqlString).join(', ')}], union_by_name = true, filename = ${sqlString(FILE_COLUMN)})`;
  const partitionFields = fields.filter((field) => partitions.has(field.name.toLowerCase()));
  const projection = fields.map((field) => {
    const source = partitions.has(field.name.toLowerCase()) ? 'p' : 'd';
    return `CAST(${source}.${quoteIdentifier(field.name)} AS ${duckdbType(field.type)}) AS ${quoteIdentifier(field.name)}`;
  });
  if (partitionFields.length === 0) return `SELECT ${projection.join(', ')} FROM ${scan} AS d`;
  const rows = snapshot.files.map((file, index) => {
    const values = partitionFields.map((field) => {
      const key = Object.keys(file.partitionValues).find((column) => column.toLowerCase() === field.name.toLowerCase());
      const value = key === undefined ? null : (file.partitionValues[key] ?? null);
      return partitionValueSql(value, field.type, duckdbType(field.type));
    });
    return `(${[sqlString(locations[index] ?? ''), ...values].join(', ')})`;
  });
  const names = [FILE_COLUMN, ...partitionFields.map((field) => field.name)].map(quoteIdentifier).join(', ');
  return (
    `SELECT ${projection.join(', ')} FROM ${scan} AS d ` +
    `JOIN (VALUES ${rows.join(', ')}) AS p(${names}) ON d.${quoteIdentifier(FILE_COLUMN)} = p.${quoteIdentifier(FILE_COLUMN)}`
  );
}

function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

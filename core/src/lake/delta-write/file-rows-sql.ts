import { literal } from '../../engine/dataset-view.ts';
import type { AddFile } from '../delta/add-file.ts';
import { duckdbType, quoteIdentifier, type DeltaStructField } from '../delta/delta-schema.ts';
import { partitionValueSql } from '../delta/partition-values.ts';
import type { DeltaSnapshot } from '../delta/snapshot.ts';

/** The column of `fileRowsSql` naming each row's data file (its decoded, table-relative path). */
export const FILE_COLUMN = '__assay_file';
const LOCATION_COLUMN = '__assay_location';

/**
 * A DuckDB SELECT of the rows of some of a snapshot's files, columns in schema order and cast to the schema's types,
 * plus `FILE_COLUMN`. Like `snapshotSelectSql`, but for a subset of files and keeping each row's file, which
 * copy-on-write operations need to know what to rewrite. A column none of the files holds (added to the schema
 * after they were written) reads as NULL: an empty typed relation is unioned by name under the scan. `locations`
 * maps each file's path to the local file DuckDB opens.
 */
export function fileRowsSql(
  snapshot: DeltaSnapshot,
  files: readonly AddFile[],
  locations: ReadonlyMap<string, string>,
): string {
  const fields = snapshot.schema.fields;
  const partitions = partitionFieldsOf(snapshot);
  const isPartition = (field: DeltaStructField) => partitions.some((p) => p.name === field.name);
  if (files.length === 0) {
    return `SELECT ${[...fields.map(typedNull), `CAST(NULL AS VARCHAR) AS ${FILE_COLUMN}`].join(', ')} WHERE false`;
  }
  const located = files.map((file) => ({ file, location: locationOf(locations, file) }));
  const scan = `read_parquet([${located.map(({ location }) => literal(location)).join(', ')}], union_by_name = true, hive_partitioning = false, filename = ${literal(LOCATION_COLUMN)})`;
  const empty = [
    ...fields.filter((f) => !isPartition(f)).map(typedNull),
    `CAST(NULL AS VARCHAR) AS ${LOCATION_COLUMN}`,
  ];
  const data = `(SELECT * FROM ${scan} UNION ALL BY NAME SELECT ${empty.join(', ')} WHERE false)`;
  const values = located.map(
    ({ file, location }) =>
      `(${[literal(location), literal(file.path), ...partitions.map((field) => partitionLiteral(file, field))].join(', ')})`,
  );
  const names = [LOCATION_COLUMN, FILE_COLUMN, ...partitions.map((f) => quoteIdentifier(f.name))].join(', ');
  const projection = fields.map(
    (field) =>
      `CAST(${isPartition(field) ? 'p' : 'd'}.${quoteIdentifier(field.name)} AS ${duckdbType(field.type)}) AS ${quoteIdentifier(field.name)}`,
  );
  return (
    `SELECT ${[...projection, `p.${FILE_COLUMN}`].join(', ')} FROM ${data} AS d ` +
    `JOIN (VALUES ${values.join(', ')}) AS p(${names}) ON d.${LOCATION_COLUMN} = p.${LOCATION_COLUMN}`
  );
}

/**
 * A relation of the files' partition values only (`FILE_COLUMN` plus one typed column per partition column), for
 * deciding on partition values alone without opening a file.
 */
export function filePartitionsSql(snapshot: DeltaSnapshot, files: readonly AddFile[]): string {
  const partitions = partitionFieldsOf(snapshot);
  if (files.length === 0) {
    return `SELECT ${[`CAST(NULL AS VARCHAR) AS ${FILE_COLUMN}`, ...partitions.map(typedNull)].join(', ')} WHERE false`;
  }
  const values = files.map(
    (file) => `(${[literal(file.path), ...partitions.map((field) => partitionLiteral(file, field))].join(', ')})`,
  );
  const names = [FILE_COLUMN, ...partitions.map((f) => quoteIdentifier(f.name))].join(', ');
  return `SELECT * FROM (VALUES ${values.join(', ')}) AS p(${names})`;
}

/** A SELECT of no rows with the table's columns and types: for checking that SQL binds against the table. */
export function emptyRowsSql(snapshot: DeltaSnapshot): string {
  return `SELECT ${snapshot.schema.fields.map(typedNull).join(', ')} WHERE false`;
}

/** The schema fields of the partition columns, in partition order. */
export function partitionFieldsOf(snapshot: DeltaSnapshot): DeltaStructField[] {
  return snapshot.partitionColumns.map((column) => {
    const field = snapshot.schema.fields.find((f) => f.name.toLowerCase() === column.toLowerCase());
    if (field === undefined) throw new Error(`Partition column ${column} is not in the schema of a loaded snapshot`);
    return field;
  });
}

function partitionLiteral(file: AddFile, field: DeltaStructField): string {
  const key = Object.keys(file.partitionValues).find((column) => column.toLowerCase() === field.name.toLowerCase());
  const value = key === undefined ? null : (file.partitionValues[key] ?? null);
  return partitionValueSql(value, field.type, duckdbType(field.type));
}

function typedNull(field: DeltaStructField): string {
  return `CAST(NULL AS ${duckdbType(field.type)}) AS ${quoteIdentifier(field.name)}`;
}

function locationOf(locations: ReadonlyMap<string, string>, file: AddFile): string {
  const location = locations.get(file.path);
  if (location === undefined) throw new Error(`No local location for data file ${file.path}`);
  return location;
}

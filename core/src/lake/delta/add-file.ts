import { UserError } from '@assay/sdk';
import type { AddAction } from './delta-actions.ts';
import type { DeltaDataType, DeltaStructType } from './delta-schema.ts';
import { parsePartitionValue } from './partition-values.ts';
import type { PartitionValue } from './partition-values.ts';

/** Per-file statistics as written by the writer (`add.stats`). */
export interface FileStats {
  readonly numRecords?: number;
  readonly minValues?: Readonly<Record<string, unknown>>;
  readonly maxValues?: Readonly<Record<string, unknown>>;
  readonly nullCount?: Readonly<Record<string, unknown>>;
  readonly tightBounds?: boolean;
}

/** A live data file of a snapshot, with its path URI-decoded and its partition values typed. */
export interface AddFile {
  /** Relative to the table root, or an absolute URI when the writer stored one. */
  readonly path: string;
  readonly size: number;
  readonly partitionValues: Readonly<Record<string, PartitionValue>>;
  readonly modificationTime: number;
  readonly dataChange: boolean;
  readonly stats?: FileStats;
}

/** Types an `add` action against the table schema. */
export function toAddFile(add: AddAction, schema: DeltaStructType, partitionColumns: readonly string[]): AddFile {
  const partitionValues: Record<string, PartitionValue> = {};
  for (const column of partitionColumns) {
    partitionValues[column] = parsePartitionValue(rawValue(add, column), columnType(schema, column), column);
  }
  const file: AddFile = {
    path: decodePath(add.path),
    size: add.size,
    partitionValues,
    modificationTime: add.modificationTime,
    dataChange: add.dataChange,
  };
  if (typeof add.stats !== 'string' || add.stats === '') return file;
  try {
    return { ...file, stats: JSON.parse(add.stats) as FileStats };
  } catch {
    // Stats only help skipping files; a file with unreadable stats is still read in full.
    return file;
  }
}

function rawValue(add: AddAction, column: string): string | null | undefined {
  if (column in add.partitionValues) return add.partitionValues[column];
  const lower = column.toLowerCase();
  const key = Object.keys(add.partitionValues).find((candidate) => candidate.toLowerCase() === lower);
  return key === undefined ? null : add.partitionValues[key];
}

function columnType(schema: DeltaStructType, column: string): DeltaDataType {
  const lower = column.toLowerCase();
  const field =
    schema.fields.find((candidate) => candidate.name === column) ??
    schema.fields.find((candidate) => candidate.name.toLowerCase() === lower);
  if (field === undefined) {
    throw new UserError(`Partition column "${column}" is not in the table schema.`, {
      code: 'DELTA_SCHEMA_INVALID',
      details: { column },
    });
  }
  return field.type;
}

function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch (error) {
    throw new UserError(`Data file path "${path}" in the Delta log is not a valid URI.`, {
      code: 'DELTA_LOG_CORRUPT',
      details: { path },
      cause: error,
    });
  }
}

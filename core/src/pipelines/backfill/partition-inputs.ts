import { quote } from '../../engine/dataset-view.ts';
import type { AddFile } from '../../lake/delta/add-file.ts';
import type { DeltaSnapshot } from '../../lake/delta/snapshot.ts';

/** Days as `YYYY-MM-DD`: `start` inclusive, `end` exclusive. */
type Days = { readonly start: string; readonly end: string };

/** How one input is narrowed to a partition: its date column, and the files that can hold such rows. */
export interface NarrowedInput {
  /** The input's column compared with the partition's days; undefined when the input is read whole. */
  readonly column: string | undefined;
  /** The snapshot with only the files that can hold rows of the partition. */
  readonly snapshot: DeltaSnapshot;
  /** The SQL predicate on the view's rows; undefined when read whole. */
  readonly rowFilter: string | undefined;
}

/**
 * Which column narrows an input: the one `partitions.inputs` names for it (and no other input is narrowed then),
 * or, without that map, the partition column itself when the input has a column of that name.
 */
export function narrowingColumn(
  dataset: string,
  snapshot: DeltaSnapshot,
  partitions: { readonly column: string; readonly inputs?: Readonly<Record<string, string>> | undefined },
): string | undefined {
  if (partitions.inputs !== undefined) return partitions.inputs[dataset];
  const wanted = partitions.column.toLowerCase();
  return snapshot.schema.fields.find((field) => field.name.toLowerCase() === wanted)?.name;
}

/**
 * The input narrowed to the partition's days: files whose partition value or min/max statistics put all their rows
 * outside the days are dropped (a file without statistics is kept), and the view filters the rest by row.
 */
export function narrowInput(snapshot: DeltaSnapshot, column: string | undefined, days: Days): NarrowedInput {
  if (column === undefined) return { column, snapshot, rowFilter: undefined };
  const files = snapshot.files.filter((file) => mayHoldDays(file, snapshot, column, days));
  const name = quote(column);
  return {
    column,
    snapshot: { ...snapshot, files },
    rowFilter: `${name} >= DATE '${days.start}' AND ${name} < DATE '${days.end}'`,
  };
}

/** Rows and bytes of the files from their statistics; rows are undefined when a file carries none. */
export function filesSize(files: readonly AddFile[]): { rows: number | undefined; bytes: number } {
  let rows: number | undefined = 0;
  let bytes = 0;
  for (const file of files) {
    bytes += file.size;
    rows = rows === undefined || file.stats?.numRecords === undefined ? undefined : rows + file.stats.numRecords;
  }
  return { rows, bytes };
}

function mayHoldDays(file: AddFile, snapshot: DeltaSnapshot, column: string, days: Days): boolean {
  const partitionColumn = snapshot.partitionColumns.find((name) => name.toLowerCase() === column.toLowerCase());
  if (partitionColumn !== undefined) {
    const value = file.partitionValues[partitionColumn] ?? null;
    // A DATE partition value is its day; a file partitioned otherwise is kept and filtered by row.
    if (typeof value !== 'string') return value !== null;
    return value >= days.start && value < days.end;
  }
  const min = dayOf(file.stats?.minValues?.[column]);
  const max = dayOf(file.stats?.maxValues?.[column]);
  if (min === undefined || max === undefined) return true;
  return min < days.end && max >= days.start;
}

/** The `YYYY-MM-DD` a statistics value starts with (dates and timestamps in Delta's JSON); undefined otherwise. */
function dayOf(value: unknown): string | undefined {
  return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value) ? value.slice(0, 10) : undefined;
}

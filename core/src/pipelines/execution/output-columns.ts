import { InputError } from '@assay/sdk';
import type { SessionColumn } from '../../engine/engine-session.ts';
import { quote } from '../../engine/dataset-view.ts';
import { bronzeType } from '../../ingest/column-plan.ts';
import { duckdbType, type DeltaDataType } from '../../lake/delta/delta-schema.ts';
import type { DeltaSnapshot } from '../../lake/delta/snapshot.ts';
import { deltaSchemaOf } from '../../lake/delta-write/schema-from-duckdb.ts';

/** A column as it is staged and committed. */
export interface PlannedColumn {
  readonly name: string;
  /** The DuckDB type it is written with. */
  readonly type: string;
  /** True when the rows' type differs and the staging SELECT casts to `type`. */
  readonly cast: boolean;
}

/** The written columns, and those the table gains (which the lake adds as nullable columns). */
export interface OutputColumnPlan {
  readonly columns: readonly PlannedColumn[];
  readonly added: readonly string[];
}

/** Characters Delta refuses in column names without column mapping. */
const INVALID_NAME = /[ ,;{}()\n\t=]/;
/** Names the executor uses for its own helper columns. */
export const RESERVED_PREFIX = '__assay_';

const INTEGER_DIGITS: Readonly<Record<string, number>> = { byte: 3, short: 5, integer: 10, long: 19 };
const INTEGER_ORDER = ['byte', 'short', 'integer', 'long'];
const DECIMAL = /^decimal\((\d+),(\d+)\)$/;

/**
 * Fits the rows' columns to the output table. Types Delta cannot store become the nearest type that keeps every
 * value (`HUGEINT` from `sum()` as `DECIMAL(38,0)`, `UUID` as `VARCHAR`, as in Bronze). Against an existing table a
 * column keeps its table type: a lossless widening (`INTEGER` into `BIGINT`, `FLOAT` into `DOUBLE`, a decimal that
 * fits) is cast, anything else is `OUTPUT_SCHEMA_MISMATCH` naming every such column. New columns are added by the
 * lake on append and overwrite; a merge writes only the table's columns, so there they are a mismatch too rather
 * than silently dropped. An overwrite with `replaceSchema` takes the rows' schema as it is.
 */
export function planOutputColumns(
  rows: readonly SessionColumn[],
  table: DeltaSnapshot | undefined,
  write: { readonly dataset: string; readonly mode: string; readonly replaceSchema?: boolean | undefined },
): OutputColumnPlan {
  assertColumnNames(rows, write.dataset);
  const stored = rows.map((column) => ({ name: column.name, from: column.type, type: bronzeType(column.type) }));
  if (table === undefined || (write.mode === 'overwrite' && write.replaceSchema === true)) {
    return { columns: stored.map((c) => ({ name: c.name, type: c.type, cast: c.type !== c.from })), added: [] };
  }
  const fields = new Map(table.schema.fields.map((field) => [field.name.toLowerCase(), field]));
  const columns: PlannedColumn[] = [];
  const added: string[] = [];
  const mismatches: Array<{ column: string; table: string; rows: string }> = [];
  for (const column of stored) {
    const field = fields.get(column.name.toLowerCase());
    if (field === undefined) {
      added.push(column.name);
      columns.push({ name: column.name, type: column.type, cast: column.type !== column.from });
      continue;
    }
    const tableType = duckdbType(field.type);
    const incoming = deltaTypeOf(column.name, column.type);
    if (field.name !== column.name) {
      mismatches.push({ column: column.name, table: `${tableType} named "${field.name}"`, rows: column.from });
    } else if (sameType(incoming, field.type)) {
      columns.push({ name: column.name, type: column.type, cast: column.type !== column.from });
    } else if (widens(incoming, field.type)) {
      columns.push({ name: column.name, type: tableType, cast: true });
    } else {
      mismatches.push({ column: column.name, table: tableType, rows: column.from });
    }
  }
  if (mismatches.length > 0) {
    const listed = mismatches.map((m) => `"${m.column}" is ${m.table} in the table but ${m.rows} in the rows`);
    throw new InputError(
      `The rows do not fit ${write.dataset}: ${listed.join('; ')}. Cast the columns in the SQL` +
        `${write.mode === 'overwrite' ? ', or overwrite with replaceSchema' : ''}`,
      { code: 'OUTPUT_SCHEMA_MISMATCH', details: { dataset: write.dataset, columns: mismatches } },
    );
  }
  if (write.mode === 'merge' && added.length > 0) {
    throw new InputError(
      `The rows have column(s) ${added.map((c) => `"${c}"`).join(', ')} that ${write.dataset} lacks, and a merge ` +
        'writes only the table’s columns: drop them from the SQL, or add them first with an append or overwrite',
      { code: 'OUTPUT_SCHEMA_MISMATCH', details: { dataset: write.dataset, added } },
    );
  }
  return { columns, added };
}

/** The staging SELECT: the rows' columns cast as planned, plus trusted extra columns. */
export function stagingSql(sql: string, plan: OutputColumnPlan, extra: readonly string[] = []): string {
  const projection = plan.columns.map((c) =>
    c.cast ? `CAST(${quote(c.name)} AS ${c.type}) AS ${quote(c.name)}` : quote(c.name),
  );
  return `SELECT ${[...projection, ...extra].join(', ')} FROM (\n${sql}\n) AS assay_rows`;
}

function assertColumnNames(rows: readonly SessionColumn[], dataset: string): void {
  const seen = new Set<string>();
  for (const { name } of rows) {
    const problem =
      name === ''
        ? 'is empty'
        : INVALID_NAME.test(name)
          ? 'contains a character Delta tables refuse in column names (space , ; { } ( ) = tab, newline)'
          : name.toLowerCase().startsWith(RESERVED_PREFIX)
            ? `starts with ${RESERVED_PREFIX}, which Assay reserves`
            : seen.has(name.toLowerCase())
              ? 'appears twice (column names are case-insensitive)'
              : undefined;
    if (problem !== undefined) {
      throw new InputError(`Column "${name}" of the rows for ${dataset} ${problem}: give it an alias (AS name)`, {
        code: 'OUTPUT_COLUMN_INVALID',
        details: { dataset, column: name },
      });
    }
    seen.add(name.toLowerCase());
  }
}

function deltaTypeOf(name: string, type: string): DeltaDataType {
  return deltaSchemaOf([{ name, type }]).fields[0]!.type;
}

function sameType(a: DeltaDataType, b: DeltaDataType): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Widenings that keep every value: integers to wider integers or decimals, float to double, decimals that fit. */
function widens(from: DeltaDataType, to: DeltaDataType): boolean {
  if (typeof from !== 'string' || typeof to !== 'string') return false;
  if (from === 'float' && to === 'double') return true;
  const fromDigits = INTEGER_DIGITS[from];
  if (fromDigits !== undefined) {
    if (INTEGER_ORDER.includes(to)) return INTEGER_ORDER.indexOf(to) > INTEGER_ORDER.indexOf(from);
    if (to === 'double') return fromDigits <= 10;
    const decimal = DECIMAL.exec(to);
    return decimal !== null && Number(decimal[1]) - Number(decimal[2]) >= fromDigits;
  }
  const source = DECIMAL.exec(from);
  const target = DECIMAL.exec(to);
  if (source === null || target === null) return false;
  const [, p, s] = source.map(Number);
  const [, p2, s2] = target.map(Number);
  return s2! >= s! && p2! - s2! >= p! - s!;
}

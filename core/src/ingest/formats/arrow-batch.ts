import { ASSAY_TYPE_METADATA, UserError, type DiscoveredColumn } from '@assay/sdk';
import {
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTimeValue,
  type DuckDBAppender,
  type DuckDBConnection,
} from '@duckdb/node-api';
import { DataType, Precision, TimeUnit, type Field, type RecordBatch, type Vector } from 'apache-arrow';
import { castRelation } from './cast-relation.ts';
import { requireColumns, rowJson } from './item-columns.ts';
import type { ItemRelation, TargetColumn } from './item-relation.ts';
import { quote, uniqueName } from './sql-names.ts';

/** How an Arrow field is staged (the appender's column type) and what it means (the type Bronze gets). */
interface FieldMapping {
  readonly staged: string;
  readonly semantic: string;
  append(appender: DuckDBAppender, vector: Vector, row: number): void;
}

const MICROS_PER: Readonly<Record<TimeUnit, bigint>> = {
  [TimeUnit.SECOND]: 1_000_000n,
  [TimeUnit.MILLISECOND]: 1_000n,
  [TimeUnit.MICROSECOND]: 1n,
  [TimeUnit.NANOSECOND]: 1n,
};

/**
 * Arrow → DuckDB, exactly: Int8/16/32/64 → TINYINT/SMALLINT/INTEGER/BIGINT, Uint8/16/32/64 → UTINYINT/USMALLINT/
 * UINTEGER/UBIGINT, Float16/32 → FLOAT, Float64 → DOUBLE, Bool → BOOLEAN, Utf8/LargeUtf8 → VARCHAR (or the type
 * named by the field's `assay:type` metadata, cast from the text), Binary/LargeBinary/FixedSizeBinary → BLOB,
 * DateDay/DateMillisecond → DATE, Timestamp → TIMESTAMP, or TIMESTAMP WITH TIME ZONE when the field has a time zone
 * (nanoseconds are truncated to DuckDB's microseconds), Time → TIME, Decimal(p ≤ 38, s) → DECIMAL(p, s) (wider
 * decimals → VARCHAR with every digit), Null → VARCHAR (all NULL), dictionaries → their value type, anything else
 * (lists, structs, maps, intervals) → JSON text.
 */
function mappingOf(field: Field): FieldMapping {
  const dictionary = DataType.isDictionary(field.type);
  const type = (dictionary ? field.type.dictionary : field.type) as DataType;
  const declared = field.metadata.get(ASSAY_TYPE_METADATA);
  const get = (vector: Vector, row: number): unknown => vector.get(row);
  if (declared !== undefined && (DataType.isUtf8(type) || DataType.isLargeUtf8(type))) {
    return { staged: 'VARCHAR', semantic: declared, append: (a, v, r) => a.appendVarchar(String(get(v, r))) };
  }
  if (DataType.isInt(type)) return integerMapping(type.bitWidth, type.isSigned);
  if (DataType.isFloat(type)) {
    return type.precision === Precision.DOUBLE
      ? same('DOUBLE', (a, v, r) => a.appendDouble(Number(get(v, r))))
      : same('FLOAT', (a, v, r) => a.appendFloat(Number(get(v, r))));
  }
  if (DataType.isBool(type)) return same('BOOLEAN', (a, v, r) => a.appendBoolean(Boolean(get(v, r))));
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type)) {
    return same('VARCHAR', (a, v, r) => a.appendVarchar(String(get(v, r))));
  }
  if (DataType.isBinary(type) || DataType.isLargeBinary(type) || DataType.isFixedSizeBinary(type)) {
    return same('BLOB', (a, v, r) => a.appendBlob(get(v, r) as Uint8Array));
  }
  if (DataType.isDate(type)) {
    // Both date units read as epoch milliseconds at midnight UTC.
    return same('DATE', (a, v, r) => a.appendDate(new DuckDBDateValue(Math.floor(Number(get(v, r)) / 86_400_000))));
  }
  if (DataType.isTimestamp(type)) {
    const zoned = type.timezone !== null && type.timezone !== undefined && type.timezone !== '';
    const micros = (v: Vector, r: number): bigint => {
      if (dictionary) return BigInt(Math.round(Number(get(v, r)) * 1000));
      const raw = int64At(v, r);
      return type.unit === TimeUnit.NANOSECOND ? floorDiv(raw, 1000n) : raw * MICROS_PER[type.unit];
    };
    return zoned
      ? same('TIMESTAMP WITH TIME ZONE', (a, v, r) => a.appendTimestampTZ(new DuckDBTimestampTZValue(micros(v, r))))
      : same('TIMESTAMP', (a, v, r) => a.appendTimestamp(new DuckDBTimestampValue(micros(v, r))));
  }
  if (DataType.isTime(type)) {
    return same('TIME', (a, v, r) => {
      const value = BigInt(get(v, r) as number | bigint);
      a.appendTime(
        new DuckDBTimeValue(type.unit === TimeUnit.NANOSECOND ? value / 1000n : value * MICROS_PER[type.unit]),
      );
    });
  }
  if (DataType.isDecimal(type)) {
    const { precision, scale } = type;
    if (precision <= 38) {
      return same(`DECIMAL(${precision}, ${scale})`, (a, v, r) =>
        a.appendDecimal(new DuckDBDecimalValue(BigInt(String(get(v, r))), precision, scale)),
      );
    }
    return same('VARCHAR', (a, v, r) => a.appendVarchar(decimalText(get(v, r), scale)));
  }
  if (DataType.isNull(type)) return same('VARCHAR', (a) => a.appendNull());
  return {
    staged: 'VARCHAR',
    semantic: 'JSON',
    append: (a, v, r) => a.appendVarchar(JSON.stringify(get(v, r), jsonSafe)),
  };
}

function same(type: string, append: FieldMapping['append']): FieldMapping {
  return { staged: type, semantic: type, append };
}

function integerMapping(bitWidth: number, signed: boolean): FieldMapping {
  const value = (v: Vector, r: number) => v.get(r) as number | bigint;
  switch (`${signed ? 'i' : 'u'}${bitWidth}`) {
    case 'i8':
      return same('TINYINT', (a, v, r) => a.appendTinyInt(Number(value(v, r))));
    case 'i16':
      return same('SMALLINT', (a, v, r) => a.appendSmallInt(Number(value(v, r))));
    case 'i32':
      return same('INTEGER', (a, v, r) => a.appendInteger(Number(value(v, r))));
    case 'u8':
      return same('UTINYINT', (a, v, r) => a.appendUTinyInt(Number(value(v, r))));
    case 'u16':
      return same('USMALLINT', (a, v, r) => a.appendUSmallInt(Number(value(v, r))));
    case 'u32':
      return same('UINTEGER', (a, v, r) => a.appendUInteger(Number(value(v, r))));
    case 'u64':
      return same('UBIGINT', (a, v, r) => a.appendUBigInt(BigInt(value(v, r))));
    default:
      return same('BIGINT', (a, v, r) => a.appendBigInt(BigInt(value(v, r))));
  }
}

/** The raw 64-bit value of a row (timestamps keep their full precision, which `get()` rounds to milliseconds). */
function int64At(vector: Vector, row: number): bigint {
  let index = row;
  for (const data of vector.data) {
    if (index < data.length) return BigInt((data.values as BigInt64Array)[data.offset + index]!);
    index -= data.length;
  }
  throw new RangeError(`row ${row} is outside the vector`);
}

function floorDiv(value: bigint, divisor: bigint): bigint {
  const quotient = value / divisor;
  return value % divisor < 0n ? quotient - 1n : quotient;
}

export function describeBatch(batch: RecordBatch): DiscoveredColumn[] {
  return batch.schema.fields.map((field) => ({
    name: field.name,
    type: mappingOf(field).semantic,
    nullable: field.nullable,
  }));
}

/** Rows appended through DuckDB's appender, flushed every 2,048 rows, then cast like any other source. */
export async function openBatch(
  connection: DuckDBConnection,
  batch: RecordBatch,
  source: string,
  columns: readonly TargetColumn[],
): Promise<ItemRelation> {
  const table = uniqueName('arrow_batch');
  const fields = batch.schema.fields;
  requireColumns(source, fields, columns);
  const mappings = fields.map(mappingOf);
  const names = new Set<string>();
  for (const field of fields) {
    if (names.has(field.name)) {
      throw new UserError(`A record batch from ${source} has two columns named "${field.name}"`, {
        code: 'INGEST_COLUMN_DUPLICATE',
      });
    }
    names.add(field.name);
  }
  await connection.run(
    `CREATE TABLE ${table} (__line BIGINT, ${fields.map((f, i) => `${quote(f.name)} ${mappings[i]!.staged}`).join(', ')})`,
  );
  const appender = await connection.createAppender(table);
  try {
    const vectors = fields.map((_, i) => batch.getChildAt(i)! as Vector);
    for (let row = 0; row < batch.numRows; row++) {
      appender.appendBigInt(BigInt(row + 1));
      for (let i = 0; i < vectors.length; i++) {
        const vector = vectors[i]!;
        if (!vector.isValid(row)) appender.appendNull();
        else mappings[i]!.append(appender, vector, row);
      }
      appender.endRow();
      if ((row + 1) % 2048 === 0) appender.flushSync();
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  const semantic = new Map(
    fields.map((f, i) => [f.name, mappings[i]!.semantic === mappings[i]!.staged ? mappings[i]!.staged : undefined]),
  );
  return castRelation(
    connection,
    source,
    {
      from: table,
      value: (column) => `src.${quote(column)}`,
      rawRow: rowJson(fields),
      line: 'src.__line',
      typeOf: (column) => semantic.get(column),
    },
    columns,
    async () => {
      await connection.run(`DROP TABLE IF EXISTS ${table}`);
    },
  );
}

/** Arrow decimals come as unscaled integers; the scale puts the point back. */
function decimalText(value: unknown, scale: number): string {
  const digits = String(value);
  if (scale === 0 || /[.eE]/.test(digits)) return digits;
  const negative = digits.startsWith('-');
  const plain = (negative ? digits.slice(1) : digits).padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${plain.slice(0, -scale)}.${plain.slice(-scale)}`;
}

function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

import { ASSAY_TYPE_METADATA, UserError, type DiscoveredColumn } from '@assay/sdk';
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import { DataType, type Field, type RecordBatch } from 'apache-arrow';
import { castRelation } from './cast-relation.ts';
import type { ItemRelation, TargetColumn } from './item-relation.ts';
import { quote, uniqueName } from './sql-names.ts';

/** How an Arrow field is staged (the appender's column type) and what it means (the type Bronze gets). */
interface FieldMapping {
  readonly staged: string;
  readonly semantic: string;
  append(appender: DuckDBAppender, value: unknown): void;
}

/**
 * Arrow → DuckDB: integers, floats, booleans, strings and binary are appended as they are; dates, timestamps and
 * decimals as ISO / plain text that the cast step turns into DATE, TIMESTAMP [WITH TIME ZONE] and DECIMAL(p,s).
 */
function mappingOf(field: Field): FieldMapping {
  // Dictionary-encoded columns (low-cardinality strings) are read as their values.
  const type = (DataType.isDictionary(field.type) ? field.type.dictionary : field.type) as DataType;
  const declared = field.metadata.get(ASSAY_TYPE_METADATA);
  if (declared !== undefined && (DataType.isUtf8(type) || DataType.isLargeUtf8(type))) {
    return { staged: 'VARCHAR', semantic: declared, append: (a, v) => a.appendVarchar(String(v)) };
  }
  if (DataType.isInt(type)) {
    const unsigned64 = !type.isSigned && type.bitWidth === 64;
    return unsigned64
      ? { staged: 'UBIGINT', semantic: 'UBIGINT', append: (a, v) => a.appendUBigInt(BigInt(v as bigint)) }
      : { staged: 'BIGINT', semantic: 'BIGINT', append: (a, v) => a.appendBigInt(BigInt(v as number | bigint)) };
  }
  if (DataType.isFloat(type))
    return { staged: 'DOUBLE', semantic: 'DOUBLE', append: (a, v) => a.appendDouble(Number(v)) };
  if (DataType.isBool(type))
    return { staged: 'BOOLEAN', semantic: 'BOOLEAN', append: (a, v) => a.appendBoolean(Boolean(v)) };
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type)) {
    return { staged: 'VARCHAR', semantic: 'VARCHAR', append: (a, v) => a.appendVarchar(String(v)) };
  }
  if (DataType.isBinary(type) || DataType.isLargeBinary(type)) {
    return { staged: 'BLOB', semantic: 'BLOB', append: (a, v) => a.appendBlob(v as Uint8Array) };
  }
  if (DataType.isDate(type)) {
    return { staged: 'VARCHAR', semantic: 'DATE', append: (a, v) => a.appendVarchar(isoOf(v).slice(0, 10)) };
  }
  if (DataType.isTimestamp(type)) {
    const zoned = type.timezone !== null && type.timezone !== undefined && type.timezone !== '';
    return {
      staged: 'VARCHAR',
      semantic: zoned ? 'TIMESTAMP WITH TIME ZONE' : 'TIMESTAMP',
      append: (a, v) => a.appendVarchar(zoned ? isoOf(v) : isoOf(v).replace('Z', '')),
    };
  }
  if (DataType.isDecimal(type)) {
    const { precision, scale } = type;
    return {
      staged: 'VARCHAR',
      semantic: `DECIMAL(${precision}, ${scale})`,
      append: (a, v) => a.appendVarchar(decimalText(v, scale)),
    };
  }
  if (DataType.isNull(type)) return { staged: 'VARCHAR', semantic: 'VARCHAR', append: (a) => a.appendNull() };
  return { staged: 'VARCHAR', semantic: 'JSON', append: (a, v) => a.appendVarchar(JSON.stringify(v, jsonSafe)) };
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
    const vectors = fields.map((_, i) => batch.getChildAt(i)!);
    for (let row = 0; row < batch.numRows; row++) {
      appender.appendBigInt(BigInt(row + 1));
      for (let i = 0; i < vectors.length; i++) {
        const value = vectors[i]!.get(row);
        if (value === null || value === undefined) appender.appendNull();
        else mappings[i]!.append(appender, value);
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
      rawRow: `to_json(src)::VARCHAR`,
      line: 'src.__line',
      typeOf: (column) => semantic.get(column),
    },
    columns,
    async () => {
      await connection.run(`DROP TABLE IF EXISTS ${table}`);
    },
  );
}

function isoOf(value: unknown): string {
  const date = value instanceof Date ? value : new Date(Number(value));
  return date.toISOString();
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

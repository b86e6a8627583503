import { ASSAY_TYPE_METADATA } from '@assay/sdk';
import { Binary, Field, Float64, Int32, Int64, Uint64, Utf8, type DataType } from 'apache-arrow';

/** The part of mysql2's column definition the mapping needs. */
export interface MysqlField {
  readonly name: string;
  readonly columnType?: number;
  readonly type?: number;
  readonly flags: number | string[];
  readonly characterSet?: number;
  readonly columnLength?: number;
  readonly decimals?: number;
}

/** How a column's values become an Arrow vector: its field, and the conversion of one mysql2 value. */
export interface ColumnMapping {
  readonly field: Field;
  /** The DuckDB type Bronze gets, for discovery. */
  readonly duckdbType: string;
  convert(value: unknown): unknown;
}

const UNSIGNED = 32;
const BINARY_CHARSET = 63;

/**
 * mysql2 column type codes → Arrow (with `assay:type` metadata where text carries an exact type). mysql2 is asked for
 * dates and big numbers as strings, so nothing is rounded or shifted by a time zone on the way.
 */
export function mappingOf(column: MysqlField): ColumnMapping {
  const code = column.columnType ?? column.type ?? 253;
  const unsigned =
    typeof column.flags === 'number' ? (column.flags & UNSIGNED) !== 0 : column.flags.includes('UNSIGNED');
  const text = (duckdbType: string, convert: (v: unknown) => unknown = textOf) => ({
    field: new Field(
      column.name,
      new Utf8(),
      true,
      duckdbType === 'VARCHAR' ? undefined : new Map([[ASSAY_TYPE_METADATA, duckdbType]]),
    ),
    duckdbType,
    convert,
  });
  const typed = (type: DataType, duckdbType: string, convert: (v: unknown) => unknown) => ({
    field: new Field(column.name, type, true),
    duckdbType,
    convert,
  });
  switch (code) {
    case 1: // TINYINT
    case 2: // SMALLINT
    case 9: // MEDIUMINT
    case 13: // YEAR
      return typed(new Int32(), 'INTEGER', (v) => Number(v));
    case 3: // INT
      return unsigned
        ? typed(new Int64(), 'BIGINT', (v) => BigInt(v as number))
        : typed(new Int32(), 'INTEGER', Number);
    case 8: // BIGINT
      return unsigned
        ? typed(new Uint64(), 'UBIGINT', (v) => BigInt(v as string))
        : typed(new Int64(), 'BIGINT', (v) => BigInt(v as string));
    case 4: // FLOAT
    case 5: // DOUBLE
      return typed(new Float64(), 'DOUBLE', (v) => Number(v));
    case 0: // DECIMAL
    case 246: {
      const precision = Math.max(
        1,
        (column.columnLength ?? 11) - ((column.decimals ?? 0) > 0 ? 1 : 0) - (unsigned ? 0 : 1),
      );
      return text(precision <= 38 ? `DECIMAL(${precision}, ${column.decimals ?? 0})` : 'VARCHAR');
    }
    case 10: // DATE
    case 14:
      return text('DATE', zeroDateAsNull);
    case 7: // TIMESTAMP
    case 12: // DATETIME
      return text('TIMESTAMP', zeroDateAsNull);
    case 11: // TIME
      return text('VARCHAR');
    case 245: // JSON: mysql2 parses it; Bronze keeps the document as JSON text
      return text('JSON');
    case 16: // BIT
      return typed(new Int64(), 'BIGINT', (v) => BigInt(`0x${Buffer.from(v as Buffer).toString('hex') || '0'}`));
    case 249: // TINY/MEDIUM/LONG BLOB and BLOB, binary or text by their character set
    case 250:
    case 251:
    case 252:
    case 253: // VARCHAR / VARBINARY
    case 254: // CHAR / BINARY
      return column.characterSet === BINARY_CHARSET
        ? typed(new Binary(), 'BLOB', (v) => new Uint8Array(v as Buffer))
        : text('VARCHAR');
    default:
      // ENUM, SET, GEOMETRY and anything newer, as text.
      return text('VARCHAR');
  }
}

/** Text of a value: documents mysql2 parsed (JSON columns; on MariaDB they look like LONGTEXT) back to JSON. */
function textOf(value: unknown): string {
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

/** MySQL's zero dates (`0000-00-00`) name no day: NULL. */
function zeroDateAsNull(value: unknown): unknown {
  const text = String(value);
  return text.startsWith('0000-00-00') ? null : text;
}

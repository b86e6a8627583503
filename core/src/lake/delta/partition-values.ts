import { UserError } from '@assay/sdk';
import type { DeltaDataType } from './delta-schema.ts';

/**
 * A partition value by column type: integers up to `integer` and floating types are numbers, `long` is a bigint,
 * `decimal` a canonical decimal string, `date` a `YYYY-MM-DD` string, `timestamp`/`timestamp_ntz` microseconds since
 * the epoch (UTC) as a bigint, `binary` bytes, `boolean` a boolean, `string` a string; null stays null.
 */
export type PartitionValue = string | number | bigint | boolean | Uint8Array | null;

const TIMESTAMP = /^(\d{4,})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/;
const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Deserializes a partition value as the protocol serializes it (an empty string or null means null). Timestamps
 * without an offset are read as UTC, as the protocol specifies.
 *
 * @example
 * ```ts
 * parsePartitionValue('2021-09-08', 'date', 'day'); // '2021-09-08'
 * ```
 */
export function parsePartitionValue(
  raw: string | null | undefined,
  type: DeltaDataType,
  column: string,
): PartitionValue {
  if (raw === null || raw === undefined || (raw === '' && type !== 'string')) return null;
  if (typeof type !== 'string') throw invalid(column, raw, 'partition columns must have a primitive type');
  switch (type) {
    case 'string':
      return raw === '' ? null : raw;
    case 'byte':
    case 'short':
    case 'integer':
      if (!INTEGER.test(raw)) throw invalid(column, raw, `not an ${type}`);
      return Number(raw);
    case 'long':
      if (!INTEGER.test(raw)) throw invalid(column, raw, 'not a long');
      return BigInt(raw);
    case 'float':
    case 'double': {
      const value = Number(raw);
      if (Number.isNaN(value) && raw !== 'NaN') throw invalid(column, raw, `not a ${type}`);
      return value;
    }
    case 'boolean':
      if (raw !== 'true' && raw !== 'false') throw invalid(column, raw, 'not a boolean');
      return raw === 'true';
    case 'date':
      if (!/^\d{4,}-\d{2}-\d{2}$/.test(raw)) throw invalid(column, raw, 'not a date');
      return raw;
    case 'timestamp':
    case 'timestamp_ntz':
      return parseTimestampMicros(raw, column);
    case 'binary':
      // The protocol writes binary as a string whose characters are the bytes.
      return Uint8Array.from(raw, (char) => char.charCodeAt(0) & 0xff);
    default:
      if (type.startsWith('decimal(')) {
        if (!DECIMAL.test(raw)) throw invalid(column, raw, 'not a decimal');
        return raw;
      }
      throw invalid(column, raw, `type ${type} cannot be a partition column`);
  }
}

function parseTimestampMicros(raw: string, column: string): bigint {
  const match = TIMESTAMP.exec(raw);
  if (!match) throw invalid(column, raw, 'not a timestamp');
  const [, year, month, day, hour, minute, second, fraction = '', zone] = match;
  const seconds =
    BigInt(Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second))) /
    1000n;
  let offsetMinutes = 0;
  if (zone !== undefined && zone !== 'Z') {
    const digits = zone.replace(':', '');
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5)));
  }
  const micros = BigInt(fraction.padEnd(6, '0').slice(0, 6));
  return (seconds - BigInt(offsetMinutes * 60)) * 1_000_000n + micros;
}

/**
 * A DuckDB literal for a partition value of the given Delta type, e.g. `DATE '2021-09-08'`.
 *
 * @example
 * ```ts
 * partitionValueSql(12n, 'long'); // 'CAST(12 AS BIGINT)'
 * ```
 */
export function partitionValueSql(value: PartitionValue, type: DeltaDataType, duckType: string): string {
  if (value === null) return `CAST(NULL AS ${duckType})`;
  if (value instanceof Uint8Array) {
    return `from_hex('${Buffer.from(value).toString('hex')}')`;
  }
  switch (typeof value) {
    case 'boolean':
      return value ? 'TRUE' : 'FALSE';
    case 'bigint':
      if (type === 'timestamp') return `TIMESTAMPTZ '${formatMicros(value)}+00'`;
      if (type === 'timestamp_ntz') return `TIMESTAMP '${formatMicros(value)}'`;
      return `CAST(${value} AS ${duckType})`;
    case 'number':
      if (!Number.isFinite(value)) return `CAST('${String(value).replace('Infinity', 'inf')}' AS ${duckType})`;
      return `CAST(${value} AS ${duckType})`;
    default:
      if (type === 'date') return `DATE '${value}'`;
      return type === 'string' ? `'${value.replaceAll("'", "''")}'` : `CAST('${value}' AS ${duckType})`;
  }
}

function formatMicros(micros: bigint): string {
  const millis = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
  const rest = micros - millis * 1000n;
  const iso = new Date(Number(millis)).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}${rest.toString().padStart(3, '0')}`;
}

function invalid(column: string, raw: string, problem: string): UserError {
  return new UserError(`Partition value ${JSON.stringify(raw)} of column "${column}" is invalid: ${problem}.`, {
    code: 'DELTA_PARTITION_VALUE_INVALID',
    details: { column, value: raw },
  });
}

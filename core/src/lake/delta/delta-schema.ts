import { UserError } from '@assay/sdk';

/** A Delta primitive type name as it appears in `schemaString`, e.g. `long` or `decimal(10,2)`. */
export type DeltaPrimitiveType = string;

/** A Delta data type: a primitive name or a nested struct, array or map. */
export type DeltaDataType = DeltaPrimitiveType | DeltaStructType | DeltaArrayType | DeltaMapType;

/** One column or nested field of a struct. */
export interface DeltaStructField {
  readonly name: string;
  readonly type: DeltaDataType;
  readonly nullable: boolean;
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** A struct type; the table schema is one. */
export interface DeltaStructType {
  readonly type: 'struct';
  readonly fields: readonly DeltaStructField[];
}

/** An array type. */
export interface DeltaArrayType {
  readonly type: 'array';
  readonly elementType: DeltaDataType;
  readonly containsNull: boolean;
}

/** A map type. */
export interface DeltaMapType {
  readonly type: 'map';
  readonly keyType: DeltaDataType;
  readonly valueType: DeltaDataType;
  readonly valueContainsNull: boolean;
}

const PRIMITIVES: Readonly<Record<string, string>> = {
  string: 'VARCHAR',
  long: 'BIGINT',
  integer: 'INTEGER',
  short: 'SMALLINT',
  byte: 'TINYINT',
  float: 'FLOAT',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  binary: 'BLOB',
  date: 'DATE',
  // Delta `timestamp` is an instant (adjusted to UTC); `timestamp_ntz` is a wall-clock time.
  timestamp: 'TIMESTAMP WITH TIME ZONE',
  timestamp_ntz: 'TIMESTAMP',
};

const DECIMAL = /^decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)$/;

/**
 * Parses a `metaData.schemaString` into a struct type, rejecting types the reader cannot map.
 *
 * @example
 * ```ts
 * const schema = parseDeltaSchema('{"type":"struct","fields":[{"name":"id","type":"long","nullable":true,"metadata":{}}]}');
 * ```
 */
export function parseDeltaSchema(schemaString: string): DeltaStructType {
  let raw: unknown;
  try {
    raw = JSON.parse(schemaString);
  } catch (error) {
    throw invalidSchema('schemaString is not JSON', '$', error);
  }
  const type = parseType(raw, '$');
  if (typeof type === 'string' || type.type !== 'struct') throw invalidSchema('the schema is not a struct', '$');
  return type;
}

function parseType(raw: unknown, path: string): DeltaDataType {
  if (typeof raw === 'string') {
    if (PRIMITIVES[raw] !== undefined) return raw;
    const decimal = DECIMAL.exec(raw);
    if (decimal && Number(decimal[1]) >= 1 && Number(decimal[1]) <= 38 && Number(decimal[2]) <= Number(decimal[1])) {
      return `decimal(${decimal[1]},${decimal[2]})`;
    }
    if (raw === 'decimal') return 'decimal(10,0)';
    throw invalidSchema(`type "${raw}" is not supported`, path);
  }
  if (typeof raw !== 'object' || raw === null) throw invalidSchema('a type is neither a name nor an object', path);
  const node = raw as Record<string, unknown>;
  switch (node.type) {
    case 'struct': {
      if (!Array.isArray(node.fields)) throw invalidSchema('struct.fields is not a list', path);
      const fields = node.fields.map((field: Record<string, unknown>, index): DeltaStructField => {
        if (typeof field.name !== 'string') throw invalidSchema('a field has no name', `${path}.fields[${index}]`);
        return {
          name: field.name,
          type: parseType(field.type, `${path}.${field.name}`),
          nullable: field.nullable !== false,
          metadata: (field.metadata ?? {}) as Record<string, unknown>,
        };
      });
      return { type: 'struct', fields };
    }
    case 'array':
      return {
        type: 'array',
        elementType: parseType(node.elementType, `${path}[]`),
        containsNull: node.containsNull !== false,
      };
    case 'map':
      return {
        type: 'map',
        keyType: parseType(node.keyType, `${path}.key`),
        valueType: parseType(node.valueType, `${path}.value`),
        valueContainsNull: node.valueContainsNull !== false,
      };
    default:
      throw invalidSchema(`type ${JSON.stringify(node.type)} is not supported`, path);
  }
}

/** Quotes an identifier for DuckDB SQL. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * The DuckDB type a Delta type is read as, e.g. `DECIMAL(10,2)`, `STRUCT("a" BIGINT, "b" VARCHAR[])`.
 *
 * @example
 * ```ts
 * duckdbType({ type: 'map', keyType: 'string', valueType: 'long', valueContainsNull: true }); // 'MAP(VARCHAR, BIGINT)'
 * ```
 */
export function duckdbType(type: DeltaDataType): string {
  if (typeof type === 'string') {
    const decimal = DECIMAL.exec(type);
    if (decimal) return `DECIMAL(${decimal[1]},${decimal[2]})`;
    const mapped = PRIMITIVES[type];
    if (mapped === undefined) throw invalidSchema(`type "${type}" is not supported`, '$');
    return mapped;
  }
  switch (type.type) {
    case 'struct':
      return `STRUCT(${type.fields.map((field) => `${quoteIdentifier(field.name)} ${duckdbType(field.type)}`).join(', ')})`;
    case 'array':
      return `${duckdbType(type.elementType)}[]`;
    case 'map':
      return `MAP(${duckdbType(type.keyType)}, ${duckdbType(type.valueType)})`;
  }
}

function invalidSchema(problem: string, path: string, cause?: unknown): UserError {
  return new UserError(`The Delta table schema is invalid at ${path}: ${problem}.`, {
    code: 'DELTA_SCHEMA_INVALID',
    details: { path },
    cause,
  });
}

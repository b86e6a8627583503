import { UserError } from '@assay/sdk';
import type { DeltaDataType, DeltaStructField, DeltaStructType } from '../delta/delta-schema.ts';

const PRIMITIVES: Readonly<Record<string, string>> = {
  VARCHAR: 'string',
  BIGINT: 'long',
  INTEGER: 'integer',
  SMALLINT: 'short',
  TINYINT: 'byte',
  DOUBLE: 'double',
  FLOAT: 'float',
  BOOLEAN: 'boolean',
  BLOB: 'binary',
  DATE: 'date',
  // Reader version 1 has one timestamp type (an instant in UTC); naive timestamps are stored as UTC instants.
  'TIMESTAMP WITH TIME ZONE': 'timestamp',
  TIMESTAMP: 'timestamp',
};

/**
 * The Delta schema of DuckDB columns (`DESCRIBE` output), every column nullable. Types without a reader-1 Delta
 * equivalent (unsigned integers, HUGEINT, intervals, ...) are refused with `DELTA_TYPE_UNSUPPORTED` naming the
 * column, so nothing is written that other readers would misread.
 */
export function deltaSchemaOf(columns: ReadonlyArray<{ name: string; type: string }>): DeltaStructType {
  return { type: 'struct', fields: columns.map(({ name, type }) => field(name, type, name)) };
}

function field(name: string, type: string, path: string): DeltaStructField {
  return { name, type: deltaType(type.trim(), path), nullable: true, metadata: {} };
}

function deltaType(type: string, path: string): DeltaDataType {
  const primitive = PRIMITIVES[type];
  if (primitive !== undefined) return primitive;
  const decimal = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(type);
  if (decimal !== null) return `decimal(${decimal[1]},${decimal[2]})`;
  if (type.endsWith('[]')) {
    return { type: 'array', elementType: deltaType(type.slice(0, -2), `${path}[]`), containsNull: true };
  }
  const map = /^MAP\((.*)\)$/.exec(type);
  if (map !== null) {
    const [keyType, valueType] = splitTopLevel(map[1]!);
    return {
      type: 'map',
      keyType: deltaType(keyType!, `${path}.key`),
      valueType: deltaType(valueType!, `${path}.value`),
      valueContainsNull: true,
    };
  }
  const struct = /^STRUCT\((.*)\)$/.exec(type);
  if (struct !== null) {
    return {
      type: 'struct',
      fields: splitTopLevel(struct[1]!).map((member) => {
        const { name, rest } = splitName(member);
        return field(name, rest, `${path}.${name}`);
      }),
    };
  }
  throw new UserError(`Column "${path}" has type ${type}, which Delta tables (reader version 1) cannot store`, {
    code: 'DELTA_TYPE_UNSUPPORTED',
    details: { column: path, type },
  });
}

/** Splits `a INT, b STRUCT(c INT, d INT)` at top-level commas. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')') depth--;
    else if (!quoted && depth === 0 && c === ',') {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts;
}

/** `"my col" INT` or `col INT` → name and type. */
function splitName(member: string): { name: string; rest: string } {
  if (member.startsWith('"')) {
    const end = member.indexOf('"', 1);
    return { name: member.slice(1, end).replace(/""/g, '"'), rest: member.slice(end + 1).trim() };
  }
  const space = member.indexOf(' ');
  return { name: member.slice(0, space), rest: member.slice(space + 1).trim() };
}

import type { ColumnKind } from './profile.schemas.ts';

const NUMBER =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|REAL|DECIMAL(\(\s*\d+\s*,\s*\d+\s*\))?)$/;
const FLOAT = /^(FLOAT|DOUBLE|REAL)$/;
const TEXT = /^(VARCHAR|TEXT|STRING|CHAR|BPCHAR)(\(\s*\d+\s*\))?$/;
const TEMPORAL = /^(DATE|TIMESTAMP(_S|_MS|_NS)?|TIMESTAMP WITH TIME ZONE|TIMESTAMPTZ)$/;
const NESTED = /(\[\d*\]$)|^(STRUCT|MAP|UNION|LIST)\b/;

/** What a DuckDB type (as `DESCRIBE` spells it) is profiled as. */
export function columnKind(type: string): ColumnKind {
  const normalized = type.trim().toUpperCase();
  if (NUMBER.test(normalized)) return 'number';
  if (TEXT.test(normalized)) return 'text';
  if (TEMPORAL.test(normalized)) return 'temporal';
  if (normalized === 'BOOLEAN' || normalized === 'BOOL') return 'boolean';
  return 'other';
}

/** Floating-point numbers: never keys, since equal-looking values need not be equal. */
export function isFloatType(type: string): boolean {
  return FLOAT.test(type.trim().toUpperCase());
}

/** Lists, structs, maps and unions: only their NULLs are counted (distinct values of nested data mean little). */
export function isNestedType(type: string): boolean {
  return NESTED.test(type.trim().toUpperCase());
}

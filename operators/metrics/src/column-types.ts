/** What the operator needs to know about a DuckDB column type. */
export type TypeKind = 'numeric' | 'date' | 'timestamp' | 'timestamptz' | 'other';

const NUMERIC =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|REAL|DOUBLE|DECIMAL(\(\d+,\s*\d+\))?|NUMERIC(\(\d+,\s*\d+\))?)$/;

/** Classifies a type as the engine reports it (`DECIMAL(18,2)`, `TIMESTAMP WITH TIME ZONE`, `TIMESTAMP_NS`). */
export function typeKind(type: string): TypeKind {
  const upper = type.trim().toUpperCase();
  if (NUMERIC.test(upper)) return 'numeric';
  if (upper === 'DATE') return 'date';
  if (upper === 'TIMESTAMP WITH TIME ZONE' || upper === 'TIMESTAMPTZ') return 'timestamptz';
  if (/^TIMESTAMP(_S|_MS|_NS)?$/.test(upper)) return 'timestamp';
  return 'other';
}

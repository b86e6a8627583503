/**
 * PostgreSQL type (by OID, with its modifier) → DuckDB type. Values travel as COPY CSV text, which DuckDB casts;
 * types without a lossless DuckDB counterpart stay text (documented in the README).
 */
export function duckdbTypeOf(oid: number, modifier: number): string {
  switch (oid) {
    case 16:
      return 'BOOLEAN';
    case 20:
      return 'BIGINT';
    case 21:
      return 'SMALLINT';
    case 23:
      return 'INTEGER';
    case 26:
      return 'UBIGINT';
    case 700:
      return 'FLOAT';
    case 701:
      return 'DOUBLE';
    case 1700:
      return numericType(modifier);
    case 1082:
      return 'DATE';
    case 1083:
      return 'TIME';
    case 1114:
      return 'TIMESTAMP';
    case 1184:
      return 'TIMESTAMP WITH TIME ZONE';
    case 2950:
      return 'UUID';
    case 114:
    case 3802:
      return 'JSON';
    default:
      // text, varchar, char, name, bytea (as \x hex), interval, time with time zone, enums, arrays, ranges, xml…
      return 'VARCHAR';
  }
}

/** numeric(p,s) up to DuckDB's 38 digits; wider or unconstrained numerics stay text rather than lose digits. */
function numericType(modifier: number): string {
  if (modifier < 4) return 'VARCHAR';
  const precision = ((modifier - 4) >> 16) & 0xffff;
  const scale = (modifier - 4) & 0xffff;
  return precision <= 38 ? `DECIMAL(${precision}, ${scale})` : 'VARCHAR';
}

/** Types whose values only grow in practice, offered as incremental watermarks. */
export function isCursorType(duckdbType: string): boolean {
  return /^(BIGINT|INTEGER|SMALLINT|UBIGINT|DATE|TIMESTAMP.*|DECIMAL.*)$/.test(duckdbType);
}

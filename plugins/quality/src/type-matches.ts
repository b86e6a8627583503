/** Spellings DuckDB accepts for the same type, longest first, and the name DESCRIBE reports for them. */
const PHRASES: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bTIMESTAMP\s+WITH\s+TIME\s+ZONE\b/g, 'TIMESTAMPTZ'],
  [/\bTIMESTAMP\s+WITHOUT\s+TIME\s+ZONE\b/g, 'TIMESTAMP'],
  [/\bTIME\s+WITH\s+TIME\s+ZONE\b/g, 'TIMETZ'],
  [/\bTIME\s+WITHOUT\s+TIME\s+ZONE\b/g, 'TIME'],
  [/\bDOUBLE\s+PRECISION\b/g, 'DOUBLE'],
  [/\bCHARACTER\s+VARYING\b/g, 'VARCHAR'],
];

const ALIASES: Readonly<Record<string, string>> = {
  INT8: 'BIGINT',
  LONG: 'BIGINT',
  INT: 'INTEGER',
  INT4: 'INTEGER',
  SIGNED: 'INTEGER',
  INT2: 'SMALLINT',
  SHORT: 'SMALLINT',
  INT1: 'TINYINT',
  INT128: 'HUGEINT',
  FLOAT8: 'DOUBLE',
  FLOAT4: 'FLOAT',
  REAL: 'FLOAT',
  NUMERIC: 'DECIMAL',
  TEXT: 'VARCHAR',
  STRING: 'VARCHAR',
  CHAR: 'VARCHAR',
  BPCHAR: 'VARCHAR',
  NVARCHAR: 'VARCHAR',
  BOOL: 'BOOLEAN',
  LOGICAL: 'BOOLEAN',
  BYTEA: 'BLOB',
  BINARY: 'BLOB',
  VARBINARY: 'BLOB',
  DATETIME: 'TIMESTAMP',
  TIMESTAMP_US: 'TIMESTAMP',
};

/**
 * Whether a column of DuckDB type `actual` (as DESCRIBE reports it) has the `expected` type a config names, in any
 * of DuckDB's spellings: case and spacing do not matter, aliases are resolved (`int8` is `BIGINT`, `TEXT` is
 * `VARCHAR`, `TIMESTAMPTZ` is `TIMESTAMP WITH TIME ZONE`), a length on a string type is ignored (as DuckDB ignores
 * it), nested types (`INT[]`, `STRUCT(a INT)`) are compared word by word, and a bare `DECIMAL` accepts any
 * precision and scale.
 */
export function typeMatches(actual: string, expected: string): boolean {
  const want = canonicalType(expected);
  const have = canonicalType(actual);
  return have === want || (want === 'DECIMAL' && /^DECIMAL\(\d+,\d+\)$/.test(have));
}

function canonicalType(type: string): string {
  let name = type
    .trim()
    .toUpperCase()
    .replace(/\s+/g, ' ')
    .replace(/\s*([(),[\]])\s*/g, '$1');
  for (const [phrase, replacement] of PHRASES) name = name.replace(phrase, replacement);
  name = name.replace(/\b[A-Z_][A-Z0-9_]*\b/g, (word) => ALIASES[word] ?? word);
  return name.replace(/\bVARCHAR\(\d+\)/g, 'VARCHAR');
}

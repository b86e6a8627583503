import { quoteIdentifier } from '@assay/sdk';
import type { PlanColumn } from './scd2-plan.ts';

/** A column of a relation alias (`b."name"`), or unqualified without alias. */
export function columnOf(alias: string, name: string): string {
  return alias === '' ? quoteIdentifier(name) : `${alias}.${quoteIdentifier(name)}`;
}

/** The key columns, comma-separated, of an alias. */
export function keyList(keys: readonly PlanColumn[], alias = ''): string {
  return keys.map((key) => columnOf(alias, key.name)).join(', ');
}

/** `a.k = b.k AND …`: two relations' rows of one business key (keys are never NULL here). */
export function keysEqual(keys: readonly PlanColumn[], a: string, b: string): string {
  return keys.map((key) => `${columnOf(a, key.name)} = ${columnOf(b, key.name)}`).join(' AND ');
}

/** `a.c IS NOT DISTINCT FROM b.c AND …`: NULL-safe equality of the columns; `true` for none. */
export function valuesEqual(columns: readonly PlanColumn[], a: string, b: string): string {
  if (columns.length === 0) return 'true';
  return columns.map((c) => `${columnOf(a, c.name)} IS NOT DISTINCT FROM ${columnOf(b, c.name)}`).join(' AND ');
}

/**
 * A value as stable text for hashing: `CAST(… AS VARCHAR)`, except that timestamps are hashed as microseconds since
 * the epoch: the hash does not depend on the session's time zone, nor on a TIMESTAMP becoming a TIMESTAMP WITH TIME
 * ZONE in the Delta table (which stores timestamps as instants).
 */
function canonical(expression: string, type: string): string {
  return type.toUpperCase().startsWith('TIMESTAMP')
    ? `CAST(epoch_us(${expression}) AS VARCHAR)`
    : `CAST(${expression} AS VARCHAR)`;
}

/** The MD5 of the values as a JSON array of their texts (NULL stays distinct from the text 'null'). */
function md5Input(values: ReadonlyArray<{ expression: string; type: string }>): string {
  if (values.length === 0) return `to_json(CAST([] AS VARCHAR[]))`;
  return `to_json([${values.map((v) => canonical(v.expression, v.type)).join(', ')}])`;
}

/** The first 64 bits of the MD5 as a signed BIGINT (bit for bit): deterministic across DuckDB versions. */
function md5Bigint(values: ReadonlyArray<{ expression: string; type: string }>): string {
  return `CAST(CAST(md5_number_upper(${md5Input(values)}) AS BIT) AS BIGINT)`;
}

/** The row hash of the compared columns of an alias: what `_hash` stores and ties are broken by. */
export function rowHash(columns: readonly PlanColumn[], alias = ''): string {
  return md5Bigint(columns.map((c) => ({ expression: columnOf(alias, c.name), type: c.type })));
}

/**
 * The surrogate key of a row: the MD5 of the business key (and the version's start, in scd2), as a BIGINT (first
 * 64 bits) or its 32 hex digits.
 */
export function surrogateKey(
  keys: readonly PlanColumn[],
  validFrom: { expression: string; type: string } | undefined,
  type: 'bigint' | 'varchar',
  alias = '',
): string {
  const values = [
    ...keys.map((k) => ({ expression: columnOf(alias, k.name), type: k.type })),
    ...(validFrom === undefined ? [] : [validFrom]),
  ];
  return type === 'bigint' ? md5Bigint(values) : `md5(${md5Input(values)})`;
}

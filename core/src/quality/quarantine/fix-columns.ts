import { InputError } from '@assay/sdk';
import { literal, quote } from '../../engine/dataset-view.ts';
import type { EngineSession } from '../../engine/engine-session.ts';
import { rowsOf } from './quarantine-session.ts';

/** A key of the rows' JSON as a fix expression sees it: a column of this DuckDB type. */
export interface FixColumn {
  readonly key: string;
  readonly type: 'BIGINT' | 'DOUBLE' | 'BOOLEAN' | 'VARCHAR' | 'JSON';
}

/** Internal columns of the fix relations start so; a row key that does is refused rather than shadowed. */
export const FIX_PREFIX = 'assay_fix_';
export const FIX_ID = `${FIX_PREFIX}id`;
export const FIX_RAW = `${FIX_PREFIX}raw`;

/** At most this many distinct keys across the rows of one fix. */
const MAX_KEYS = 1000;

/** SQL: the JSON pointer of key `keySql` (a SQL string), so any key — `$x`, `a/b`, `~` — is addressed literally. */
export function pointerSql(keySql: string): string {
  return `'/' || replace(replace(${keySql}, '~', '~0'), '/', '~1')`;
}

/**
 * The keys of the JSON rows of `relation` and the type each is exposed as: the JSON type its values share
 * (integers BIGINT, numbers DOUBLE, booleans BOOLEAN, strings VARCHAR, objects and arrays JSON), VARCHAR (the
 * value's text) when they differ or are all null. Keys that differ only in case (DuckDB names are not
 * case-sensitive) are exposed once, as the first in sort order.
 */
export async function fixColumnsOf(session: EngineSession, relation: string): Promise<FixColumn[]> {
  const found = await rowsOf(
    session,
    `SELECT assay_key, list_distinct(list(json_type(${FIX_RAW}, ${pointerSql('assay_key')}))) AS types ` +
      `FROM (SELECT ${FIX_RAW}, unnest(json_keys(${FIX_RAW})) AS assay_key FROM ${relation}) AS keys ` +
      `GROUP BY assay_key ORDER BY assay_key LIMIT ${MAX_KEYS + 1}`,
  );
  if (found.length > MAX_KEYS) {
    throw new InputError(`The rows to fix have more than ${MAX_KEYS} distinct keys: fix them in smaller groups`, {
      code: 'QUARANTINE_FIX_TOO_WIDE',
    });
  }
  const seen = new Set<string>();
  const columns: FixColumn[] = [];
  for (const row of found) {
    const key = String(row.assay_key);
    if (key.toLowerCase().startsWith(FIX_PREFIX)) {
      throw new InputError(
        `The rows to fix have a key "${key}", a name the fix uses itself: edit those rows one by one`,
        {
          code: 'QUARANTINE_FIX_INVALID',
          details: { column: key },
        },
      );
    }
    if (seen.has(key.toLowerCase())) continue;
    seen.add(key.toLowerCase());
    columns.push({ key, type: typeOf((row.types as unknown[] | null) ?? []) });
  }
  return columns;
}

/** SQL: the column of `key` from the JSON in {@link FIX_RAW}, typed as {@link fixColumnsOf} chose. */
export function columnSql(column: FixColumn): string {
  const pointer = pointerSql(literal(column.key));
  const value =
    column.type === 'VARCHAR'
      ? `json_extract_string(${FIX_RAW}, ${pointer})`
      : column.type === 'JSON'
        ? `json_extract(${FIX_RAW}, ${pointer})`
        : `CAST(json_extract(${FIX_RAW}, ${pointer}) AS ${column.type})`;
  return `${value} AS ${quote(column.key)}`;
}

function typeOf(types: readonly unknown[]): FixColumn['type'] {
  const present = new Set(types.map(String).filter((type) => type !== 'NULL' && type !== 'null'));
  const integers = ['BIGINT', 'UBIGINT'];
  if (present.size === 0) return 'VARCHAR';
  if ([...present].every((type) => integers.includes(type))) return 'BIGINT';
  if ([...present].every((type) => integers.includes(type) || type === 'DOUBLE')) return 'DOUBLE';
  if (present.size === 1 && present.has('BOOLEAN')) return 'BOOLEAN';
  if ([...present].every((type) => type === 'OBJECT' || type === 'ARRAY')) return 'JSON';
  return 'VARCHAR';
}

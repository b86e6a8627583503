import { literal } from '../../engine/dataset-view.ts';
import { FIX_PREFIX, pointerSql } from './fix-columns.ts';

/** The lambda parameter of the row rebuild; the `assay_fix_` prefix keeps it apart from row keys. */
const KEY = `${FIX_PREFIX}key`;

/**
 * SQL: the JSON text of a row with some keys replaced — `rawSql` is the row's JSON (a JSON object), `values` maps
 * each key to set onto SQL for its new value (any type; NULL becomes JSON null, the key is kept). The row keeps
 * its keys in their order with their values untouched (64-bit integers too); keys it did not have are added at
 * the end in the order given.
 */
export function fixedRowSql(rawSql: string, values: ReadonlyArray<readonly [key: string, valueSql: string]>): string {
  const keys = `json_keys(${rawSql})`;
  const added = `list_filter([${values.map(([key]) => literal(key)).join(', ')}]::VARCHAR[], ${KEY} -> NOT list_contains(${keys}, ${KEY}))`;
  const cases = values
    .map(([key, value]) => `WHEN ${literal(key)} THEN coalesce(to_json(${value}), 'null'::JSON)`)
    .join(' ');
  const value = `CASE ${KEY} ${cases} ELSE json_extract(${rawSql}, ${pointerSql(KEY)}) END`;
  return (
    `CAST(to_json(map_from_entries(list_transform(list_concat(${keys}, ${added}), ` +
    `${KEY} -> struct_pack(k := ${KEY}, v := ${value})))) AS VARCHAR)`
  );
}

/** SQL: whether two JSON texts differ other than in white space. */
export function jsonDiffersSql(left: string, right: string): string {
  return `(CAST(json(${left}) AS VARCHAR) IS DISTINCT FROM CAST(json(${right}) AS VARCHAR))`;
}

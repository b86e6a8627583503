import { quoteLiteral, quoteIdentifier } from '@assay/sdk';
import type { AppliedPosition } from './cdc-state.ts';
import { afterPredicate } from './cdc-state.ts';
import type { ChangeLogShape } from './change-log-shape.ts';
import { pointers } from './json-pointers.ts';

/** The ops that are changes; any other (NULL for tombstones and malformed events) is ignored. */
export const CHANGE_OPS = "('c', 'u', 'd', 'r')";

/** What the change pipeline reads. */
export interface ChangeSource {
  readonly shape: ChangeLogShape;
  /** The relation to read: the input's view, or the view of the rows added since the last run. */
  readonly relation: string;
  readonly businessKey: readonly string[];
  readonly sourceTable?: string | undefined;
  /** Changes at or before it are skipped. */
  readonly after?: AppliedPosition | undefined;
}

/** Internal column names; the change log's own columns keep theirs. */
export const OP = '__cdc_op';
export const TIME = '__cdc_t';
export const SYNTHETIC = '__cdc_synthetic';
export const position = (i: number) => `__cdc_p${i}`;
export const keyPart = (i: number) => `__cdc_k${i}`;

/**
 * The common table expressions every statement of a run shares, as `WITH …` text:
 * - `scoped`: the change log's rows of the source table, after the applied position, with `__cdc_op`, the position
 *   values `__cdc_p<i>` and the event time `__cdc_t`;
 * - `changes`: the rows whose op is a change (c, u, d, r; upserts need an after image);
 * - `keyed`: each change with its business key as text `__cdc_k<i>` (after image for upserts, before image for
 *   deletes, else the key column), plus a delete of the old key for an update that changed the key;
 * - `latest`: per key, the change that comes last in (position…, event time) order.
 */
export function changeCtes(source: ChangeSource): string {
  const { shape, businessKey } = source;
  const ptrs = pointers(businessKey);
  const positions = shape.positions.map((part, i) => `${part.expr} AS ${position(i)}`);
  const time =
    shape.eventTime === undefined ? 'CAST(NULL AS TIMESTAMP WITH TIME ZONE)' : quoteIdentifier(shape.eventTime.column);
  const where = [
    ...(source.sourceTable === undefined ? [] : [`"source_table" = ${quoteLiteral(source.sourceTable)}`]),
    ...(source.after === undefined
      ? []
      : [
          `(${shape.positions.map((p) => `(${p.expr}) IS NULL`).join(' OR ')} OR ${afterPredicate(shape, source.after)})`,
        ]),
  ];
  const parts = businessKey.map((field, i) => ({ n: i + 1, ptr: pointers([field]), i }));
  // One parse of each image for all key parts; the key column only where an image lacks a part (coalesce is lazy).
  const fromKey = (ptr: string) => (shape.hasKey ? `try(json_extract_string("key", ${ptr}))[1]` : 'NULL');
  const newKeys = parts.map(
    ({ n, ptr, i }) =>
      `CASE WHEN ${OP} = 'd' THEN coalesce(__cdc_kb[${n}], ${fromKey(ptr)}) ` +
      `ELSE coalesce(__cdc_ka[${n}], ${fromKey(ptr)}) END AS __cdc_n${i}`,
  );
  const oldKeys = parts.map(({ n, i }) => `__cdc_kb[${n}] AS __cdc_o${i}`);
  const keyChanged = [
    `${OP} = 'u'`,
    ...parts.map(({ i }) => `__cdc_o${i} IS NOT NULL`),
    `(${parts.map(({ i }) => `__cdc_n${i} IS DISTINCT FROM __cdc_o${i}`).join(' OR ')})`,
  ].join(' AND ');
  const entry = (synthetic: boolean, prefix: string) =>
    `{'s': ${synthetic}, ${parts.map(({ i }) => `'k${i}': __cdc_${prefix}${i}`).join(', ')}}`;
  const internal = [...parts.map(({ i }) => `__cdc_n${i}`), ...parts.map(({ i }) => `__cdc_o${i}`), '__cdc_x'];
  const keyParts = businessKey.map((_, i) => keyPart(i));
  const positionParts = shape.positions.map((_, i) => position(i));
  const complete = [...keyParts, ...positionParts].map((c) => `${c} IS NOT NULL`);
  // The latest change per key, by a struct compared field by field: the positions, then the event time (NULL
  // first: a struct orders a NULL field last, hence the flag before it), then a real change before the delete
  // derived from a key change, then op and the after image, so that ties resolve the same on every run.
  const ordering = [
    ...positionParts.map((p) => `${quoteLiteral(p)}: ${p}`),
    `'timed': ${TIME} IS NOT NULL`,
    `'t': ${TIME}`,
    `'real': NOT ${SYNTHETIC}`,
    `'op': ${OP}`,
    `'h': hash("after")`,
  ];
  const carried = [...shape.columns.map((c) => c.name), OP, ...positionParts, TIME, SYNTHETIC, ...keyParts];
  const payload = carried.map((name) => `${quoteLiteral(name)}: ${quoteIdentifier(name)}`);
  return `WITH scoped AS NOT MATERIALIZED (
  SELECT *, "op" AS ${OP}, ${[...positions, `${time} AS ${TIME}`].join(', ')}
  FROM ${source.relation}${where.length === 0 ? '' : `\n  WHERE ${where.join(' AND ')}`}
), changes AS NOT MATERIALIZED (
  SELECT *,
    CASE WHEN ${OP} <> 'd' THEN try(json_extract_string("after", ${ptrs})) END AS __cdc_ka,
    ${shape.hasBefore ? `CASE WHEN ${OP} IN ('u', 'd') THEN try(json_extract_string("before", ${ptrs})) END` : 'CAST(NULL AS VARCHAR[])'} AS __cdc_kb
  FROM scoped WHERE ${OP} IN ${CHANGE_OPS} AND (${OP} = 'd' OR "after" IS NOT NULL)
), keyed AS NOT MATERIALIZED (
  SELECT * EXCLUDE (${internal.join(', ')}) REPLACE (CASE WHEN __cdc_x.s THEN 'd' ELSE ${OP} END AS ${OP}),
    __cdc_x.s AS ${SYNTHETIC}, ${parts.map(({ i }) => `__cdc_x.k${i} AS ${keyPart(i)}`).join(', ')}
  FROM (
    SELECT *, unnest(CASE WHEN ${keyChanged} THEN [${entry(false, 'n')}, ${entry(true, 'o')}]
      ELSE [${entry(false, 'n')}] END) AS __cdc_x
    FROM (SELECT * EXCLUDE (__cdc_ka, __cdc_kb), ${[...newKeys, ...oldKeys].join(', ')} FROM changes)
  )
), latest AS (
  SELECT w.* FROM (
    SELECT arg_max({${payload.join(', ')}}, {${ordering.join(', ')}}) AS w
    FROM keyed WHERE ${complete.join(' AND ')} GROUP BY ${keyParts.join(', ')}
  )
)`;
}

/** Counts of one run's rows by what becomes of them, and whether each key part is there at all. */
export function statsSql(source: ChangeSource): string {
  const { shape, businessKey } = source;
  const keysPresent = businessKey.map(
    (_, i) => `count(${keyPart(i)}) FILTER (WHERE NOT ${SYNTHETIC}) AS key_present_${i}`,
  );
  const anyNullKey = businessKey.map((_, i) => `${keyPart(i)} IS NULL`).join(' OR ');
  const anyNullPosition = shape.positions.map((_, i) => `${position(i)} IS NULL`).join(' OR ');
  return `${changeCtes(source)}
SELECT * FROM (
  SELECT count(*) AS scoped,
    count_if(${OP} IS NULL AND "after" IS NULL) AS tombstones,
    count_if(${OP} IS NULL AND "after" IS NOT NULL) AS malformed,
    count_if(${OP} NOT IN ${CHANGE_OPS}) AS other_ops,
    count_if(${OP} IN ('c', 'u', 'r') AND "after" IS NULL) AS empty_upserts
  FROM scoped
) CROSS JOIN (
  SELECT count_if(NOT ${SYNTHETIC}) AS changes,
    count_if(${SYNTHETIC}) AS key_changes,
    count_if(NOT ${SYNTHETIC} AND (${anyNullKey})) AS null_keys,
    count_if(NOT ${SYNTHETIC} AND NOT (${anyNullKey}) AND (${anyNullPosition})) AS null_positions,
    ${keysPresent.join(',\n    ')}
  FROM keyed
)`;
}

/** The greatest (position…, event time) among the run's changes, as text: the position to store. */
export function lastPositionSql(source: ChangeSource): string {
  const { shape } = source;
  const values = shape.positions.map((_, i) => `CAST(${position(i)} AS VARCHAR) AS p${i}`);
  return `${changeCtes(source)}
SELECT ${values.join(', ')}, CAST(${TIME} AS VARCHAR) AS t FROM scoped
WHERE ${OP} IN ${CHANGE_OPS} AND ${shape.positions.map((_, i) => `${position(i)} IS NOT NULL`).join(' AND ')}
ORDER BY ${[...shape.positions.map((_, i) => `${position(i)} DESC`), `${TIME} DESC NULLS LAST`].join(', ')}`;
}

/** How many of the latest changes `structureSql` looks at to find the fields and their types. */
export const STRUCTURE_SAMPLE = 20_000;

/**
 * The structure (as `json_group_structure` gives it) of the images of the run's latest changes in source order, at
 * most {@link STRUCTURE_SAMPLE} of them: the fields the source rows have now, and their JSON types.
 */
export function structureSql(source: ChangeSource): string {
  const { shape } = source;
  const order = [...shape.positions.map((_, i) => `${position(i)} DESC`), `${TIME} DESC NULLS LAST`];
  const structure = (column: string, where: string) =>
    `CAST(json_group_structure(CASE WHEN ${where} THEN TRY_CAST(${column} AS JSON) END) AS VARCHAR)`;
  return `${changeCtes(source)}
SELECT ${structure('"after"', `${OP} <> 'd'`)} AS after_structure,
  ${shape.hasBefore ? structure('"before"', `${OP} = 'd'`) : 'CAST(NULL AS VARCHAR)'} AS before_structure,
  ${shape.hasKey ? structure('"key"', 'true') : 'CAST(NULL AS VARCHAR)'} AS key_structure
FROM (
  SELECT ${OP}, "after"${shape.hasBefore ? ', "before"' : ''}${shape.hasKey ? ', "key"' : ''} FROM scoped
  WHERE ${OP} IN ${CHANGE_OPS} AND ${shape.positions.map((_, i) => `${position(i)} IS NOT NULL`).join(' AND ')}
  ORDER BY ${order.join(', ')} LIMIT ${STRUCTURE_SAMPLE}
)`;
}

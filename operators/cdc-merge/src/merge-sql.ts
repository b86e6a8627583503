import { quoteLiteral, quoteIdentifier, quoteRelation } from '@assay/sdk';
import type { ChangeLogShape } from './change-log-shape.ts';
import { keyPart, OP, SYNTHETIC, TIME, position } from './change-sql.ts';
import type { ColumnPlan, DataColumn } from './column-plan.ts';
import { pointers } from './json-pointers.ts';

const INTEGER = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/i;
const TEXT = /^(VARCHAR|TEXT|STRING)$/i;

const value = (i: number) => `__cdc_c${i}`;
const BAD = '__cdc_bad';

/** True when some column's values are cast, so that a change can fail to fit. */
function castsValues(plan: ColumnPlan): boolean {
  return plan.data.some((column) => !TEXT.test(column.type));
}

/**
 * More common table expressions after those of `changeCtes`: `checked`, the latest changes with every data column's
 * value cast to its type as `__cdc_c<i>`, and `__cdc_bad` naming the first column whose value does not fit (a
 * number that an integer column would round counts as not fitting). Deletes take values from the before image.
 */
export function checkedCtes(shape: ChangeLogShape, plan: ColumnPlan): string {
  const fields = plan.data.filter((c) => c.key === undefined).map((c) => c.name);
  const image = shape.hasBefore ? `CASE WHEN ${OP} = 'd' THEN "before" ELSE "after" END` : `"after"`;
  const extract =
    fields.length === 0 ? 'CAST(NULL AS VARCHAR[])' : `try(json_extract_string(${image}, ${pointers(fields)}))`;
  let field = 0;
  const columns = plan.data.map((column) => {
    const raw = column.key === undefined ? `__cdc_v[${++field}]` : keyPart(column.key);
    const cast = TEXT.test(column.type) ? raw : `TRY_CAST(${raw} AS ${column.type})`;
    const unfit =
      `${raw} IS NOT NULL AND (${cast} IS NULL` +
      (INTEGER.test(column.type) ? ` OR TRY_CAST(${raw} AS DOUBLE) IS DISTINCT FROM CAST(${cast} AS DOUBLE))` : ')');
    return { column, cast, unfit: column.key === undefined ? `${OP} <> 'd' AND ${unfit}` : unfit };
  });
  const checks = columns.filter((c) => !TEXT.test(c.column.type));
  const bad =
    checks.length === 0
      ? 'CAST(NULL AS VARCHAR)'
      : `CASE ${checks.map((c) => `WHEN ${c.unfit} THEN ${quoteLiteral(c.column.name)}`).join(' ')} END`;
  return `, images AS (
  SELECT *, ${extract} AS __cdc_v FROM latest
), checked AS (
  SELECT *, ${columns.map((c, i) => `${c.cast} AS ${value(i)}`).join(', ')}, ${bad} AS ${BAD} FROM images
)`;
}

/** Marks the write's error for a value that does not fit its column, so the operator can tell it apart. */
export const UNFIT_MARK = 'cdc-merge unfit: ';

function typeOfBad(plan: ColumnPlan, alias = ''): string {
  return `CASE ${alias}${BAD} ${plan.data.map((c: DataColumn) => `WHEN ${quoteLiteral(c.name)} THEN ${quoteLiteral(c.type)}`).join(' ')} END`;
}

function unfitMessage(shape: ChangeLogShape, plan: ColumnPlan): string {
  const keys = plan.data.filter((c) => c.key !== undefined).map((c) => `CAST(c.${keyPart(c.key!)} AS VARCHAR)`);
  const at = shape.positions.map((p) => `CAST(c.${quoteIdentifier(p.column)} AS VARCHAR)`);
  return (
    `${quoteLiteral(`${UNFIT_MARK}the value of "`)} || c.${BAD} || '" does not fit its column type ' || ${typeOfBad(plan, 'c.')} || ` +
    `' (the change of key ' || concat_ws(', ', ${keys.join(', ')}) || ' at position ' || concat_ws(':', ${at.join(', ')}) || ')'`
  );
}

/** What the merge writes: one row per key, the latest change's values, deletes marked by `_cdc_op` or flagged. */
export function writeSql(
  ctes: string,
  shape: ChangeLogShape,
  plan: ColumnPlan,
  options: { readonly target: string | undefined; readonly failOnUnfit: boolean },
): string {
  const { target } = options;
  const soft = plan.extra.deletedFlag !== undefined;
  const joined = soft && target !== undefined;
  const projection = plan.data.map((column, i) =>
    joined && column.key === undefined
      ? `CASE WHEN c.${OP} = 'd' AND t.__cdc_present THEN t.${quoteIdentifier(column.name)} ELSE c.${value(i)} END AS ${quoteIdentifier(column.name)}`
      : `c.${value(i)} AS ${quoteIdentifier(column.name)}`,
  );
  const { op, position: pos, eventTime, deletedFlag, deletedAt } = plan.extra;
  if (op !== undefined) projection.push(`c.${OP} AS ${quoteIdentifier(op)}`);
  if (pos !== undefined) {
    const parts = shape.positions.map((p) => `CAST(c.${quoteIdentifier(p.column)} AS VARCHAR)`);
    projection.push(
      `${parts.length === 1 ? parts[0]! : `concat_ws(':', ${parts.join(', ')})`} AS ${quoteIdentifier(pos)}`,
    );
  }
  if (eventTime !== undefined) projection.push(`c.${TIME} AS ${quoteIdentifier(eventTime)}`);
  if (deletedFlag !== undefined && deletedAt !== undefined) {
    const now = shape.eventTime?.isTimestamp ? `coalesce(CAST(c.${TIME} AS TIMESTAMP WITH TIME ZONE), now())` : 'now()';
    const kept = joined
      ? `CASE WHEN t.__cdc_present AND t.${quoteIdentifier(deletedFlag)} THEN coalesce(t.${quoteIdentifier(deletedAt)}, ${now}) ELSE ${now} END`
      : now;
    projection.push(`(c.${OP} = 'd') AS ${quoteIdentifier(deletedFlag)}`);
    projection.push(
      `CAST(CASE WHEN c.${OP} = 'd' THEN ${kept} END AS TIMESTAMP WITH TIME ZONE) AS ${quoteIdentifier(deletedAt)}`,
    );
  }
  const keyed = plan.data.map((column, i) => ({ column, i })).filter(({ column }) => column.key !== undefined);
  const join = joined
    ? `\nLEFT JOIN (SELECT *, true AS __cdc_present FROM ${quoteRelation(target)}) AS t ON ${keyed
        .map(({ column, i }) => `t.${quoteIdentifier(column.name)} = c.${value(i)}`)
        .join(' AND ')}`
    : '';
  // Failing, a value that does not fit stops the statement (DuckDB's error()) before anything is committed.
  const where = options.failOnUnfit
    ? `CASE WHEN c.${BAD} IS NULL THEN true ELSE error(${unfitMessage(shape, plan)}) END`
    : `c.${BAD} IS NULL`;
  return `${ctes}\nSELECT ${projection.join(',\n  ')}\nFROM checked AS c${join}\nWHERE ${where}`;
}

/** Over the latest changes: how many won, and how many of them have a value that does not fit its column. */
export function winnersSql(ctes: string): string {
  return `${ctes}\nSELECT count(*) AS winners, count_if(${BAD} IS NOT NULL) AS unfit FROM checked`;
}

/**
 * The changes set aside: NULL key, NULL position, or (among the latest) a value that does not fit its column; the
 * change-log row as it was with `_rule`, `_reason` and `_column`.
 */
export function quarantineSql(
  ctes: string,
  shape: ChangeLogShape,
  plan: ColumnPlan | undefined,
  businessKey: readonly string[],
): string {
  const original = shape.columns.map((c) => quoteIdentifier(c.name)).join(', ');
  const nullKey = businessKey.map((_, i) => `${keyPart(i)} IS NULL`).join(' OR ');
  const firstNullKey = `CASE ${businessKey.map((k, i) => `WHEN ${keyPart(i)} IS NULL THEN ${quoteLiteral(k)}`).join(' ')} END`;
  const nullPosition = shape.positions.map((_, i) => `${position(i)} IS NULL`).join(' OR ');
  const firstNullPosition = `CASE ${shape.positions.map((p, i) => `WHEN ${position(i)} IS NULL THEN ${quoteLiteral(p.column)}`).join(' ')} END`;
  const parts = [
    `SELECT ${original}, 'cdc-merge.null_key' AS _rule, 'the business key field "' || ${firstNullKey} || '" is NULL ` +
      `or absent in the change''s images' AS _reason, ${firstNullKey} AS _column FROM keyed WHERE NOT ${SYNTHETIC} AND (${nullKey})`,
    `SELECT ${original}, 'cdc-merge.null_position' AS _rule, 'the position column "' || ${firstNullPosition} || '" ` +
      `is NULL (or not a number)' AS _reason, ${firstNullPosition} AS _column FROM keyed ` +
      `WHERE NOT ${SYNTHETIC} AND NOT (${nullKey}) AND (${nullPosition})`,
  ];
  if (plan !== undefined && castsValues(plan)) {
    const typeOf = typeOfBad(plan);
    parts.push(
      `SELECT ${original}, 'cdc-merge.cast' AS _rule, 'the value of "' || ${BAD} || '" does not fit its column ` +
        `type ' || ${typeOf} AS _reason, ${BAD} AS _column FROM checked WHERE ${BAD} IS NOT NULL AND NOT ${SYNTHETIC}`,
    );
  }
  return `${ctes}\n${parts.join('\nUNION ALL\n')}`;
}

import { quoteIdentifier, quoteLiteral } from '@assay/sdk';
import type { Scd2Plan } from './scd2-plan.ts';
import { columnOf } from './row-hash-sql.ts';

/** Working columns of the operator's SQL (input columns may not start with `__scd_`). */
export const T = '__scd_t';
export const SEQ = '__scd_seq';
export const DEL = '__scd_del';
export const SRC = '__scd_src';

/** Rows the batch cannot use: a NULL business key column or a NULL effective time. */
export function invalidRowsCondition(plan: Scd2Plan, alias = 's'): string {
  return invalidChecks(plan, alias)
    .map((check) => check.condition)
    .join(' OR ');
}

function invalidChecks(plan: Scd2Plan, alias: string) {
  const checks = plan.keys.map((key) => ({
    condition: `${columnOf(alias, key.name)} IS NULL`,
    rule: 'scd2.business_key.null',
    reason: `business key column "${key.name}" is NULL`,
    column: key.name,
  }));
  if (plan.timeInput !== undefined) {
    checks.push({
      condition: `${columnOf(alias, plan.timeInput)} IS NULL`,
      rule: 'scd2.effective_from.null',
      reason: `effective time column "${plan.timeInput}" is NULL`,
      column: plan.timeInput,
    });
  }
  return checks;
}

/** The rows to quarantine: each invalid input row as it was, with the first rule it fails, the reason and column. */
export function quarantineSql(plan: Scd2Plan): string {
  const checks = invalidChecks(plan, 's');
  const pick = (field: 'rule' | 'reason' | 'column') =>
    `CASE ${checks.map((c) => `WHEN ${c.condition} THEN ${quoteLiteral(c[field])}`).join(' ')} END`;
  return (
    `SELECT s.*, ${pick('rule')} AS _rule, ${pick('reason')} AS _reason, ${pick('column')} AS _column ` +
    `FROM ${plan.batch} AS s WHERE ${invalidRowsCondition(plan)}`
  );
}

/**
 * The batch: the valid input rows with their columns cast to the output's types, effective time `__scd_t`,
 * sequence `__scd_seq` and delete flag `__scd_del`. With deletes ignored, flagged rows are left out; with
 * `restateFrom`, rows before it are (history before it stays as it is).
 */
export function batchSql(plan: Scd2Plan): string {
  const cast = (column: { name: string; type: string }) =>
    `CAST(${columnOf('s', column.name)} AS ${column.type}) AS ${quoteIdentifier(column.name)}`;
  const flag = plan.deleteWhen === undefined ? 'false' : `coalesce((${plan.deleteWhen}), false)`;
  const where = [`NOT (${invalidRowsCondition(plan)})`];
  if (plan.policy === 'ignore' && plan.deleteWhen !== undefined) where.push(`NOT ${flag}`);
  if (plan.restateFrom !== undefined) where.push(`${plan.time} >= ${plan.restateFrom}`);
  const sequence = plan.sequence === undefined ? 'CAST(NULL AS INTEGER)' : columnOf('s', plan.sequence.name);
  return (
    `SELECT ${[...plan.keys, ...plan.attributes].map(cast).join(', ')}, ${plan.time} AS ${T}, ` +
    `${sequence} AS ${SEQ}, ${plan.policy === 'ignore' ? 'false' : flag} AS ${DEL} ` +
    `FROM ${plan.batch} AS s WHERE ${where.join(' AND ')}`
  );
}

import { quoteIdentifier, quoteRelation } from '@assay/sdk';
import type { MetricsPlan } from './metrics-plan.ts';
import { dateList, periodsSpan } from './period-sql.ts';

/**
 * The output rows: one per period and combination of dimension values, every measure aggregated over the input
 * rows of that group. With `periods`, only those periods are computed, still from every row of the input (so
 * averages, distinct counts and ratios stay exact); the time column's span of them lets the engine skip files.
 */
export function metricsSelect(plan: MetricsPlan, input: string, periods?: readonly string[]): string {
  const keys = [
    `${plan.period} AS ${quoteIdentifier(plan.periodColumn)}`,
    ...plan.dimensions.map((d) => quoteIdentifier(d)),
  ];
  const measures = plan.measures.map((m) => `${m.sql} AS ${quoteIdentifier(m.name)}`);
  const where = [...plan.where, ...(periods === undefined ? [] : periodRestriction(plan, periods))];
  const groups = keys.map((_, i) => String(i + 1)).join(', ');
  return (
    `SELECT ${[...keys, ...measures].join(',\n  ')}\nFROM ${quoteRelation(input)}\n` +
    `WHERE ${where.join('\n  AND ')}\nGROUP BY ${groups}`
  );
}

/** The periods the rows of the changes views fall in (rows the filters drop touch nothing). */
export function touchedPeriodsSql(plan: MetricsPlan, views: readonly string[]): string {
  const parts = views.map(
    (view) => `SELECT ${plan.period} AS p FROM ${quoteRelation(view)} WHERE ${plan.where.join(' AND ')}`,
  );
  return `SELECT DISTINCT p FROM (\n${parts.join('\nUNION ALL\n')}\n) AS touched WHERE p IS NOT NULL ORDER BY p`;
}

/** Which of the periods still have rows in the input. */
export function presentPeriodsSql(plan: MetricsPlan, input: string, periods: readonly string[]): string {
  return (
    `SELECT DISTINCT ${plan.period} AS p FROM ${quoteRelation(input)}\n` +
    `WHERE ${[...plan.where, ...periodRestriction(plan, periods)].join('\n  AND ')}`
  );
}

/** Which of the periods the output holds rows for. */
export function storedPeriodsSql(plan: MetricsPlan, output: string, periods: readonly string[]): string {
  const column = quoteIdentifier(plan.periodColumn);
  return `SELECT DISTINCT ${column} AS p FROM ${quoteRelation(output)} WHERE ${column} IN (${dateList(periods)})`;
}

function periodRestriction(plan: MetricsPlan, periods: readonly string[]): string[] {
  if (periods.length === 0) return ['false'];
  const spec = { column: plan.timeColumn, kind: plan.timeKind, grain: plan.grain };
  return [periodsSpan(spec, periods), `${plan.period} IN (${dateList(periods)})`];
}

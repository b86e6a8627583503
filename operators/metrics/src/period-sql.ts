import { quoteLiteral } from '@assay/sdk';
import type { Grain } from './metrics-config.ts';

/** The time column's kind: a calendar day, a wall-clock timestamp, or an instant. */
export type TimeKind = 'date' | 'timestamp' | 'timestamptz';

/** What a row's period is computed from. */
export interface PeriodSpec {
  /** The time column, quoted. */
  readonly column: string;
  readonly kind: TimeKind;
  readonly grain: Grain;
  /** 1 (January) to 12: quarters and years start in this month. */
  readonly fiscalYearStartMonth: number;
  readonly timeZone?: string | undefined;
}

/**
 * SQL for a row's period: the DATE of the period's first day, in the configured time zone. Instants are converted
 * to wall-clock time in the zone (UTC when none is set, so the result does not depend on the server's zone); a
 * plain TIMESTAMP is wall-clock time already, or UTC when a zone is set. Fiscal quarters and years are calendar
 * ones shifted by the start month: April–June is the first quarter of a year starting in April.
 */
export function periodExpression(spec: PeriodSpec): string {
  const local = localTime(spec);
  if (spec.grain === 'day') return `CAST(${local} AS DATE)`;
  const shift = spec.grain === 'quarter' || spec.grain === 'year' ? spec.fiscalYearStartMonth - 1 : 0;
  if (shift === 0) return `CAST(date_trunc('${spec.grain}', ${local}) AS DATE)`;
  return `CAST(date_trunc('${spec.grain}', ${local} - INTERVAL ${shift} MONTH) + INTERVAL ${shift} MONTH AS DATE)`;
}

function localTime(spec: PeriodSpec): string {
  const { column, kind, timeZone } = spec;
  switch (kind) {
    case 'date':
      return column;
    case 'timestamp':
      return timeZone === undefined
        ? `CAST(${column} AS TIMESTAMP)`
        : `timezone(${quoteLiteral(timeZone)}, timezone('UTC', CAST(${column} AS TIMESTAMP)))`;
    case 'timestamptz':
      return `timezone(${quoteLiteral(timeZone ?? 'UTC')}, ${column})`;
  }
}

/**
 * A predicate on the raw time column that keeps at least every row of the given periods (first days,
 * `YYYY-MM-DD`), and lets the engine skip files and row groups whose statistics lie outside: the periods' span,
 * widened by a day on each side so no time zone offset can push a row of a period outside it.
 */
export function periodsSpan(spec: Pick<PeriodSpec, 'column' | 'kind' | 'grain'>, periods: readonly string[]): string {
  const sorted = [...periods].sort();
  const low = addDays(sorted[0]!, -1);
  const high = addDays(periodEnd(sorted[sorted.length - 1]!, spec.grain), 1);
  const bound = (day: string) =>
    spec.kind === 'date'
      ? `DATE '${day}'`
      : spec.kind === 'timestamp'
        ? `TIMESTAMP '${day} 00:00:00'`
        : `TIMESTAMPTZ '${day} 00:00:00+00'`;
  return `${spec.column} >= ${bound(low)} AND ${spec.column} < ${bound(high)}`;
}

/** The day after a period's last, from its first day. */
export function periodEnd(first: string, grain: Grain): string {
  switch (grain) {
    case 'day':
      return addDays(first, 1);
    case 'week':
      return addDays(first, 7);
    case 'month':
      return addMonths(first, 1);
    case 'quarter':
      return addMonths(first, 3);
    case 'year':
      return addMonths(first, 12);
  }
}

/** `DATE 'a', DATE 'b'` for an IN list of periods. */
export function dateList(days: readonly string[]): string {
  return days.map((day) => `DATE '${day}'`).join(', ');
}

/** Whether a value is a `YYYY-MM-DD` day, as the engine returns a DATE. */
export function isDay(value: unknown): value is string {
  return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value);
}

function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function addMonths(day: string, months: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, date.getUTCDate()))
    .toISOString()
    .slice(0, 10);
}

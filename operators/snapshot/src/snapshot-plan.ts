import { InputError, type OperatorColumn, subquery, quoteIdentifier, quoteLiteral, quoteRelation } from '@assay/sdk';
import { timeKind, type TimeKind } from './column-types.ts';
import type { SnapshotSettings } from './snapshot-config.ts';
import { configError } from './snapshot-dates.ts';

/** The config checked against the input's columns, ready to become SQL. */
export interface SnapshotPlan {
  /** The quoted input columns the output keeps. */
  readonly columns: readonly string[];
  readonly snapshotColumn: string;
  /** The predicate a row must satisfy to be in the snapshot of day `d.day`, over `s.*`. */
  readonly condition: string;
}

/** A column the config names, as the input has it, with its time kind. */
interface TimeColumn {
  readonly name: string;
  readonly kind: TimeKind;
}

/**
 * Checks the config against the input's columns: the SCD2 or date columns exist and are dates or timestamps, the
 * kept columns exist, and none is named like the snapshot column. `SNAPSHOT_COLUMN_MISSING`,
 * `SNAPSHOT_COLUMN_TYPE_INVALID`, `SNAPSHOT_COLUMN_CONFLICT`, or `JOB_CONFIG_INVALID` for fields of the other source.
 */
export function planSnapshot(
  config: SnapshotSettings,
  dataset: string,
  columns: readonly OperatorColumn[],
): SnapshotPlan {
  const misplaced =
    config.source === 'scd2'
      ? (['dateColumn'] as const).filter((f) => config[f] !== undefined)
      : (['validFrom', 'validTo'] as const).filter((f) => config[f] !== undefined);
  if (misplaced.length > 0) throw configError(`config.${misplaced[0]!}`, `does not apply to source ${config.source}`);
  const find = (name: string, path: string): OperatorColumn => {
    const column =
      columns.find((c) => c.name === name) ?? columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
    if (column === undefined) {
      throw new InputError(
        `${path}: ${dataset} has no column "${name}" (it has ${columns.map((c) => c.name).join(', ')})`,
        {
          code: 'SNAPSHOT_COLUMN_MISSING',
          details: { path, column: name, dataset },
        },
      );
    }
    return column;
  };
  const time = (name: string, path: string): TimeColumn => {
    const column = find(name, path);
    const kind = timeKind(column.type);
    if (kind === undefined) {
      throw new InputError(
        `${path}: "${column.name}" of ${dataset} is ${column.type}; it must be a DATE, TIMESTAMP or TIMESTAMP WITH TIME ZONE`,
        { code: 'SNAPSHOT_COLUMN_TYPE_INVALID', details: { path, column: column.name, type: column.type } },
      );
    }
    return { name: column.name, kind };
  };
  const kept = (config.columns ?? columns.map((c) => c.name)).map((name, i) => find(name, `config.columns[${i}]`).name);
  const clash = kept.find((name) => name.toLowerCase() === config.snapshotColumn.toLowerCase());
  if (clash !== undefined) {
    throw new InputError(
      `config.snapshotColumn: ${dataset} has a column "${clash}" already; name the snapshot column otherwise, or ` +
        'leave that column out with config.columns',
      { code: 'SNAPSHOT_COLUMN_CONFLICT', details: { path: 'config.snapshotColumn', column: clash } },
    );
  }
  const zone = config.timeZone;
  const used =
    config.source === 'scd2'
      ? [
          time(config.validFrom ?? 'valid_from', 'config.validFrom'),
          time(config.validTo ?? 'valid_to', 'config.validTo'),
        ]
      : config.dateColumn === undefined
        ? []
        : [time(config.dateColumn, 'config.dateColumn')];
  if (zone !== undefined && used.every((c) => c.kind === 'date')) {
    throw new InputError('config.timeZone applies to timestamp columns, and this snapshot compares none: remove it', {
      code: 'SNAPSHOT_TIME_ZONE_NOT_APPLICABLE',
      details: { path: 'config.timeZone' },
    });
  }
  const conditions: string[] = [];
  if (config.source === 'scd2') {
    const [from, to] = used as [TimeColumn, TimeColumn];
    // Valid at the end of the day: started before the next midnight, and not ended by then (an open end is NULL
    // or far in the future).
    conditions.push(`s.${quoteIdentifier(from.name)} < ${dayEnd(from.kind, zone)}`);
    const end = `s.${quoteIdentifier(to.name)}`;
    conditions.push(`(${end} IS NULL OR ${end} >= ${dayEnd(to.kind, zone)})`);
  } else if (used[0] !== undefined) {
    const date = used[0];
    conditions.push(`s.${quoteIdentifier(date.name)} < ${dayEnd(date.kind, zone)}`);
  }
  if (config.filter !== undefined) conditions.push(subquery(config.filter));
  return {
    columns: kept.map(quoteIdentifier),
    snapshotColumn: config.snapshotColumn,
    condition: conditions.length === 0 ? 'true' : conditions.join('\n  AND '),
  };
}

/** The snapshot rows of the given days: the input's rows that hold at each, stamped with it. */
export function snapshotSelect(plan: SnapshotPlan, input: string, days: readonly string[]): string {
  const stamp = `d.day AS ${quoteIdentifier(plan.snapshotColumn)}`;
  return (
    `SELECT ${[stamp, ...plan.columns.map((c) => `s.${c}`)].join(', ')}\n` +
    `FROM ${quoteRelation(input)} AS s JOIN ${daysRelation(days)} AS d ON ${plan.condition}`
  );
}

/** Which of the days would have no row at all. */
export function emptyDaysSql(plan: SnapshotPlan, input: string, days: readonly string[]): string {
  return (
    `SELECT d.day AS day FROM ${daysRelation(days)} AS d\n` +
    `WHERE NOT EXISTS (SELECT 1 FROM ${quoteRelation(input)} AS s WHERE ${plan.condition})`
  );
}

/** Which of the days the output holds rows for. */
export function storedDaysSql(plan: SnapshotPlan, output: string, days: readonly string[]): string {
  const column = quoteIdentifier(plan.snapshotColumn);
  return `SELECT DISTINCT ${column} AS day FROM ${quoteRelation(output)} WHERE ${column} IN (${dateList(days)})`;
}

/**
 * The output with the days' snapshots replaced, for when a day's snapshot became empty: replacing partitions
 * cannot empty one, so the table is rewritten with the other days' rows as they are.
 */
export function replacedSelect(plan: SnapshotPlan, input: string, output: string, days: readonly string[]): string {
  const column = quoteIdentifier(plan.snapshotColumn);
  return (
    `SELECT * FROM ${quoteRelation(output)} WHERE ${column} NOT IN (${dateList(days)})\n` +
    `UNION ALL BY NAME\n${snapshotSelect(plan, input, days)}`
  );
}

function daysRelation(days: readonly string[]): string {
  if (days.length === 0) return '(SELECT CAST(NULL AS DATE) AS day WHERE false)';
  return `(SELECT unnest([${dateList(days)}]) AS day)`;
}

function dateList(days: readonly string[]): string {
  return days.map((day) => `DATE '${day}'`).join(', ');
}

/** The instant the snapshot day `d.day` ends, comparable with a column of the kind. */
function dayEnd(kind: TimeKind, zone: string | undefined): string {
  const next = 'CAST(d.day + 1 AS TIMESTAMP)';
  switch (kind) {
    case 'date':
      return 'd.day + 1';
    case 'timestamp':
      return zone === undefined ? next : `timezone('UTC', timezone(${quoteLiteral(zone)}, ${next}))`;
    case 'timestamptz':
      return `timezone(${quoteLiteral(zone ?? 'UTC')}, ${next})`;
  }
}

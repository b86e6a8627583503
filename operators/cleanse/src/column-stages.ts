import { quoteIdentifier } from '@assay/sdk';
import type { PlannedColumn } from './cleanse-plan.ts';
import { internal, ROW, type CteChain } from './cte-chain.ts';
import { joinOn, referenceSql } from './lookup-stages.ts';
import type { Outcome } from './row-outcomes.ts';

/** What the column stages add to the chain: the rules' outcomes (config order: steps, then NULLs, per column). */
export interface ColumnStages {
  readonly outcomes: readonly Outcome[];
  /** Filled-NULL flags by column, for the metrics. */
  readonly filled: ReadonlyArray<{ readonly column: string; readonly flag: string }>;
}

/**
 * The standardization: one stage per step depth (the first step of every column, then the second, …), each
 * replacing the values and adding a flag per rule that can reject. Then the NULL handling: reject and default in one
 * stage, a join per lookup, and the forward fills (windows that skip rows a column rule rejected).
 */
export function columnStages(chain: CteChain, columns: readonly PlannedColumn[]): ColumnStages {
  const byColumn = new Map<number, Outcome[]>(columns.map((c) => [c.index, []]));
  const depth = Math.max(0, ...columns.map((c) => c.steps.length));
  for (let s = 0; s < depth; s++) {
    const replaced: string[] = [];
    const added: string[] = [];
    for (const column of columns.filter((c) => c.steps.length > s)) {
      const { sql, rule } = column.steps[s]!;
      // A check (regex_validate) leaves the value as it is.
      if (sql.value !== quoteIdentifier(column.column))
        replaced.push(`${sql.value} AS ${quoteIdentifier(column.column)}`);
      if (rule === undefined) continue;
      const flag = chain.flag();
      added.push(`coalesce(${sql.rejectWhen!}, false) AS ${flag}`);
      byColumn
        .get(column.index)!
        .push({ kind: 'quarantine', id: rule, column: column.column, reason: sql.reason!, flag });
    }
    const replace = replaced.length === 0 ? '' : ` REPLACE (${replaced.join(', ')})`;
    chain.add(`cleanse_step_${s + 1}`, (from) => `SELECT *${replace}${list(added)} FROM ${from}`);
  }

  const replaced: string[] = [];
  const added: string[] = [];
  const filled: Array<{ column: string; flag: string }> = [];
  for (const column of columns) {
    const value = quoteIdentifier(column.column);
    const nulls = column.nulls;
    if (nulls?.action === 'reject') {
      const flag = chain.flag();
      added.push(`(${value} IS NULL) AS ${flag}`);
      const reason = `${column.column} is null`;
      byColumn.get(column.index)!.push({ kind: 'quarantine', id: nulls.rule, column: column.column, reason, flag });
    } else if (nulls?.action === 'default') {
      replaced.push(`coalesce(${value}, ${nulls.value}) AS ${value}`);
      added.push(`(${value} IS NULL) AS ${internal(`filled${column.index}`)}`);
    }
    if (nulls !== undefined && nulls.action !== 'reject') {
      filled.push({ column: column.column, flag: internal(`filled${column.index}`) });
    }
  }
  if (added.length > 0) {
    const replace = replaced.length === 0 ? '' : ` REPLACE (${replaced.join(', ')})`;
    chain.add('cleanse_nulls', (from) => `SELECT *${replace}${list(added)} FROM ${from}`);
  }
  for (const column of columns) lookupFill(chain, column);
  const outcomes = columns.flatMap((c) => byColumn.get(c.index)!);
  forwardFills(chain, columns, outcomes);
  return { outcomes, filled };
}

/** `nulls: lookup`: a left join to the reference; a NULL takes the reference's value (cast to the column's type). */
function lookupFill(chain: CteChain, column: PlannedColumn): void {
  const nulls = column.nulls;
  if (nulls?.action !== 'lookup') return;
  const value = quoteIdentifier(column.column);
  const found = internal('value');
  const cast = `TRY_CAST(r.${found} AS ${column.type})`;
  const reference = referenceSql(nulls.dataset, nulls.keys, [`${quoteIdentifier(nulls.value)} AS ${found}`]);
  chain.add(
    `cleanse_fill_${column.index}`,
    (from) =>
      `SELECT m.* REPLACE (coalesce(m.${value}, ${cast}) AS ${value}), ` +
      `(m.${value} IS NULL AND ${cast} IS NOT NULL) AS ${internal(`filled${column.index}`)} ` +
      `FROM ${from} AS m LEFT JOIN (${reference}) AS r ON ${joinOn(nulls.keys)}`,
  );
}

/** `nulls: forward_fill`: the last value before the row (by orderBy, then input order) of a row no rule rejected. */
function forwardFills(chain: CteChain, columns: readonly PlannedColumn[], rules: readonly Outcome[]): void {
  const fills = columns.flatMap((c) => (c.nulls?.action === 'forward_fill' ? [{ ...c, nulls: c.nulls }] : []));
  if (fills.length === 0) return;
  const rejected = rules.length === 0 ? 'false' : `(${rules.map((o) => o.flag).join(' OR ')})`;
  const windows = fills.map(({ column, index, nulls }) => {
    const partition =
      nulls.partitionBy.length === 0 ? '' : `PARTITION BY ${nulls.partitionBy.map(quoteIdentifier).join(', ')} `;
    return (
      `last_value(CASE WHEN NOT ${rejected} THEN ${quoteIdentifier(column)} END IGNORE NULLS) OVER (${partition}` +
      `ORDER BY ${quoteIdentifier(nulls.orderBy)} ASC NULLS LAST, ${ROW} ASC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) ` +
      `AS ${internal(`w${index}`)}`
    );
  });
  chain.add('cleanse_fill_windows', (from) => `SELECT *, ${windows.join(', ')} FROM ${from}`);
  const replaced = fills.map(
    ({ column, index }) =>
      `coalesce(${quoteIdentifier(column)}, ${internal(`w${index}`)}) AS ${quoteIdentifier(column)}`,
  );
  const filled = fills.map(
    ({ column, index }) =>
      `(${quoteIdentifier(column)} IS NULL AND ${internal(`w${index}`)} IS NOT NULL) AS ${internal(`filled${index}`)}`,
  );
  chain.add(
    'cleanse_forward_fill',
    (from) => `SELECT * REPLACE (${replaced.join(', ')}), ${filled.join(', ')} FROM ${from}`,
  );
}

function list(items: readonly string[]): string {
  return items.map((item) => `, ${item}`).join('');
}

import { quote } from '../../engine/dataset-view.ts';
import type { EngineSession } from '../../engine/engine-session.ts';
import type { ColumnProfile } from './profile.schemas.ts';
import { queryOne } from './query-one.ts';

/** Columns with at most this many distinct values, each repeated, get top values (their histogram stays small). */
export const LOW_CARDINALITY = 100;
/** Top values per column. */
export const TOP_VALUES = 10;
/** Estimates within 20 % of the row count are counted exactly: approx_count_distinct can be several % off. */
const KEY_ESTIMATE_SLACK = 0.8;
/** At most this many estimated keys are checked exactly. */
const MAX_KEY_CHECKS = 10;

/**
 * Top values of low-cardinality columns and exact distinct counts of columns an estimate says may be keys, in one
 * query over `from`. A histogram gives a column's exact distinct count too, so those columns stop being estimates.
 */
export async function valueDetails(
  session: EngineSession,
  from: string,
  columns: readonly ColumnProfile[],
  rows: number,
): Promise<ColumnProfile[]> {
  const histogram = new Set<number>();
  const verify = new Set<number>();
  columns.forEach((column, index) => {
    if (column.distinct === null || column.kind === 'other') return;
    // Values must repeat (two rows a value on average) to be worth listing: a key's values each occur once.
    const repeated = column.distinct > 0 && 2 * column.distinct <= rows - column.nulls;
    if (column.distinct <= LOW_CARDINALITY && repeated) histogram.add(index);
    else if (
      column.distinctApproximate &&
      column.nulls === 0 &&
      column.distinct >= KEY_ESTIMATE_SLACK * rows &&
      verify.size < MAX_KEY_CHECKS
    ) {
      verify.add(index);
    }
  });
  if (histogram.size === 0 && verify.size === 0) return [...columns];

  const aggregates: string[] = [];
  const select: string[] = [];
  for (const index of histogram) {
    const column = columns[index]!;
    // Numbers come back as JSON numbers, whatever their exact type (DECIMAL and BIGINT would be strings).
    const value = column.kind === 'number' ? `CAST(${quote(column.name)} AS DOUBLE)` : quote(column.name);
    aggregates.push(`histogram(${value}) AS h${index}`);
    select.push(
      `cardinality(h${index}) AS d${index}`,
      // Sorting {n: -count, v: value} puts the most frequent first, ties by value: the same order every time.
      `list_slice(list_sort(list_transform(map_entries(h${index}), e -> {'n': -CAST(e.value AS BIGINT), 'v': e.key})), 1, ${TOP_VALUES}) AS t${index}`,
    );
  }
  for (const index of verify) {
    aggregates.push(`count(DISTINCT ${quote(columns[index]!.name)}) AS k${index}`);
    select.push(`k${index}`);
  }
  const row = await queryOne(
    session,
    `WITH h AS (SELECT ${aggregates.join(', ')} FROM ${from}) SELECT ${select.join(', ')} FROM h`,
  );

  return columns.map((column, index) => {
    if (histogram.has(index)) {
      const top = (row[`t${index}`] ?? []) as Array<{ n: string | number; v: string | number | boolean }>;
      return {
        ...column,
        distinct: Number(row[`d${index}`]),
        distinctApproximate: false,
        topValues: top.map((entry) => ({ value: entry.v, count: -Number(entry.n) })),
      };
    }
    if (verify.has(index)) return { ...column, distinct: Number(row[`k${index}`]), distinctApproximate: false };
    return column;
  });
}

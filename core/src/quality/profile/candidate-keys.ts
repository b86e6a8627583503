import { quote } from '../../engine/dataset-view.ts';
import type { EngineSession } from '../../engine/engine-session.ts';
import { isFloatType } from './column-kind.ts';
import type { ColumnProfile } from './profile.schemas.ts';
import { queryOne } from './query-one.ts';

/** Columns combined into pairs when no single column is a key: 5 columns make at most 10 pairs. */
const PAIR_COLUMNS = 5;
/** Pair keys reported at most. */
const MAX_PAIR_KEYS = 3;

/**
 * The candidate keys of a profiled relation: every column without NULLs with one distinct value per row (exact
 * counts only), or, when there is none, up to three pairs of such columns, counted exactly in one query. Floats and
 * nested values are never keys.
 */
export async function candidateKeys(
  session: EngineSession,
  from: string,
  columns: readonly ColumnProfile[],
  rows: number,
): Promise<string[][]> {
  if (rows === 0) return [];
  const eligible = columns.filter(
    (column) =>
      column.nulls === 0 &&
      column.distinct !== null &&
      column.kind !== 'other' &&
      !isFloatType(column.type) &&
      // A column that looks like a key only by estimate is not one.
      !column.distinctApproximate,
  );
  const singles = eligible.filter((column) => column.distinct === rows).map((column) => [column.name]);
  if (singles.length > 0 || rows < 2) return singles;

  const ranked = [...eligible]
    .filter((column) => column.distinct! > 1)
    .sort((a, b) => b.distinct! - a.distinct! || columns.indexOf(a) - columns.indexOf(b))
    .slice(0, PAIR_COLUMNS);
  const pairs: Array<[ColumnProfile, ColumnProfile]> = [];
  ranked.forEach((first, i) => {
    for (const second of ranked.slice(i + 1)) {
      // Fewer combinations than rows cannot tell every row apart.
      if (first.distinct! * second.distinct! < rows) continue;
      pairs.push(columns.indexOf(first) < columns.indexOf(second) ? [first, second] : [second, first]);
    }
  });
  if (pairs.length === 0) return [];
  const counts = pairs.map(([a, b], index) => `count(DISTINCT (${quote(a.name)}, ${quote(b.name)})) AS p${index}`);
  const row = await queryOne(session, `SELECT ${counts.join(', ')} FROM ${from}`);
  return pairs
    .filter((_pair, index) => Number(row[`p${index}`]) === rows)
    .slice(0, MAX_PAIR_KEYS)
    .map(([a, b]) => [a.name, b.name]);
}

import { literal, quote } from '../../engine/dataset-view.ts';
import type { EngineSession } from '../../engine/engine-session.ts';
import { columnKind, isNestedType } from './column-kind.ts';
import { round } from './number-format.ts';
import type { ColumnProfile } from './profile.schemas.ts';
import { queryOne } from './query-one.ts';
import { CAST_TYPES, TEXT_PATTERNS } from './text-patterns.ts';

/** A column to profile: its name and DuckDB type as the session's view shows it. */
export interface ProfileColumn {
  readonly name: string;
  readonly type: string;
  /** A policy masks the column for the caller (it is profiled as seen, and flagged). */
  readonly masked?: boolean;
}

/** Longer text is cut in min/max: they describe the column, they are not the data. */
const TEXT_BOUND_CHARS = 200;

/**
 * Every column's statistics in one aggregate query over `from`: non-null count, distinct count (exact or
 * `approx_count_distinct`), min/max, text lengths, and for text the share of values of each known shape and each
 * castable type. Top values and keys need these numbers first; {@link valueDetails} gets them.
 */
export async function columnStatistics(
  session: EngineSession,
  from: string,
  columns: readonly ProfileColumn[],
  options: { exactDistinct: boolean },
): Promise<{ rows: number; columns: ColumnProfile[] }> {
  const select = ['count(*) AS "rows"'];
  columns.forEach((column, index) => select.push(...expressionsOf(column, index, options.exactDistinct)));
  const row = await queryOne(session, `SELECT ${select.join(',\n  ')}\nFROM ${from}`);
  const rows = Number(row.rows);
  return { rows, columns: columns.map((column, index) => profileOf(column, index, row, rows, options.exactDistinct)) };
}

function expressionsOf(column: ProfileColumn, index: number, exactDistinct: boolean): string[] {
  const q = quote(column.name);
  const as = (stat: string) => ` AS ${quote(`c${index}_${stat}`)}`;
  const kind = columnKind(column.type);
  const out = [`count(${q})${as('n')}`];
  if (!isNestedType(column.type)) {
    out.push(`${exactDistinct ? `count(DISTINCT ${q})` : `approx_count_distinct(${q})`}${as('distinct')}`);
  }
  if (kind === 'number') out.push(`CAST(min(${q}) AS DOUBLE)${as('min')}`, `CAST(max(${q}) AS DOUBLE)${as('max')}`);
  if (kind === 'temporal') out.push(`CAST(min(${q}) AS VARCHAR)${as('min')}`, `CAST(max(${q}) AS VARCHAR)${as('max')}`);
  if (kind === 'boolean') out.push(`min(${q})${as('min')}`, `max(${q})${as('max')}`);
  if (kind === 'text') {
    out.push(
      `left(min(${q}), ${TEXT_BOUND_CHARS})${as('min')}`,
      `left(max(${q}), ${TEXT_BOUND_CHARS})${as('max')}`,
      `min(length(${q}))${as('minlen')}`,
      `max(length(${q}))${as('maxlen')}`,
      ...TEXT_PATTERNS.map(
        (pattern, p) => `count(*) FILTER (WHERE regexp_full_match(${q}, ${literal(pattern.regex)}))${as(`p${p}`)}`,
      ),
      ...CAST_TYPES.map((type, t) => `count(TRY_CAST(${q} AS ${type}))${as(`t${t}`)}`),
    );
  }
  return out;
}

function profileOf(
  column: ProfileColumn,
  index: number,
  row: Record<string, unknown>,
  rows: number,
  exactDistinct: boolean,
): ColumnProfile {
  const stat = (name: string) => row[`c${index}_${name}`];
  const count = (name: string) => Number(stat(name) ?? 0);
  const kind = columnKind(column.type);
  const nonNull = count('n');
  const nulls = rows - nonNull;
  const share = (matches: number) => ({ matches, share: nonNull === 0 ? 0 : round(matches / nonNull, 4) });
  const distinct = stat('distinct');
  return {
    name: column.name,
    type: column.type,
    kind,
    masked: column.masked === true,
    nulls,
    nullPercent: rows === 0 ? 0 : round((100 * nulls) / rows, 2),
    distinct: distinct === undefined ? null : Number(distinct),
    distinctApproximate: distinct !== undefined && !exactDistinct,
    min: valueOf(stat('min')),
    max: valueOf(stat('max')),
    minLength: kind === 'text' ? nullableNumber(stat('minlen')) : null,
    maxLength: kind === 'text' ? nullableNumber(stat('maxlen')) : null,
    topValues: null,
    // Shapes and types no value has are left out: a text column would otherwise list all of them.
    patterns:
      kind === 'text'
        ? TEXT_PATTERNS.map((pattern, p) => ({ pattern: pattern.name, ...share(count(`p${p}`)) })).filter(matched)
        : [],
    casts: kind === 'text' ? CAST_TYPES.map((type, t) => ({ type, ...share(count(`t${t}`)) })).filter(matched) : [],
  };
}

const matched = (entry: { matches: number }) => entry.matches > 0;

function valueOf(value: unknown): string | number | boolean | null {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return null;
}

function nullableNumber(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

import { quote } from '../../engine/dataset-view.ts';
import { formatCount, formatPercent } from './number-format.ts';
import type { ColumnProfile, Suggestion } from './profile.schemas.ts';
import { suggestion, type SuggestionContext } from './suggestion-builder.ts';
import { dateLowerBound, nullRateBound, numberBounds } from './suggestion-bounds.ts';
import { TEXT_PATTERNS } from './text-patterns.ts';

/** A pattern is suggested when at least this share of values has it. */
export const PATTERN_SHARE = 0.99;
/** `accepted_values` lists at most this many values. */
export const MAX_ACCEPTED_VALUES = 10;
/** Columns with at most this much NULL get a `null_rate` bound, in percent. */
export const FEW_NULLS_PERCENT = 10;
/** Values longer than this are not listed as accepted values: they are text, not codes. */
const MAX_ACCEPTED_LENGTH = 100;

const SNAKE_IDENTIFIER = /(^|_)(id|uuid|guid|key|code|no|nr|number)$/i;
const CAMEL_IDENTIFIER = /[a-z0-9](Id|ID|Key|Code|No)$/;
const INTEGER_TYPE = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/i;

/** Whether a column's name says it identifies rows (`id`, `order_id`, `customerKey`, `sku_code`). */
export function looksLikeIdentifier(name: string): boolean {
  return SNAKE_IDENTIFIER.test(name) || CAMEL_IDENTIFIER.test(name);
}

/** The checks one column's profile supports, in a fixed order: not_null, null_rate, unique, then value checks. */
export function columnSuggestions(context: SuggestionContext, column: ColumnProfile): Suggestion[] {
  const { profile, sure, inRows } = context;
  const out: Suggestion[] = [];
  const add = (...args: SuggestionArgs) => out.push(suggestion(context, ...args));
  const name = column.name;
  const nonNull = profile.profiledRows - column.nulls;

  if (column.nulls === 0)
    add({ check: 'not_null', column: name }, 'row', sure ? 'high' : 'medium', `0 NULLs ${inRows}`);
  else if (column.nullPercent <= FEW_NULLS_PERCENT) {
    const max = nullRateBound(column.nullPercent);
    const observed = `${formatCount(column.nulls)} NULLs ${inRows} (${formatPercent(column.nullPercent)})`;
    add({ check: 'null_rate', column: name, max }, 'aggregate', 'medium', `${observed}; at most ${max} % allowed`);
  }
  const key = profile.candidateKeys.some((columns) => columns.length === 1 && columns[0] === name);
  // Amounts and timestamps are often all different in a small table without being keys: their names must say so.
  const keyLike = column.kind === 'text' || INTEGER_TYPE.test(column.type.trim()) || looksLikeIdentifier(name);
  if (key && keyLike) {
    add(
      { check: 'unique', column: name },
      'aggregate',
      sure && looksLikeIdentifier(name) ? 'high' : 'medium',
      `${formatCount(column.distinct ?? 0)} distinct values and no NULL ${inRows}`,
    );
  }
  if (nonNull === 0 || column.masked) return out;

  if (column.kind === 'text') out.push(...textSuggestions(context, column, nonNull));
  if (column.kind === 'number' && typeof column.min === 'number' && typeof column.max === 'number') {
    // An identifier's range only says how many rows there were so far.
    if (!looksLikeIdentifier(name)) {
      const bounds = numberBounds(column.min, column.max, INTEGER_TYPE.test(column.type.trim()));
      add(
        { check: 'range', column: name, ...bounds },
        'row',
        'medium',
        `values from ${column.min} to ${column.max} ${inRows}; bounds widened by 10 % of the span`,
      );
    }
  }
  if (column.kind === 'temporal' && typeof column.min === 'string' && typeof column.max === 'string') {
    const min = dateLowerBound(column.min, column.max);
    add({ check: 'range', column: name, min }, 'row', 'medium', `earliest ${column.min} ${inRows}; bound at ${min}`);
    if (Date.parse(`${column.max.slice(0, 10)}T00:00:00Z`) <= Date.parse(profile.profiledAt)) {
      add(
        {
          check: 'custom_sql',
          id: `not_future.${idPart(name)}`,
          predicate: `CAST(${quote(name)} AS DATE) <= current_date`,
        },
        'row',
        'medium',
        `latest ${column.max} ${inRows}: none after ${profile.profiledAt.slice(0, 10)}, when the profile was taken`,
      );
    }
  }
  return out;
}

type SuggestionArgs = Parameters<typeof suggestion> extends [SuggestionContext, ...infer Rest] ? Rest : never;

/** type, regex, accepted_values or a length range for a text column: the most precise one that holds. */
function textSuggestions(context: SuggestionContext, column: ColumnProfile, nonNull: number): Suggestion[] {
  const { sure, inRows } = context;
  const name = column.name;
  const all = `all ${formatCount(nonNull)} non-NULL values ${inRows}`;
  const share = (pattern: string) => column.patterns.find((entry) => entry.pattern === pattern)?.share ?? 0;
  const casts = (type: string) => column.casts.find((entry) => entry.type === type)?.share === 1;
  const type = casts('BIGINT')
    ? 'BIGINT'
    : casts('DOUBLE')
      ? 'DOUBLE'
      : casts('DATE') && share('iso_date') === 1
        ? 'DATE'
        : casts('TIMESTAMP')
          ? 'TIMESTAMP'
          : undefined;
  if (type !== undefined) {
    return [
      suggestion(
        context,
        { check: 'type', column: name, type },
        'row',
        sure ? 'high' : 'medium',
        `${all} cast to ${type}`,
      ),
    ];
  }

  const values = column.topValues ?? [];
  if (
    column.distinct !== null &&
    !column.distinctApproximate &&
    column.distinct <= MAX_ACCEPTED_VALUES &&
    values.length === column.distinct &&
    (column.maxLength ?? 0) <= MAX_ACCEPTED_LENGTH
  ) {
    const listed = values.map((entry) => `${entry.value} (${formatCount(entry.count)})`).join(', ');
    const confident = sure && nonNull >= 5 * column.distinct;
    return [
      suggestion(
        context,
        { check: 'accepted_values', column: name, values: values.map((entry) => entry.value).sort() },
        'row',
        confident ? 'high' : 'medium',
        `${formatCount(column.distinct)} distinct values ${inRows}: ${listed}`,
      ),
    ];
  }

  // The most specific shape decides: every integer is also a decimal and, long enough, phone-like.
  const pattern = TEXT_PATTERNS.find((candidate) => share(candidate.name) >= PATTERN_SHARE);
  if (pattern !== undefined) {
    const observed = share(pattern.name);
    const matches = column.patterns.find((entry) => entry.pattern === pattern.name)!.matches;
    return [
      suggestion(
        context,
        {
          check: 'regex',
          column: name,
          pattern: pattern.regex,
          ...(observed < 1 ? { mostly: Math.floor(observed * 100) / 100 } : {}),
        },
        'row',
        observed === 1 && sure ? 'high' : 'medium',
        `${formatCount(matches)} of ${formatCount(nonNull)} non-NULL values (${formatPercent(observed * 100)}) ${inRows} look like ${pattern.label}`,
      ),
    ];
  }
  if (column.minLength !== null && column.minLength === column.maxLength) {
    const length = column.minLength;
    return [
      suggestion(
        context,
        { check: 'range', column: name, length: true, min: length, max: length },
        'row',
        'medium',
        `${all} are ${length} characters long`,
      ),
    ];
  }
  return [];
}

/** A column name as part of a check id: lower-case letters, digits and `_`, starting with a letter. */
function idPart(name: string): string {
  const cleaned = name.toLowerCase().replace(/[^a-z0-9_]+/g, '_');
  return /^[a-z]/.test(cleaned) ? cleaned : `c_${cleaned}`;
}

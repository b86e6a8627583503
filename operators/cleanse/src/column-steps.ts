import { quoteLiteral } from '@assay/sdk';
import type { StepSettings } from './step-config.ts';

/** What one step makes of a value: the new value's SQL and type, and when the row goes to quarantine instead. */
export interface StepSql {
  readonly value: string;
  readonly type: string;
  /** A condition on the value before the step (and the new value) under which the row is rejected. */
  readonly rejectWhen?: string;
  readonly reason?: string;
}

const DEFAULT_TRUE = ['yes', 'true', '1', 'y'];
const DEFAULT_FALSE = ['no', 'false', '0', 'n'];
const NUMERIC =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL)/;
const TEMPORAL = /^(DATE|TIMESTAMP)/;

/**
 * The SQL of one step applied to `value` (an expression of type `type`). Text steps read the value as VARCHAR;
 * steps that can fail say when (`rejectWhen`, never true for a NULL value: NULLs are the column's null handling's).
 */
export function stepSql(step: StepSettings, value: string, type: string, column: string): StepSql {
  const text = type === 'VARCHAR' ? value : `CAST(${value} AS VARCHAR)`;
  const notNull = `${value} IS NOT NULL`;
  switch (step.op) {
    case 'trim':
      return { value: `trim(${text})`, type: 'VARCHAR' };
    case 'case':
      return { value: caseSql(step.to, text), type: 'VARCHAR' };
    case 'regex_validate': {
      const match = `regexp_full_match(${text}, ${regexArgs(step.pattern, step.ignoreCase)})`;
      return {
        value,
        type,
        rejectWhen: `${notNull} AND NOT ${match}`,
        reason: `${column} does not match the pattern ${step.pattern}`,
      };
    }
    case 'regex_extract': {
      const matches = `regexp_matches(${text}, ${regexArgs(step.pattern, step.ignoreCase)})`;
      const args = `${quoteLiteral(step.pattern)}, ${step.group ?? 0}${step.ignoreCase === true ? `, 'i'` : ''}`;
      const extracted = { value: `CASE WHEN ${matches} THEN regexp_extract(${text}, ${args}) END`, type: 'VARCHAR' };
      if (step.onNoMatch !== 'reject') return extracted;
      return {
        ...extracted,
        rejectWhen: `${notNull} AND NOT ${matches}`,
        reason: `${column} does not contain a match of the pattern ${step.pattern}`,
      };
    }
    case 'phone_digits': {
      const digits = `nullif(regexp_replace(${text}, '[^0-9]', '', 'g'), '')`;
      if (step.minDigits === undefined && step.maxDigits === undefined) return { value: digits, type: 'VARCHAR' };
      const bounds = [
        step.minDigits === undefined ? [] : [`length(${digits}) < ${step.minDigits}`],
        step.maxDigits === undefined ? [] : [`length(${digits}) > ${step.maxDigits}`],
      ].flat();
      return {
        value: digits,
        type: 'VARCHAR',
        rejectWhen: `${notNull} AND coalesce(${bounds.join(' OR ')}, true)`,
        reason: `${column} does not have ${digitRange(step.minDigits, step.maxDigits)} digits`,
      };
    }
    case 'date': {
      const target = step.type === 'timestamp' ? 'TIMESTAMP' : 'DATE';
      if (TEMPORAL.test(type)) return { value: `CAST(${value} AS ${target})`, type: target };
      const parsed = `CAST(try_strptime(${text}, [${step.formats.map(quoteLiteral).join(', ')}]) AS ${target})`;
      return {
        value: parsed,
        type: target,
        rejectWhen: `${notNull} AND ${parsed} IS NULL`,
        reason: `${column} matches none of the formats ${step.formats.join(', ')}`,
      };
    }
    case 'boolean': {
      if (type === 'BOOLEAN') return { value, type };
      const word = `lower(trim(${text}))`;
      const trues = (step.trueValues ?? DEFAULT_TRUE).map((v) => quoteLiteral(v.trim().toLowerCase()));
      const falses = (step.falseValues ?? DEFAULT_FALSE).map((v) => quoteLiteral(v.trim().toLowerCase()));
      const parsed = `CASE WHEN ${word} IN (${trues.join(', ')}) THEN true WHEN ${word} IN (${falses.join(', ')}) THEN false END`;
      return {
        value: parsed,
        type: 'BOOLEAN',
        rejectWhen: `${notNull} AND ${parsed} IS NULL`,
        reason: `${column} is not a boolean (${[...trues, ...falses].map((v) => v.slice(1, -1)).join(', ')})`,
      };
    }
    case 'currency': {
      const scale = step.scale ?? 2;
      const target = `DECIMAL(${step.precision ?? 18}, ${scale})`;
      const amount = NUMERIC.test(type) ? value : amountText(text, step.decimalSeparator ?? '.');
      const rounded = `TRY_CAST(round(TRY_CAST(${amount} AS DECIMAL(38, 18)), ${scale}) AS ${target})`;
      return {
        value: rounded,
        type: target,
        rejectWhen: `${notNull} AND ${rounded} IS NULL`,
        reason: `${column} is not an amount that fits ${target}`,
      };
    }
    case 'map': {
      const branches = Object.entries(step.values).map(
        ([from, to]) => `WHEN ${text} = ${quoteLiteral(from)} THEN ${to === null ? 'NULL' : quoteLiteral(to)}`,
      );
      const otherwise = step.default === undefined ? text : step.default === null ? 'NULL' : quoteLiteral(step.default);
      return {
        value: `CAST(CASE WHEN ${value} IS NULL THEN NULL ${branches.join(' ')} ELSE ${otherwise} END AS VARCHAR)`,
        type: 'VARCHAR',
      };
    }
  }
}

function caseSql(to: 'upper' | 'lower' | 'title', text: string): string {
  if (to === 'upper') return `upper(${text})`;
  if (to === 'lower') return `lower(${text})`;
  // Each space-separated word: its first letter upper case, the rest lower case.
  return (
    `array_to_string(list_transform(string_split(lower(${text}), ' '), ` +
    `lambda cleanse_word: upper(left(cleanse_word, 1)) || substr(cleanse_word, 2)), ' ')`
  );
}

/** The pattern (and the case-insensitive option) as arguments of DuckDB's regexp functions. */
export function regexArgs(pattern: string, ignoreCase: boolean | undefined): string {
  return ignoreCase === true ? `${quoteLiteral(pattern)}, 'i'` : quoteLiteral(pattern);
}

/** A text amount reduced to digits, one decimal point and a minus sign (symbols, codes and separators dropped). */
function amountText(text: string, decimalSeparator: '.' | ','): string {
  const kept = `regexp_replace(${text}, '[^0-9${decimalSeparator}-]', '', 'g')`;
  return decimalSeparator === '.' ? kept : `replace(${kept}, ',', '.')`;
}

function digitRange(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return min === max ? `${min}` : `${min} to ${max}`;
  return min !== undefined ? `at least ${min}` : `at most ${max}`;
}

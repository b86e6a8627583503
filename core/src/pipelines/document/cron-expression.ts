/** The times a cron expression selects, each field as the sorted values it allows. */
export interface CronSchedule {
  /** `[0]` for a five-field expression. */
  readonly seconds: readonly number[];
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  /** 1-31 */
  readonly daysOfMonth: readonly number[];
  /** 1-12 */
  readonly months: readonly number[];
  /** 0-6, Sunday is 0 (a written 7 is Sunday too). */
  readonly daysOfWeek: readonly number[];
  /**
   * Whether the day fields were written as something other than `*`. As in Vixie cron, when both are restricted
   * a day matching either runs; when one is `*`, only the other decides.
   */
  readonly daysOfMonthRestricted: boolean;
  readonly daysOfWeekRestricted: boolean;
}

interface Field {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** The first value `names` stands for. */
  readonly namesFrom?: number;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const SECONDS: Field = { name: 'second', min: 0, max: 59 };
const FIELDS: readonly Field[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, namesFrom: 1 },
  { name: 'day of week', min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'], namesFrom: 0 },
];
/** February counts 29: a schedule for the 29th runs in leap years. */
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

class CronError extends Error {}

/**
 * Parses a standard five-field cron expression (`minute hour day-of-month month day-of-week`), or six fields with
 * seconds first (as the scheduler takes them), strictly: each field is a list of `*`, `n`, `a-b`, with an optional
 * `/step`; months and weekdays may be names (`JAN`, `MON-FRI`). Quartz extensions (`?`, `L`, `W`, `#`) and `@daily`
 * macros are refused, as is a day that never occurs (`0 0 30 2 *`). The error is a reason to show after the
 * expression.
 *
 * @example
 * ```ts
 * const parsed = parseCron('0 6 * * MON-FRI');
 * if ('error' in parsed) throw new Error(parsed.error);
 * parsed.schedule.daysOfWeek; // [1, 2, 3, 4, 5]
 * ```
 */
export function parseCron(expression: string): { schedule: CronSchedule } | { error: string } {
  try {
    return { schedule: parse(expression) };
  } catch (error) {
    if (error instanceof CronError) return { error: error.message };
    throw error;
  }
}

function parse(expression: string): CronSchedule {
  const text = expression.trim();
  if (text.startsWith('@'))
    throw new CronError(
      `macros such as ${text.split(/\s/)[0]} are not supported: write the five fields, e.g. "0 0 * * *"`,
    );
  const all = text === '' ? [] : text.split(/\s+/);
  if (all.length !== 5 && all.length !== 6) {
    throw new CronError(
      `expected 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first, got ${all.length}`,
    );
  }
  const seconds = all.length === 6 ? parseField(all[0]!, SECONDS) : [0];
  const parts = all.slice(all.length - 5);
  const [minutes, hours, daysOfMonth, months, rawDaysOfWeek] = parts.map((part, index) =>
    parseField(part, FIELDS[index]!),
  );
  const daysOfWeek = [...new Set(rawDaysOfWeek!.map((day) => day % 7))].sort((a, b) => a - b);
  const schedule: CronSchedule = {
    seconds,
    minutes: minutes!,
    hours: hours!,
    daysOfMonth: daysOfMonth!,
    months: months!,
    daysOfWeek,
    daysOfMonthRestricted: !parts[2]!.startsWith('*'),
    daysOfWeekRestricted: !parts[4]!.startsWith('*'),
  };
  const dayOccurs = schedule.months.some((month) =>
    schedule.daysOfMonth.some((day) => day <= DAYS_IN_MONTH[month - 1]!),
  );
  if (schedule.daysOfMonthRestricted && !schedule.daysOfWeekRestricted && !dayOccurs) {
    const monthNames = schedule.months.map((month) => MONTHS[month - 1]).join(',');
    throw new CronError(`never runs: day ${schedule.daysOfMonth.join(',')} does not occur in ${monthNames}`);
  }
  return schedule;
}

function parseField(text: string, field: Field): number[] {
  const values = new Set<number>();
  for (const item of text.split(',')) {
    if (item === '') throw new CronError(`the ${field.name} field "${text}" has an empty list item`);
    const [range, step, extra] = item.split('/');
    if (extra !== undefined) throw new CronError(`"${item}" in the ${field.name} field has two steps`);
    // `*` on weekdays is 0-6: 7 is only another way to write Sunday.
    const top = field.name === 'day of week' ? 6 : field.max;
    let from: number;
    let to: number;
    if (range === '*') [from, to] = [field.min, top];
    else if (range!.includes('-')) {
      const [low, high, more] = range!.split('-');
      if (more !== undefined) throw new CronError(`"${range}" in the ${field.name} field is not a range a-b`);
      [from, to] = [value(low!, field), value(high!, field)];
      if (from > to) throw new CronError(`range ${range} in the ${field.name} field goes backwards`);
    } else [from, to] = [value(range!, field), step === undefined ? value(range!, field) : top];
    let every = 1;
    if (step !== undefined) {
      if (!/^\d+$/.test(step) || Number(step) < 1) {
        throw new CronError(`step "${step}" in the ${field.name} field must be a whole number from 1`);
      }
      every = Number(step);
      if (every > top - field.min) {
        throw new CronError(`step ${every} in the ${field.name} field is larger than its range ${field.min}-${top}`);
      }
    }
    for (let current = from; current <= to; current += every) values.add(current);
  }
  return [...values].sort((a, b) => a - b);
}

function value(token: string, field: Field): number {
  const named = field.names?.indexOf(token.toUpperCase()) ?? -1;
  if (named >= 0) return named + field.namesFrom!;
  const names = field.names === undefined ? '' : ` or ${field.names[0]}-${field.names.at(-1)}`;
  if (!/^\d+$/.test(token))
    throw new CronError(`"${token}" is not a ${field.name} (${field.min}-${field.max}${names})`);
  const number = Number(token);
  if (number < field.min || number > field.max) {
    throw new CronError(`${field.name} ${number} is out of range ${field.min}-${field.max}`);
  }
  return number;
}

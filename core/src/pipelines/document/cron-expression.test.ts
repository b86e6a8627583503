import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseCron, type CronSchedule } from './cron-expression.ts';

function schedule(expression: string): CronSchedule {
  const parsed = parseCron(expression);
  if ('error' in parsed) assert.fail(`${expression}: ${parsed.error}`);
  return parsed.schedule;
}

function reason(expression: string): string {
  const parsed = parseCron(expression);
  if (!('error' in parsed)) assert.fail(`${expression} should be refused`);
  return parsed.error;
}

describe('parseCron', () => {
  test('expands values, ranges, lists and steps', () => {
    const parsed = schedule('*/15 6-8,20 1,15 */3 *');
    assert.deepEqual(parsed.minutes, [0, 15, 30, 45]);
    assert.deepEqual(parsed.hours, [6, 7, 8, 20]);
    assert.deepEqual(parsed.daysOfMonth, [1, 15]);
    assert.deepEqual(parsed.months, [1, 4, 7, 10]);
    assert.deepEqual(parsed.daysOfWeek, [0, 1, 2, 3, 4, 5, 6]);
    assert.equal(parsed.daysOfMonthRestricted, true);
    assert.equal(parsed.daysOfWeekRestricted, false);
    assert.deepEqual(schedule('0 0-23/6 * * *').hours, [0, 6, 12, 18]);
    assert.deepEqual(schedule('5/20 * * * *').minutes, [5, 25, 45], 'a/step runs from a to the end');
  });

  test('takes six fields with seconds first, as the scheduler does', () => {
    const parsed = schedule('*/20 0 6 * * *');
    assert.deepEqual(parsed.seconds, [0, 20, 40]);
    assert.deepEqual(parsed.minutes, [0]);
    assert.deepEqual(parsed.hours, [6]);
    assert.deepEqual(schedule('0 6 * * *').seconds, [0], 'five fields run at second 0');
  });

  test('reads month and weekday names in any case; 7 is Sunday', () => {
    const parsed = schedule('  0 6 * jan,Mar-MAY mon-fri  ');
    assert.deepEqual(parsed.months, [1, 3, 4, 5]);
    assert.deepEqual(parsed.daysOfWeek, [1, 2, 3, 4, 5]);
    assert.equal(parsed.daysOfWeekRestricted, true);
    assert.deepEqual(schedule('0 0 * * 5-7').daysOfWeek, [0, 5, 6]);
    assert.deepEqual(schedule('0 0 29 2 *').daysOfMonth, [29], 'leap days happen');
  });

  test('refuses malformed expressions with a reason', () => {
    const cases: Array<[string, RegExp]> = [
      ['0 6 * *', /expected 5 fields \(minute hour day-of-month month day-of-week\), or 6 with seconds first, got 4/],
      ['0 0 0 6 * * *', /got 7/],
      ['60 0 6 * * *', /second 60 is out of range 0-59/],
      ['', /got 0/],
      ['@daily', /macros such as @daily are not supported/],
      ['60 * * * *', /minute 60 is out of range 0-59/],
      ['0 24 * * *', /hour 24 is out of range 0-23/],
      ['0 0 0 * *', /day of month 0 is out of range 1-31/],
      ['0 0 * 13 *', /month 13 is out of range 1-12/],
      ['0 0 * * 8', /day of week 8 is out of range 0-7/],
      ['0 0 ? * MON', /"\?" is not a day of month \(1-31\)/],
      ['0 0 L * *', /"L" is not a day of month/],
      ['0 0 * * MON#2', /"MON#2" is not a day of week \(0-7 or SUN-SAT\)/],
      ['0 0 * JANUARY *', /"JANUARY" is not a month \(1-12 or JAN-DEC\)/],
      ['0 0 * * JAN', /"JAN" is not a day of week/],
      ['5-1 * * * *', /range 5-1 in the minute field goes backwards/],
      ['*/0 * * * *', /step "0" in the minute field must be a whole number from 1/],
      ['*/60 * * * *', /step 60 in the minute field is larger than its range 0-59/],
      ['1/2/3 * * * *', /has two steps/],
      ['1,,2 * * * *', /has an empty list item/],
      ['1-2-3 * * * *', /is not a range a-b/],
      ['0 0 30 2 *', /never runs: day 30 does not occur in FEB/],
      ['0 0 31 4,6 *', /never runs: day 31 does not occur in APR,JUN/],
    ];
    for (const [expression, pattern] of cases) assert.match(reason(expression), pattern, expression);
  });

  test('a day that does not occur is fine when weekdays also select days', () => {
    assert.deepEqual(schedule('0 0 30 2 MON').daysOfWeek, [1]);
  });
});

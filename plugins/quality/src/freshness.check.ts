import { defineCheck, Type } from '@assay/sdk';
import { checkConfigError } from './check-config-error.ts';
import { findColumn } from './find-column.ts';

/** DATE and every TIMESTAMP type (`TIMESTAMP`, `TIMESTAMP_NS`, `TIMESTAMP WITH TIME ZONE`): what `epoch` reads. */
const TIME_TYPE = /^(DATE|TIMESTAMP(_S|_MS|_NS)?( WITH TIME ZONE)?|TIMESTAMPTZ)$/i;

/**
 * `freshness`: the newest value of `column` (after `where`) is at most `maxLagMinutes` older than the time of the
 * observation. The observed value is the lag in minutes; an empty table has no newest value and fails.
 */
export const freshnessCheck = defineCheck({
  type: 'freshness',
  version: 1,
  title: 'Freshness',
  description:
    'The newest value of a date or timestamp column is at most maxLagMinutes old when the check runs; ' +
    'timestamps without a time zone count as UTC, a date as its midnight UTC; an empty table fails',
  config: Type.Object(
    {
      column: Type.String({ minLength: 1, description: 'The event time: a DATE or TIMESTAMP column' }),
      maxLagMinutes: Type.Number({ minimum: 0, description: 'The oldest the newest value may be, in minutes' }),
    },
    { additionalProperties: false },
  ),
  ui: { widgets: { column: 'column' }, placeholders: { maxLagMinutes: '1440' } },
  compile: (ctx, config) => {
    const column = findColumn(ctx.columns, config.column);
    if (ctx.columns.length > 0 && column === undefined) {
      throw checkConfigError('freshness', `column "${config.column}" is not in the dataset`, {
        column: config.column,
      });
    }
    if (column !== undefined && !TIME_TYPE.test(column.type)) {
      throw checkConfigError(
        'freshness',
        `column "${config.column}" is ${column.type}: freshness needs a DATE or TIMESTAMP column (cast it upstream)`,
        { column: config.column, type: column.type },
      );
    }
    // The time of the observation is compiled in as a literal, not now(), so a run (and a test) is deterministic.
    const now = ctx.now.getTime() / 1000;
    return {
      kind: 'aggregate',
      expression: `((${now}::DOUBLE - epoch(max(${ctx.quote(config.column)}))) / 60)::DOUBLE`,
      max: config.maxLagMinutes,
    };
  },
});

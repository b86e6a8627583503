import { defineCheck, Type } from '@assay/sdk';
import { checkConfigError } from './check-config-error.ts';
import { nullPercent } from './null-percent.ts';

/**
 * `null_rate`: at most `max` percent of the rows (after `where`) have NULL in `column`, and/or the share rises at
 * most `maxSpike` percentage points above the median of the last `window` runs; an empty table has 0 %.
 */
export const nullRateCheck = defineCheck({
  type: 'null_rate',
  version: 1,
  title: 'Null rate',
  description:
    'The percentage of rows whose column is NULL is at most max, and/or at most maxSpike points above the median ' +
    'of the last runs; an empty table counts as 0 %',
  config: Type.Object(
    {
      column: Type.String({ minLength: 1, description: 'The column whose NULLs are counted' }),
      max: Type.Optional(
        Type.Number({ minimum: 0, maximum: 100, description: 'The highest share of NULLs that passes, in percent' }),
      ),
      maxSpike: Type.Optional(
        Type.Number({
          minimum: 0,
          maximum: 100,
          description: 'The most percentage points the share may rise above the median of the last runs',
        }),
      ),
      window: Type.Optional(
        Type.Integer({ minimum: 1, description: 'How many earlier runs the spike baseline takes (default 7)' }),
      ),
    },
    { additionalProperties: false },
  ),
  ui: {
    order: ['column', 'max', 'maxSpike', 'window'],
    widgets: { column: 'column' },
    placeholders: { max: '5', maxSpike: '2', window: '7' },
    help: { maxSpike: 'Give max, maxSpike or both' },
  },
  compile: (ctx, config) => {
    if (config.max === undefined && config.maxSpike === undefined) {
      throw checkConfigError('null_rate', 'give max, maxSpike or both');
    }
    if (config.window !== undefined && config.maxSpike === undefined) {
      throw checkConfigError('null_rate', 'window is the baseline of maxSpike: give maxSpike too');
    }
    return {
      kind: 'aggregate',
      expression: nullPercent(ctx.quote(config.column)),
      min: 0,
      ...(config.max === undefined ? {} : { max: config.max }),
      ...(config.maxSpike === undefined
        ? {}
        : {
            history: { method: 'spike', baseline: { rolling: config.window ?? 7 }, maxAbove: config.maxSpike },
          }),
    };
  },
});

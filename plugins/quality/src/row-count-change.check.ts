import { defineCheck, Type } from '@assay/sdk';
import { checkConfigError } from './check-config-error.ts';

/**
 * `row_count_change`: the number of rows (after `where`) changes by at most `maxIncreasePercent` up and
 * `maxDecreasePercent` down against the previous run's count, or against the median of the last `window` runs.
 */
export const rowCountChangeCheck = defineCheck({
  type: 'row_count_change',
  version: 1,
  title: 'Row count change',
  description:
    'The row count changes by at most the given percentages against the previous run or the median of the last ' +
    'runs; the first run has nothing to compare with and passes',
  config: Type.Object(
    {
      maxIncreasePercent: Type.Optional(
        Type.Number({ minimum: 0, description: 'The largest increase that passes, in percent of the baseline' }),
      ),
      maxDecreasePercent: Type.Optional(
        Type.Number({
          minimum: 0,
          maximum: 100,
          description: 'The largest decrease that passes, in percent of the baseline',
        }),
      ),
      baseline: Type.Optional(
        Type.Union([Type.Literal('previous'), Type.Literal('rolling')], {
          description: 'Compare with the previous run (default) or the median of the last window runs',
        }),
      ),
      window: Type.Optional(
        Type.Integer({ minimum: 1, description: 'How many earlier runs the rolling baseline takes (default 7)' }),
      ),
    },
    { additionalProperties: false },
  ),
  ui: {
    order: ['maxDecreasePercent', 'maxIncreasePercent', 'baseline', 'window'],
    placeholders: { maxDecreasePercent: '20', maxIncreasePercent: '50', window: '7' },
    show: { window: { baseline: ['rolling'] } },
    help: { maxDecreasePercent: 'Give maxDecreasePercent, maxIncreasePercent or both' },
  },
  compile: (_ctx, config) => {
    const { maxIncreasePercent, maxDecreasePercent } = config;
    if (maxIncreasePercent === undefined && maxDecreasePercent === undefined) {
      throw checkConfigError('row_count_change', 'give maxIncreasePercent, maxDecreasePercent or both');
    }
    if (config.window !== undefined && config.baseline !== 'rolling') {
      throw checkConfigError('row_count_change', 'window is the size of a rolling baseline: set baseline: rolling', {
        window: config.window,
      });
    }
    return {
      kind: 'aggregate',
      expression: 'count(*)',
      history: {
        method: 'change',
        baseline: config.baseline === 'rolling' ? { rolling: config.window ?? 7 } : 'previous',
        ...(maxIncreasePercent === undefined ? {} : { maxIncreasePercent }),
        ...(maxDecreasePercent === undefined ? {} : { maxDecreasePercent }),
      },
    };
  },
});

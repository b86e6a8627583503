import { defineColumnStatisticCheck } from './column-statistic.ts';

/**
 * `stddev`: the sample standard deviation of `column` lies between `min` and `max`; with fewer than two non-NULL values
 * there is none and it fails.
 */
export const stddevCheck = defineColumnStatisticCheck({
  type: 'stddev',
  title: 'Standard deviation between',
  description:
    'The sample standard deviation of the column (NULLs ignored) lies between min and max; fails with fewer than two values',
  aggregate: (column) => `stddev_samp(${column})`,
});

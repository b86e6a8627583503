import { defineColumnStatisticCheck } from './column-statistic.ts';

/** `sum`: the sum of `column` lies between `min` and `max`; no values sum to 0. */
export const sumCheck = defineColumnStatisticCheck({
  type: 'sum',
  title: 'Sum between',
  description: 'The sum of the column (NULLs ignored) lies between min and max; an empty table sums to 0',
  aggregate: (column) => `coalesce(sum(${column}), 0)`,
});

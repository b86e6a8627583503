import { defineColumnStatisticCheck } from './column-statistic.ts';

/** `mean`: the average of `column` lies between `min` and `max`; with no non-NULL value there is no mean and it fails. */
export const meanCheck = defineColumnStatisticCheck({
  type: 'mean',
  title: 'Mean between',
  description:
    'The average of the column (NULLs ignored) lies between min and max; fails when there is no value to average',
  aggregate: (column) => `avg(${column})`,
});

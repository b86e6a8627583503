import { defineCheck, Type, type CheckDefinition, type TObject } from '@assay/sdk';
import { boundedAggregate, boundsSchema } from './aggregate-bounds.ts';

/** What varies between the `mean`, `stddev` and `sum` checks. */
interface ColumnStatistic {
  readonly type: string;
  readonly title: string;
  readonly description: string;
  /** The aggregate over the quoted column. */
  aggregate(column: string): string;
}

/** A check that a statistic of a numeric column (NULLs ignored, after `where`) lies between `min` and `max`. */
export function defineColumnStatisticCheck(statistic: ColumnStatistic): CheckDefinition<TObject> {
  return defineCheck({
    type: statistic.type,
    version: 1,
    title: statistic.title,
    description: statistic.description,
    config: Type.Object(
      { column: Type.String({ minLength: 1, description: 'The numeric column' }), ...boundsSchema },
      { additionalProperties: false },
    ),
    ui: { widgets: { column: 'column' } },
    compile: (ctx, config) =>
      boundedAggregate(statistic.type, `(${statistic.aggregate(ctx.quote(config.column))})::DOUBLE`, config),
  }) as unknown as CheckDefinition<TObject>;
}

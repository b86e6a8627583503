import { defineCheck, Type } from '@assay/sdk';

/** `null_rate`: at most `max` percent of the rows (after `where`) have NULL in `column`; an empty table has 0 %. */
export const nullRateCheck = defineCheck({
  type: 'null_rate',
  version: 1,
  title: 'Null rate',
  description: 'The percentage of rows whose column is NULL is at most max; an empty table counts as 0 %',
  config: Type.Object(
    {
      column: Type.String({ minLength: 1, description: 'The column whose NULLs are counted' }),
      max: Type.Number({ minimum: 0, maximum: 100, description: 'The highest share of NULLs that passes, in percent' }),
    },
    { additionalProperties: false },
  ),
  ui: { widgets: { column: 'column' }, placeholders: { max: '5' } },
  compile: (ctx, config) => ({
    kind: 'aggregate',
    expression: `coalesce(100.0 * count(*) FILTER (WHERE ${ctx.quote(config.column)} IS NULL) / nullif(count(*), 0), 0)::DOUBLE`,
    min: 0,
    max: config.max,
  }),
});

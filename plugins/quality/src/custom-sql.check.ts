import { defineCheck, Type } from '@assay/sdk';
import { boundedAggregate, boundsSchema } from './aggregate-bounds.ts';
import { checkConfigError } from './check-config-error.ts';

/**
 * `custom_sql`: a DuckDB `predicate` every row must meet (NULL passes), or an aggregate `expression` over the dataset
 * that must lie between `min` and `max`. The SQL is used as written, inside the check's query over the dataset.
 */
export const customSqlCheck = defineCheck({
  type: 'custom_sql',
  version: 1,
  title: 'Custom SQL',
  description:
    'A row predicate or an aggregate expression in DuckDB SQL, used as written over the dataset (columns by name)',
  config: Type.Object(
    {
      predicate: Type.Optional(
        Type.String({
          minLength: 1,
          description:
            'A boolean SQL expression over one row, used as written: rows for which it is false fail (NULL passes)',
        }),
      ),
      expression: Type.Optional(
        Type.String({
          minLength: 1,
          description:
            'An aggregate SQL expression over the dataset, used as written, e.g. count(DISTINCT customer_id)',
        }),
      ),
      ...boundsSchema,
    },
    { additionalProperties: false },
  ),
  ui: {
    order: ['predicate', 'expression', 'min', 'max'],
    widgets: { predicate: 'sql-predicate', expression: 'sql-aggregate' },
    placeholders: { predicate: 'shipped_at >= ordered_at', expression: 'sum(amount) / count(*)' },
    help: { predicate: 'Give either a predicate, or an expression with min and/or max' },
  },
  compile: (_ctx, config) => {
    const { predicate, expression } = config;
    if ((predicate === undefined) === (expression === undefined)) {
      throw checkConfigError('custom_sql', 'give either predicate or expression (not both)');
    }
    if (predicate !== undefined) {
      if (config.min !== undefined || config.max !== undefined) {
        throw checkConfigError('custom_sql', 'min and max go with an expression, not with a predicate');
      }
      return { kind: 'row', predicate };
    }
    return boundedAggregate('custom_sql', expression!, config);
  },
});

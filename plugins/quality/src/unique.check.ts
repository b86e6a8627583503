import { defineCheck, Type } from '@assay/sdk';
import { checkConfigError } from './check-config-error.ts';

/**
 * `unique`: no two rows share a key (one column or several). Observes the number of rows whose key occurs more than
 * once (two rows with the same key count 2) and passes at 0. As in SQL UNIQUE constraints, a row with NULL in any key
 * column has no key and never counts as a duplicate; add `not_null` to refuse those.
 */
export const uniqueCheck = defineCheck({
  type: 'unique',
  version: 1,
  title: 'Unique',
  description:
    'Counts the rows whose key (one or several columns) occurs more than once; passes at 0. Rows with NULL in a key column are not counted (use not_null for them)',
  config: Type.Object(
    {
      column: Type.Optional(Type.String({ minLength: 1, description: 'The key column, for a one-column key' })),
      columns: Type.Optional(
        Type.Array(Type.String({ minLength: 1 }), {
          minItems: 1,
          uniqueItems: true,
          description: 'The key columns, for a key of several columns',
        }),
      ),
    },
    { additionalProperties: false },
  ),
  ui: {
    widgets: { column: 'column', columns: 'columns' },
    help: { columns: 'Give either column or columns' },
  },
  compile: (ctx, config) => {
    if ((config.column === undefined) === (config.columns === undefined)) {
      throw checkConfigError('unique', 'give either column or columns (not both)');
    }
    const keys = (config.columns ?? [config.column!]).map((column) => ctx.quote(column));
    const key = `struct_pack(${keys.map((column, index) => `k${index} := ${column}`).join(', ')})`;
    const complete = keys.map((column) => `${column} IS NOT NULL`).join(' AND ');
    // histogram counts each key's rows in one pass; summing the counts above 1 gives the rows with a repeated key.
    const counts = `map_values(histogram(${key}) FILTER (WHERE ${complete}))`;
    return {
      kind: 'aggregate',
      expression: `coalesce(list_sum(list_filter(${counts}, n -> n > 1)), 0)`,
      max: 0,
    };
  },
});

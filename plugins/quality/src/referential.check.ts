import { defineCheck, quoteRelation, Type } from '@assay/sdk';
import { checkConfigError } from './check-config-error.ts';

/**
 * `referential`: every value of `column` exists in `key` of another dataset of the session (`layer.name`); NULL
 * passes. NULL keys in the other dataset are left out, so they cannot turn a missing value into an unknown.
 */
export const referentialCheck = defineCheck({
  type: 'referential',
  version: 1,
  title: 'Exists in another dataset',
  description: "Fails each row whose column's value is not a key of the other dataset (layer.name); NULL passes",
  config: Type.Object(
    {
      column: Type.String({ minLength: 1, description: 'The column holding the references' }),
      dataset: Type.String({
        pattern: '^[^.]+\\.[^.]+$',
        description: 'The referenced dataset as layer.name, e.g. silver.customers',
      }),
      key: Type.String({ minLength: 1, description: 'The referenced key column in that dataset' }),
    },
    { additionalProperties: false },
  ),
  ui: {
    widgets: { column: 'column', dataset: 'dataset' },
    placeholders: { dataset: 'silver.customers', key: 'customer_id' },
  },
  compile: (ctx, config) => {
    if (!/^[^.]+\.[^.]+$/.test(config.dataset)) {
      throw checkConfigError('referential', `dataset "${config.dataset}" is not layer.name`, {
        dataset: config.dataset,
      });
    }
    const key = ctx.quote(config.key);
    return {
      kind: 'row',
      predicate: `${ctx.quote(config.column)} IN (SELECT ${key} FROM ${quoteRelation(config.dataset)} WHERE ${key} IS NOT NULL)`,
    };
  },
});

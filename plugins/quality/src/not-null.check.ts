import { defineCheck, Type } from '@assay/sdk';

/** `not_null`: every row has a value in `column`. */
export const notNullCheck = defineCheck({
  type: 'not_null',
  version: 1,
  title: 'Not null',
  description: 'Fails each row whose column is NULL',
  config: Type.Object(
    { column: Type.String({ minLength: 1, description: 'The column that must have a value' }) },
    { additionalProperties: false },
  ),
  ui: { widgets: { column: 'column' } },
  compile: (ctx, config) => ({ kind: 'row', predicate: `${ctx.quote(config.column)} IS NOT NULL` }),
});

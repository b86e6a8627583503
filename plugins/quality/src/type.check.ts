import { defineCheck, isSqlTypeName, Type } from '@assay/sdk';
import { checkConfigError } from './check-config-error.ts';

/** `type`: every value of `column` casts to the DuckDB type `type` (`TRY_CAST`); NULL passes. */
export const typeCheck = defineCheck({
  type: 'type',
  version: 1,
  title: 'Castable to a type',
  description: 'Fails each row whose column does not cast to the DuckDB type (TRY_CAST gives NULL); NULL passes',
  config: Type.Object(
    {
      column: Type.String({ minLength: 1, description: 'The column to check' }),
      type: Type.String({
        minLength: 1,
        description: 'A DuckDB type name: BIGINT, DOUBLE, DATE, TIMESTAMP, DECIMAL(18,2), BOOLEAN, ...',
      }),
    },
    { additionalProperties: false },
  ),
  ui: { widgets: { column: 'column' }, placeholders: { type: 'DATE' } },
  compile: (ctx, config) => {
    if (!isSqlTypeName(config.type)) {
      throw checkConfigError('type', `"${config.type}" is not a DuckDB type name such as BIGINT or DECIMAL(18,2)`, {
        type: config.type,
      });
    }
    const column = ctx.quote(config.column);
    return { kind: 'row', predicate: `TRY_CAST(${column} AS ${config.type.trim()}) IS NOT NULL OR ${column} IS NULL` };
  },
});

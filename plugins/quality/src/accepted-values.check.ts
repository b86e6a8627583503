import { defineCheck, quoteLiteral, Type } from '@assay/sdk';
import { checkConfigError } from './check-config-error.ts';

/** `accepted_values`: `column` holds one of `values`; NULL passes (use `not_null` for it). */
export const acceptedValuesCheck = defineCheck({
  type: 'accepted_values',
  version: 1,
  title: 'Accepted values',
  description: 'Fails each row whose column holds a value not in the list; NULL passes',
  config: Type.Object(
    {
      column: Type.String({ minLength: 1, description: 'The column to check' }),
      values: Type.Array(Type.Union([Type.String(), Type.Number(), Type.Boolean()]), {
        minItems: 1,
        description: 'The values the column may hold: strings, numbers or booleans',
      }),
    },
    { additionalProperties: false },
  ),
  ui: { widgets: { column: 'column' }, placeholders: { values: 'open, shipped, cancelled' } },
  compile: (ctx, config) => {
    if (config.values.length === 0) throw checkConfigError('accepted_values', 'values must list at least one value');
    const literals = config.values.map((value) => {
      if (typeof value === 'string') return quoteLiteral(value);
      if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
      if (!Number.isFinite(value)) throw checkConfigError('accepted_values', `${value} is not a finite number`);
      return String(value);
    });
    return { kind: 'row', predicate: `${ctx.quote(config.column)} IN (${literals.join(', ')})` };
  },
});

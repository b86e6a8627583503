import { defineCheck, quoteLiteral, Type } from '@assay/sdk';
import { checkConfigError } from './check-config-error.ts';

const ISO_DATE = '^\\d{4}-\\d{2}-\\d{2}$';
const ISO_TIMESTAMP = '^\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?$';

const bound = (which: string) =>
  Type.Optional(
    Type.Union([Type.Number(), Type.String({ pattern: ISO_DATE }), Type.String({ pattern: ISO_TIMESTAMP })], {
      description: `The ${which} bound: a number, or an ISO date (2024-01-31) or timestamp (2024-01-31T08:00:00)`,
    }),
  );

/**
 * `range`: `column` (or its length with `length: true`) lies within `min` and `max`, each optional and inclusive
 * unless `exclusiveMin`/`exclusiveMax`; bounds are numbers, or ISO dates/timestamps for date columns. NULL passes.
 */
export const rangeCheck = defineCheck({
  type: 'range',
  version: 1,
  title: 'Within a range',
  description:
    'Fails each row whose column (a number, a date, or with length: true the length of a string) lies outside min..max; NULL passes',
  config: Type.Object(
    {
      column: Type.String({ minLength: 1, description: 'The column to check' }),
      min: bound('lower'),
      max: bound('upper'),
      exclusiveMin: Type.Optional(
        Type.Boolean({ description: 'The value must be above min, not equal (default false)' }),
      ),
      exclusiveMax: Type.Optional(
        Type.Boolean({ description: 'The value must be below max, not equal (default false)' }),
      ),
      length: Type.Optional(
        Type.Boolean({ description: "Check the string's length in characters instead of the value (default false)" }),
      ),
    },
    { additionalProperties: false },
  ),
  ui: {
    order: ['column', 'min', 'exclusiveMin', 'max', 'exclusiveMax', 'length'],
    widgets: { column: 'column' },
    placeholders: { min: '0', max: '100' },
  },
  compile: (ctx, config) => {
    const { min, max } = config;
    if (min === undefined && max === undefined) throw checkConfigError('range', 'give min, max or both');
    if (min !== undefined && max !== undefined && typeof min !== typeof max) {
      throw checkConfigError('range', 'min and max must both be numbers or both be dates', { min, max });
    }
    if (config.length === true && (typeof min === 'string' || typeof max === 'string')) {
      throw checkConfigError('range', 'a length is bounded by numbers, not dates', { min, max });
    }
    if (min !== undefined && max !== undefined && min > max) {
      throw checkConfigError('range', `min (${min}) is above max (${max})`, { min, max });
    }
    const value = config.length === true ? `length(${ctx.quote(config.column)})` : ctx.quote(config.column);
    const conditions = [
      ...(min === undefined ? [] : [`${value} ${config.exclusiveMin === true ? '>' : '>='} ${literal(min)}`]),
      ...(max === undefined ? [] : [`${value} ${config.exclusiveMax === true ? '<' : '<='} ${literal(max)}`]),
    ];
    return { kind: 'row', predicate: conditions.join(' AND ') };
  },
});

function literal(bound: number | string): string {
  if (typeof bound === 'number') {
    if (!Number.isFinite(bound)) throw checkConfigError('range', `${bound} is not a finite number`);
    return String(bound);
  }
  if (new RegExp(ISO_DATE).test(bound)) return `DATE ${quoteLiteral(bound)}`;
  if (new RegExp(ISO_TIMESTAMP).test(bound)) return `TIMESTAMP ${quoteLiteral(bound)}`;
  throw checkConfigError('range', `"${bound}" is neither a number nor an ISO date or timestamp`, { bound });
}

import { Type, type CompiledCheck } from '@assay/sdk';
import { checkConfigError } from './check-config-error.ts';

/** The optional inclusive `min` and `max` an aggregate check's value must lie within. */
export const boundsSchema = {
  min: Type.Optional(Type.Number({ description: 'The smallest value that passes (inclusive)' })),
  max: Type.Optional(Type.Number({ description: 'The largest value that passes (inclusive)' })),
};

/**
 * An aggregate check of `expression` with the config's bounds; refuses a config without any bound (it could never
 * fail) or with `min` above `max` (it could never pass).
 */
export function boundedAggregate(
  check: string,
  expression: string,
  bounds: { readonly min?: number | undefined; readonly max?: number | undefined },
): CompiledCheck {
  const { min, max } = bounds;
  if (min === undefined && max === undefined) throw checkConfigError(check, 'give min, max or both');
  if (min !== undefined && max !== undefined && min > max) {
    throw checkConfigError(check, `min (${min}) is above max (${max})`, { min, max });
  }
  return {
    kind: 'aggregate',
    expression,
    ...(min === undefined ? {} : { min }),
    ...(max === undefined ? {} : { max }),
  };
}

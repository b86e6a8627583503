import { defineCheck, Type } from '@assay/sdk';
import { boundedAggregate } from './aggregate-bounds.ts';

/** `row_count`: the number of rows (after `where`) lies between `min` and `max`. */
export const rowCountCheck = defineCheck({
  type: 'row_count',
  version: 1,
  title: 'Row count',
  description: 'The number of rows lies between min and max (inclusive; give one or both)',
  config: Type.Object(
    {
      min: Type.Optional(Type.Integer({ minimum: 0, description: 'The fewest rows that pass (inclusive)' })),
      max: Type.Optional(Type.Integer({ minimum: 0, description: 'The most rows that pass (inclusive)' })),
    },
    { additionalProperties: false },
  ),
  compile: (_ctx, config) => boundedAggregate('row_count', 'count(*)', config),
});

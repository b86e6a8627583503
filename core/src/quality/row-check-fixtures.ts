// Row check types for the single-pass test and the quality bench: the evaluator's behaviour is what they measure,
// so the checks are small inline definitions rather than the quality plugin's (core never imports a plugin).
import { defineCheck, Type } from '@assay/sdk';
import { literal } from '../engine/dataset-view.ts';

export const notNullFixture = defineCheck({
  type: 'not_null',
  version: 1,
  title: 'Not null',
  config: Type.Object({ column: Type.String() }),
  compile: (ctx, config) => ({ kind: 'row', predicate: `${ctx.quote(config.column)} IS NOT NULL` }),
});

/** Bounds are SQL literals, so one type covers numbers and dates. */
export const betweenFixture = defineCheck({
  type: 'between',
  version: 1,
  title: 'Between',
  config: Type.Object({ column: Type.String(), min: Type.String(), max: Type.String() }),
  compile: (ctx, config) => ({
    kind: 'row',
    predicate: `${ctx.quote(config.column)} BETWEEN ${config.min} AND ${config.max}`,
  }),
});

export const matchesFixture = defineCheck({
  type: 'matches',
  version: 1,
  title: 'Matches a pattern',
  config: Type.Object({ column: Type.String(), pattern: Type.String() }),
  compile: (ctx, config) => ({
    kind: 'row',
    predicate: `regexp_full_match(${ctx.quote(config.column)}, ${literal(config.pattern)})`,
  }),
});

export const oneOfFixture = defineCheck({
  type: 'one_of',
  version: 1,
  title: 'One of',
  config: Type.Object({ column: Type.String(), values: Type.Array(Type.String()) }),
  compile: (ctx, config) => ({
    kind: 'row',
    predicate: `${ctx.quote(config.column)} IN (${config.values.map(literal).join(', ')})`,
  }),
});

export const maxLengthFixture = defineCheck({
  type: 'max_length',
  version: 1,
  title: 'Maximum length',
  config: Type.Object({ column: Type.String(), max: Type.Number() }),
  compile: (ctx, config) => ({ kind: 'row', predicate: `length(${ctx.quote(config.column)}) <= ${config.max}` }),
});

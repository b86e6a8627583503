import type { Static, TObject } from 'typebox';
import {
  assertCheckTypeId,
  assertObjectSchema,
  assertTitle,
  assertUiHints,
  assertVersion,
} from './definition-checks.ts';
import type { UiHints } from './schema.ts';

/**
 * A check compiled to SQL. Row checks give a boolean predicate that is true for a passing row, so many row checks
 * evaluate in one pass; aggregate checks give an expression over the whole dataset and the bounds it must meet.
 */
export type CompiledCheck =
  | { readonly kind: 'row'; readonly predicate: string }
  | { readonly kind: 'aggregate'; readonly expression: string; readonly min?: number; readonly max?: number };

/** What a check's `compile` receives besides its config. */
export interface CheckCompileContext {
  /** The dataset's view name in the engine session, already quoted. */
  readonly relation: string;
  /** Quotes an identifier for DuckDB. */
  quote(identifier: string): string;
}

/** The declaration {@link defineCheck} takes and returns. */
export interface CheckDefinition<C extends TObject = TObject> {
  /** snake_case as pipelines write it (`not_null`); kebab-case is accepted too. */
  readonly type: string;
  readonly version: number;
  readonly title: string;
  readonly description?: string;
  readonly config: C;
  readonly ui?: UiHints;
  compile(ctx: CheckCompileContext, config: Static<C>): CompiledCheck;
}

/**
 * Declares a data-quality check type.
 *
 * @example
 * ```ts
 * import { defineCheck, Type } from '@assay/sdk';
 * export const positiveCheck = defineCheck({
 *   type: 'positive',
 *   version: 1,
 *   title: 'Positive numbers',
 *   config: Type.Object({ column: Type.String() }),
 *   compile: (ctx, config) => ({ kind: 'row', predicate: `${ctx.quote(config.column)} > 0` }),
 * });
 * ```
 */
export function defineCheck<C extends TObject>(definition: CheckDefinition<C>): CheckDefinition<C> {
  const what = `Check "${String(definition.type)}"`;
  assertCheckTypeId('Check type', definition.type);
  assertVersion(`${what} version`, definition.version);
  assertTitle(what, definition.title);
  assertObjectSchema(what, definition.config);
  assertUiHints(what, definition.config, definition.ui);
  if (typeof definition.compile !== 'function') throw new TypeError(`${what}: compile must be a function`);
  return Object.freeze({ ...definition });
}

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
 * How an aggregate check's observed value is also judged against earlier observations of the same check on the same
 * dataset (the runner keeps them):
 * - `change`: against the previous value or the median of the last `rolling` ones, as a change in percent;
 * - `spike`: at most `maxAbove` (in the value's own units, percentage points for a rate) above the median of the
 *   last `rolling` ones;
 * - `anomaly`: a robust z-score (distance from the median in scaled MADs) of at most `sensitivity`, against every
 *   earlier value or only those of the same UTC weekday as the observation; with fewer than `minHistory` of those the
 *   check passes and its note says `insufficient history`.
 */
export type HistoryJudge =
  | {
      readonly method: 'change';
      readonly baseline: 'previous' | { readonly rolling: number };
      readonly maxIncreasePercent?: number;
      readonly maxDecreasePercent?: number;
    }
  | { readonly method: 'spike'; readonly baseline: { readonly rolling: number }; readonly maxAbove: number }
  | {
      readonly method: 'anomaly';
      readonly sensitivity: number;
      readonly seasonality: 'none' | 'weekday';
      readonly minHistory: number;
    };

/**
 * A check compiled to SQL. Row checks give a boolean predicate that is true for a passing row, so many row checks
 * evaluate in one pass; aggregate checks give an expression over the whole dataset and the bounds it must meet,
 * optionally a judgement against the check's own history, and a note the result carries.
 */
export type CompiledCheck =
  | { readonly kind: 'row'; readonly predicate: string }
  | {
      readonly kind: 'aggregate';
      readonly expression: string;
      readonly min?: number;
      readonly max?: number;
      /** The value is also judged against earlier observations; the check passes only if bounds and history do. */
      readonly history?: HistoryJudge;
      /** A human explanation the result carries, e.g. the mismatches a schema check found. */
      readonly note?: string;
    };

/** What a check's `compile` receives besides its config. */
export interface CheckCompileContext {
  /** The dataset's view name in the engine session, already quoted. */
  readonly relation: string;
  /** Quotes an identifier for DuckDB. */
  quote(identifier: string): string;
  /** The relation's columns with their DuckDB types (`BIGINT`, `VARCHAR`, `TIMESTAMP WITH TIME ZONE`), in order. */
  readonly columns: ReadonlyArray<{ readonly name: string; readonly type: string }>;
  /**
   * The time of this observation: compile it into the SQL as a literal (freshness) rather than calling `now()`, so
   * a check is deterministic and tests can set it.
   */
  readonly now: Date;
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

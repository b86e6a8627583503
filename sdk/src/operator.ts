import type { Static, TObject } from 'typebox';
import type { Logger } from './logger.ts';
import { assertKebabId, assertObjectSchema, assertTitle, assertUiHints, assertVersion } from './definition-checks.ts';
import type { UiHints } from './schema.ts';

/** Where an operator usually sits in the medallion flow; the portal groups its palette by it. */
export type OperatorCategory = 'bronze' | 'silver' | 'gold' | 'quality' | 'utility';

/** Facts about the job run an operator executes in. */
export interface OperatorRunInfo {
  readonly runId: string;
  readonly jobId: string;
  readonly workspace: string;
  /** 1 on the first attempt. */
  readonly attempt: number;
}

/**
 * What an operator receives besides its config. Engine sessions, lake tables, state and secrets are added here by
 * the issues that build them; operators use only what the interface declares.
 */
export interface OperatorContext {
  readonly log: Logger;
  /** Aborted on cancellation or timeout: stop and throw. */
  readonly signal: AbortSignal;
  readonly run: OperatorRunInfo;
  /** Reports progress for live views. */
  progress(done: number, total?: number): void;
}

/** What `run` reports back. */
export interface OperatorResult {
  rowsWritten?: number;
  rowsQuarantined?: number;
  metrics?: Record<string, number>;
}

/** The declaration {@link defineOperator} takes and returns. */
export interface OperatorDefinition<C extends TObject = TObject> {
  /** kebab-case, unique across installed plugins together with `version`. */
  readonly type: string;
  /** Published versions are immutable: a breaking change is a new version. */
  readonly version: number;
  readonly title: string;
  readonly description?: string;
  readonly category: OperatorCategory;
  /** The config's JSON Schema: API validation, the TS type, the portal form, YAML validation. */
  readonly config: C;
  readonly ui?: UiHints;
  /** How many input datasets the operator takes. */
  readonly inputs?: { min: number; max?: number };
  readonly output?: 'table' | 'none';
  run(ctx: OperatorContext, config: Static<C>): Promise<OperatorResult>;
}

/**
 * Declares an operator. Validates the declaration at once, so mistakes surface when the plugin loads.
 *
 * @example
 * ```ts
 * import { defineOperator, Type } from '@assay/sdk';
 * export const renameOperator = defineOperator({
 *   type: 'rename-columns',
 *   version: 1,
 *   title: 'Rename columns',
 *   category: 'silver',
 *   config: Type.Object({ columns: Type.Record(Type.String(), Type.String()) }),
 *   inputs: { min: 1, max: 1 },
 *   output: 'table',
 *   async run(ctx, config) {
 *     ctx.log.info({ columns: Object.keys(config.columns) }, 'renaming');
 *     return { rowsWritten: 0 };
 *   },
 * });
 * ```
 */
export function defineOperator<C extends TObject>(definition: OperatorDefinition<C>): OperatorDefinition<C> {
  const what = `Operator "${String(definition.type)}"`;
  assertKebabId('Operator type', definition.type);
  assertVersion(`${what} version`, definition.version);
  assertTitle(what, definition.title);
  assertObjectSchema(what, definition.config);
  assertUiHints(what, definition.config, definition.ui);
  if (definition.inputs !== undefined) {
    const { min, max } = definition.inputs;
    if (!Number.isInteger(min) || min < 0 || (max !== undefined && (!Number.isInteger(max) || max < min))) {
      throw new TypeError(`${what}: inputs must have an integer min >= 0 and max >= min`);
    }
  }
  if (typeof definition.run !== 'function') throw new TypeError(`${what}: run must be a function`);
  return Object.freeze({ ...definition });
}

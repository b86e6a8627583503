import type { OperatorContext } from '@assay/sdk';
import type { Scd2Settings } from './scd2-config.ts';
import type { Scd2State } from './scd2-state.ts';

/** Where a run's batch comes from: the whole input, or only the rows appended to it since the last run. */
export interface BatchSource {
  /** A relation over the batch rows; undefined: the input's view. */
  readonly relation: string | undefined;
  /** The rows of an incremental batch. */
  readonly rows?: number;
}

/**
 * A change input that only grew since the last run (the state's input version, nothing removed since, same config,
 * output untouched) is applied incrementally: only the rows of the files added since then. Everything earlier was
 * applied already, so applying it again would change nothing, only cost the time to find that out — and it would
 * quarantine the same bad rows again. A snapshot (whose missing keys are deletes), a restatement (which needs every
 * change since its date) or anything else reads the whole input. Must run before the session's first query.
 */
export async function batchSource(
  ctx: OperatorContext,
  config: Scd2Settings,
  previous: Scd2State | undefined,
  fingerprint: string,
  restate: boolean,
): Promise<BatchSource> {
  const input = ctx.inputs[0]!;
  const usable =
    config.input === 'changes' &&
    !restate &&
    previous !== undefined &&
    previous.input.dataset === input.dataset &&
    previous.input.version < input.version &&
    previous.config === fingerprint &&
    previous.output !== undefined &&
    previous.output === ctx.output?.version;
  if (!usable) return { relation: undefined };
  const changes = await ctx.engine.changes(input.dataset, previous.input.version);
  if (changes === undefined) return { relation: undefined };
  const [counted] = await ctx.engine.query(
    `SELECT (SELECT count(*) FROM ${changes.added})::BIGINT AS added, ` +
      `(SELECT count(*) FROM ${changes.removed})::BIGINT AS removed`,
  );
  if (Number(counted?.removed ?? 1) !== 0) return { relation: undefined };
  return { relation: changes.added, rows: Number(counted?.added ?? 0) };
}

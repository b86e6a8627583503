import {
  AssayError,
  defineOperator,
  InputError,
  type InputChanges,
  type OperatorContext,
  quoteRelation,
} from '@assay/sdk';
import { described, checkConfigSql } from './metrics-checks.ts';
import { MetricsConfig, metricsUi, type MetricsSettings } from './metrics-config.ts';
import { planMetrics, type MetricsPlan } from './metrics-plan.ts';
import { metricsSelect, presentPeriodsSql, storedPeriodsSql, touchedPeriodsSql } from './metrics-sql.ts';
import { columnsSignature, configHash, readState, type MetricsState } from './metrics-state.ts';
import { isDay } from './period-sql.ts';

const VERSION = 1;
/** More touched periods than this are recomputed in full: the IN list would cost more than it saves. */
const MAX_TOUCHED_PERIODS = 1_000;

/** How a run computes the output, decided from the state before any other engine call. */
type Basis =
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'full'; readonly reason: string }
  | { readonly kind: 'changes'; readonly changes: InputChanges };

/**
 * `metrics` v1: aggregates one input into one row per period (day to fiscal year, in a time zone) and dimension
 * values. Incremental by default: from the input's changes since the last run it recomputes only the touched
 * periods, each whole from the full input, and replaces them in the output (partitioned by period); a first run, a
 * changed config or missing history recompute everything.
 */
export const metricsOperator = defineOperator({
  type: 'metrics',
  version: VERSION,
  title: 'Metrics',
  description:
    'Measures by period and dimensions (sum, count, distinct count, average, ratio, …), refreshed incrementally',
  category: 'gold',
  config: MetricsConfig,
  ui: metricsUi,
  inputs: { min: 1, max: 1 },
  output: 'table',
  async run(ctx, config) {
    const output = ctx.output;
    if (output === undefined) {
      throw new InputError(`Job "${ctx.run.jobId}": the metrics operator needs an output dataset`, {
        code: 'JOB_OUTPUT_MISSING',
      });
    }
    const input = ctx.inputs[0]!;
    const hash = configHash(config, VERSION);
    const prior = readState(ctx.state);
    // The engine's change views can only be added before its first statement: decide and ask first.
    const basis = await decideBasis(ctx, config, prior, hash);
    if (basis.kind === 'unchanged') {
      ctx.log.info({ input: input.dataset, version: input.version }, 'the input has not changed: nothing to do');
      return { rowsRead: 0, rowsWritten: 0, metrics: { incremental: 1, periodsRecomputed: 0 } };
    }

    const columns = await ctx.engine.describe(`SELECT * FROM ${quoteRelation(input.dataset)}`);
    const plan = planMetrics(config, input.dataset, columns);
    await checkConfigSql(ctx.engine, config, input.dataset);
    const full = metricsSelect(plan, input.dataset);
    const signature = columnsSignature(await described(ctx.engine, full, 'config.measures'));
    const next = (outputVersion: number): MetricsState => ({
      kind: 'metrics',
      configHash: hash,
      input: input.dataset,
      inputVersion: input.version,
      outputVersion,
      columns: signature,
    });

    const periods =
      basis.kind === 'changes' && prior?.columns === signature
        ? await periodsToRecompute(ctx, plan, basis.changes)
        : { recompute: undefined, reason: basis.kind === 'full' ? basis.reason : 'the output columns changed' };
    if (periods.recompute !== undefined && periods.recompute.length === 0) {
      // Nothing the output shows changed: only the input version moves on, saved when the job succeeds.
      ctx.setState(next(output.version!));
      ctx.log.info({ input: input.dataset, since: prior?.inputVersion }, 'the changes touch no period');
      return { rowsWritten: 0, metrics: { incremental: 1, periodsRecomputed: 0 } };
    }

    const expected = output.version === undefined ? 0 : output.version + 1;
    ctx.setState(next(expected));
    let result;
    if (periods.recompute === undefined) {
      ctx.log.info({ reason: periods.reason }, 'recomputing every period');
      result = await output.write({
        sql: full,
        mode: 'overwrite',
        replaceSchema: true,
        partitionBy: [plan.periodColumn],
      });
    } else {
      ctx.log.info({ periods: periods.recompute.length }, 'recomputing the touched periods');
      const sql = metricsSelect(plan, input.dataset, periods.recompute);
      result = await output.write({ sql, mode: 'overwrite_partitions' });
    }
    // Another writer's commit in between shifts the version: keep the one the output really has.
    if (!result.skipped && result.version !== expected) ctx.setState(next(result.version));
    const metrics: Record<string, number> =
      periods.recompute === undefined
        ? { incremental: 0 }
        : { incremental: 1, periodsRecomputed: periods.recompute.length };
    return { rowsWritten: result.rowsWritten, metrics };
  },
});

/** Whether the state lets this run work from the input's changes, and those changes. */
async function decideBasis(
  ctx: OperatorContext,
  config: MetricsSettings,
  prior: MetricsState | undefined,
  hash: string,
): Promise<Basis> {
  const input = ctx.inputs[0]!;
  const output = ctx.output!;
  const full = (reason: string): Basis => ({ kind: 'full', reason });
  if (!config.incremental) return full('incremental is off');
  if (prior === undefined) return full('first run');
  if (output.version === undefined) return full('the output does not exist');
  if (prior.configHash !== hash) return full('the config changed');
  if (prior.input !== input.dataset) return full('the input dataset changed');
  if (prior.outputVersion !== output.version) return full('the output was written by something else since');
  if (prior.inputVersion === input.version) return { kind: 'unchanged' };
  const changes = await ctx.engine.changes(input.dataset, prior.inputVersion);
  return changes === undefined
    ? full(`the changes since version ${prior.inputVersion} are unavailable`)
    : { kind: 'changes', changes };
}

/**
 * The periods the changes touch and that still have rows (these are recomputed), or undefined with the reason when
 * the whole output must be recomputed: too many touched periods, change views that no longer fit the config (a
 * column was added or dropped since), or a period the output holds that lost all its rows (replacing partitions
 * cannot empty one).
 */
async function periodsToRecompute(
  ctx: OperatorContext,
  plan: MetricsPlan,
  changes: InputChanges,
): Promise<{ recompute: string[] | undefined; reason?: string }> {
  const input = ctx.inputs[0]!.dataset;
  const days = async (sql: string, limit: number): Promise<string[] | undefined> => {
    const rows = await ctx.engine.query(sql, { limit }).catch((error: unknown) => {
      if (error instanceof AssayError && error.code === 'SQL_ERROR') return undefined;
      throw error;
    });
    const values = rows?.map((row) => row.p);
    return values !== undefined && values.every(isDay) ? values : undefined;
  };
  const touched = await days(touchedPeriodsSql(plan, [changes.added, changes.removed]), MAX_TOUCHED_PERIODS + 1);
  if (touched === undefined) return { recompute: undefined, reason: 'the changes do not fit the config' };
  if (touched.length > MAX_TOUCHED_PERIODS) {
    return { recompute: undefined, reason: `the changes touch more than ${MAX_TOUCHED_PERIODS} periods` };
  }
  if (touched.length === 0) return { recompute: [] };
  const present = new Set((await days(presentPeriodsSql(plan, input, touched), touched.length)) ?? []);
  const emptied = touched.filter((p) => !present.has(p));
  if (emptied.length > 0) {
    const stored = await days(storedPeriodsSql(plan, ctx.output!.dataset, emptied), emptied.length);
    if (stored === undefined || stored.length > 0) {
      return { recompute: undefined, reason: `period(s) ${(stored ?? emptied).join(', ')} lost all their rows` };
    }
  }
  return { recompute: touched.filter((p) => present.has(p)) };
}

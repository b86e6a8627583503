import {
  defineOperator,
  InputError,
  type OperatorColumn,
  type OperatorContext,
  type OutputWriteRequest,
  quoteRelation,
} from '@assay/sdk';
import { CleanseConfig, cleanseUi, type CleanseSettings } from './cleanse-config.ts';
import { engineMessage, isEngineError } from './cleanse-errors.ts';
import { cleansePipeline, type CleansePipeline } from './cleanse-pipeline.ts';
import { planCleanse, type CleansePlan } from './cleanse-plan.ts';
import { checkExpressions, checkReferenceKeys } from './engine-checks.ts';
import { mainInput, referencePaths } from './input-datasets.ts';

const SAMPLE_KEYS = 5;

/**
 * `cleanse` v1: standardizes columns (trim, case, patterns, phones, dates, booleans, amounts, value maps), fills or
 * rejects NULLs, enriches from reference datasets and deduplicates on a business key — one chain of CTEs, so DuckDB
 * reads the input once per statement. Rejected rows go to the output's quarantine with the first rule they failed;
 * the clean rows are written once, as a full refresh, an append or a merge.
 */
export const cleanseOperator = defineOperator({
  type: 'cleanse',
  version: 1,
  title: 'Cleanse',
  description: 'Standardize columns, handle NULLs, deduplicate and enrich; rows failing a rule go to quarantine',
  category: 'silver',
  config: CleanseConfig,
  ui: cleanseUi,
  inputs: { min: 1 },
  output: 'table',
  // Rows are cleansed one by one (dedupe and forward fill within what the run reads), so a partition run works.
  partitions: {
    unsupported: (config) =>
      config.write.mode === 'merge' ? 'a merge upserts by key, so it cannot replace one partition' : undefined,
  },
  async run(ctx, config) {
    const output = ctx.output;
    const job = ctx.run.jobId;
    if (output === undefined) {
      throw new InputError(`Job "${job}": the cleanse operator needs an output dataset`, {
        code: 'JOB_OUTPUT_MISSING',
      });
    }
    const plan = await planFor(ctx, config);
    await checkExpressions(ctx.engine, job, plan);
    await checkReferenceKeys(ctx.engine, job, plan);
    const pipeline = cleansePipeline(plan);
    try {
      await ctx.engine.describe(pipeline.statsSql);
    } catch (error) {
      if (!isEngineError(error)) throw error;
      throw new InputError(`Job "${job}": the cleanse of ${plan.input} cannot run: ${engineMessage(error)}`, {
        code: 'CLEANSE_PIPELINE_INVALID',
        cause: error,
        details: { job, dataset: plan.input, engine: engineMessage(error) },
      });
    }
    const [stats = {}] = await ctx.engine.query(pipeline.statsSql);
    const count = (name: string) => Number(stats[name] ?? 0);
    await failOnNoMatch(ctx, plan, pipeline, count);

    ctx.log.info(
      { dataset: output.dataset, mode: config.write.mode, clean: count('clean') },
      'writing the cleansed rows',
    );
    const written = await output.write(writeRequest(pipeline, plan, config));
    const rejected = pipeline.outcomes.reduce(
      (n, o, i) => n + (o.kind === 'quarantine' ? count(`outcome_${i}`) : 0),
      0,
    );
    const quarantined = rejected === 0 ? { rows: 0 } : await output.quarantine({ sql: pipeline.quarantineSql });
    return {
      rowsRead: count('rows'),
      rowsWritten: written.rowsWritten,
      rowsUpdated: written.rowsUpdated,
      rowsDeleted: written.rowsDeleted,
      rowsQuarantined: quarantined.rows,
      metrics: metricsOf(pipeline, count),
    };
  },
});

/** Resolves the input and the reference datasets, describes them and plans the cleanse against their columns. */
async function planFor(ctx: OperatorContext, config: CleanseSettings): Promise<CleansePlan> {
  const job = ctx.run.jobId;
  const datasets = ctx.inputs.map((input) => input.dataset);
  const input = mainInput(job, config, datasets);
  const references = referencePaths(config);
  for (const [dataset, path] of references) {
    if (!datasets.includes(dataset)) {
      throw new InputError(
        `Job "${job}": ${path} is "${dataset}", which is not one of the job's inputs (${datasets.join(', ')}); ` +
          'add it to the job’s inputs',
        { code: 'CLEANSE_LOOKUP_DATASET_NOT_INPUT', details: { job, path, dataset, inputs: datasets } },
      );
    }
  }
  const columnsOf = new Map<string, OperatorColumn[]>();
  for (const dataset of new Set([input, ...references.keys()])) {
    columnsOf.set(dataset, await ctx.engine.describe(`SELECT * FROM ${quoteRelation(dataset)}`));
  }
  return planCleanse(job, config, input, columnsOf);
}

/** `CLEANSE_LOOKUP_NO_MATCH` for a lookup with `onNoMatch: fail` that some rows do not match, before any write. */
async function failOnNoMatch(
  ctx: OperatorContext,
  plan: CleansePlan,
  pipeline: CleansePipeline,
  count: (name: string) => number,
): Promise<void> {
  for (const [n, outcome] of pipeline.outcomes.entries()) {
    const rows = count(`outcome_${n}`);
    if (outcome.kind !== 'fail' || rows === 0) continue;
    const lookup = plan.lookups.find((l) => l.id === outcome.id)!;
    const keys = lookup.keys.map((k) => k.column);
    const samples = await ctx.engine.query(pipeline.sampleSql(n, keys), { limit: SAMPLE_KEYS });
    const path = `config.lookups[${lookup.index}]`;
    throw new InputError(
      `Job "${ctx.run.jobId}": ${rows} row(s) of ${plan.input} have no match in ${lookup.dataset} on ` +
        `${keys.join(', ')} (e.g. ${samples.map((s) => JSON.stringify(keys.length === 1 ? s[keys[0]!] : s)).join(', ')}), ` +
        `and ${path}.onNoMatch is fail: nothing was written; add the missing reference rows or choose quarantine`,
      {
        code: 'CLEANSE_LOOKUP_NO_MATCH',
        details: { job: ctx.run.jobId, path: `${path}.onNoMatch`, dataset: lookup.dataset, rows, samples },
      },
    );
  }
}

function writeRequest(pipeline: CleansePipeline, plan: CleansePlan, config: CleanseSettings): OutputWriteRequest {
  const partitioning = plan.partitionBy === undefined ? {} : { partitionBy: plan.partitionBy };
  switch (config.write.mode) {
    case 'full_refresh':
      return { sql: pipeline.cleanSql, mode: 'overwrite', replaceSchema: true, ...partitioning };
    case 'append':
      return { sql: pipeline.cleanSql, mode: 'append', ...partitioning };
    case 'merge':
      return { sql: pipeline.cleanSql, mode: 'merge', keys: plan.businessKey!, ...partitioning };
  }
}

/** Rows quarantined per rule (by its id), dropped by inner lookups and dedupe, NULLs filled, rows kept unmatched. */
function metricsOf(pipeline: CleansePipeline, count: (name: string) => number): Record<string, number> {
  const metrics: Record<string, number> = { 'cleanse.rows_clean': count('clean') };
  pipeline.outcomes.forEach((outcome, n) => {
    const key =
      outcome.kind === 'quarantine' ? outcome.id : `${outcome.id}.${outcome.kind === 'drop' ? 'dropped' : 'unmatched'}`;
    metrics[key] = count(`outcome_${n}`);
  });
  pipeline.counters.forEach((counter, n) => {
    metrics[counter.metric] = count(`counter_${n}`);
  });
  return metrics;
}

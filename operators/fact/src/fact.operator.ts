import {
  AssayError,
  defineOperator,
  InputError,
  type OperatorColumn,
  type OperatorContext,
  type OutputWriteRequest,
  quoteRelation,
} from '@assay/sdk';
import { FactConfig, factUi, type FactSettings } from './fact-config.ts';
import { configProblem, planFact, type FactPlan } from './fact-plan.ts';
import { checksSql, factSql, grainSql, overlapsSql, quarantineSql, unknownKeysSql } from './fact-sql.ts';

/**
 * `fact` v1: a fact table from a Silver input. Each dimension's surrogate key is looked up point in time (the SCD2
 * version valid at the row's event time); rows without one get the unknown key (or are quarantined, or fail the
 * job) and are counted per dimension. The grain is checked before anything is written. Measures pass through,
 * cast where asked. Writes a full refresh, an append or the partitions (days) present; backfills run it one
 * partition at a time.
 */
export const factOperator = defineOperator({
  type: 'fact',
  version: 1,
  title: 'Fact table',
  description:
    'Build a fact with point-in-time surrogate keys from SCD2 dimensions, unknown members and a checked grain',
  category: 'gold',
  config: FactConfig,
  ui: factUi,
  inputs: { min: 2 },
  output: 'table',
  // Every mode can compute one partition: a partition run reads the partition's source rows and replaces it.
  partitions: {},
  async run(ctx, config) {
    const output = ctx.output;
    if (output === undefined) {
      throw new InputError(`Job "${ctx.run.jobId}": the fact operator needs an output dataset`, {
        code: 'JOB_OUTPUT_MISSING',
      });
    }
    const plan = planFact(
      config,
      ctx.inputs.map((input) => input.dataset),
      await describeInputs(ctx, config),
      ctx.partition,
    );
    await checkTypes(ctx, config);
    await checkUnknownKeys(ctx, plan);
    await checkOverlaps(ctx, plan);

    const partition = ctx.partition;
    const [checks] = await ctx.engine.query(checksSql(plan, partition), { limit: 1 });
    const metrics: Record<string, number> = { rows: Number(checks?.rows ?? 0) };
    for (const d of plan.dimensions) {
      const unknown = Number(checks?.[`unknown${d.index}`] ?? 0);
      metrics[`unknown.${d.name}`] = unknown;
      metrics[`late.${d.name}`] = Number(checks?.[`late${d.index}`] ?? 0);
      if (unknown > 0 && d.onUnknown === 'fail') {
        throw configProblem(
          'FACT_UNKNOWN_MEMBER',
          `config.dimensions[${d.index}]`,
          `(${d.name}): ${unknown} row(s) have no version of ${d.dataset} at their event time, e.g. ` +
            `${describe(checks?.[`sample${d.index}`])}; load the dimension first, or set onUnknown to unknown_key ` +
            'or quarantine',
          { dimension: d.name, rows: unknown, late: metrics[`late.${d.name}`], sample: checks?.[`sample${d.index}`] },
        );
      }
      if (unknown > 0) ctx.log.warn({ dimension: d.name, rows: unknown, policy: d.onUnknown }, 'unknown members');
    }
    plan.casts.forEach(({ index, measure, column, type }, m) => {
      const failed = Number(checks?.[`cast${m}`] ?? 0);
      if (failed > 0) {
        throw configProblem(
          'FACT_MEASURE_CAST_FAILED',
          `config.measures[${index}].type`,
          `casts "${column}" to ${type} for measure "${measure}", but ${failed} value(s) do not cast, e.g. ` +
            `${JSON.stringify(checks?.[`castSample${m}`])}`,
          { measure, column, type, rows: failed, sample: checks?.[`castSample${m}`] },
        );
      }
    });

    const [grain] = await ctx.engine.query(grainSql(plan, partition), { limit: 1 });
    const duplicateKeys = Number(grain?.keys ?? 0);
    metrics['grain.duplicate_keys'] = duplicateKeys;
    const grainColumns = plan.grain.map((i) => plan.outputs[i]!.name);
    if (duplicateKeys > 0 && config.onGrainViolation === 'fail') {
      throw new InputError(
        `The grain (${grainColumns.join(', ')}) is not unique: ${duplicateKeys} key(s) have ${Number(grain?.rows)} rows, ` +
          `e.g. ${describe(grain?.sample)}; fix the source, add the distinguishing column to config.grain, or set ` +
          'config.onGrainViolation to quarantine',
        {
          code: 'FACT_GRAIN_VIOLATION',
          details: {
            path: 'config.grain',
            grain: grainColumns,
            keys: duplicateKeys,
            rows: Number(grain?.rows),
            sample: grain?.sample,
          },
        },
      );
    }

    const quarantiningUnknown = plan.dimensions.some(
      (d) => d.onUnknown === 'quarantine' && (metrics[`unknown.${d.name}`] ?? 0) > 0,
    );
    let rowsQuarantined = 0;
    if (quarantiningUnknown || duplicateKeys > 0) {
      rowsQuarantined = (await output.quarantine({ sql: quarantineSql(plan, partition, duplicateKeys > 0) })).rows;
    }
    metrics.quarantined = rowsQuarantined;

    ctx.log.info(
      { dataset: output.dataset, mode: config.write.mode, partition: partition?.key, metrics },
      'writing the fact rows',
    );
    const result = await output.write(writeRequest(config, plan, factSql(plan, partition, duplicateKeys > 0)));
    return {
      rowsWritten: result.rowsWritten,
      rowsUpdated: result.rowsUpdated,
      rowsDeleted: result.rowsDeleted,
      rowsQuarantined,
      metrics,
    };
  },
});

function writeRequest(config: FactSettings, plan: FactPlan, sql: string): OutputWriteRequest {
  const partitionBy = plan.partition === undefined ? {} : { partitionBy: [plan.partition.column] };
  switch (config.write.mode) {
    case 'full_refresh':
      return { sql, mode: 'overwrite', replaceSchema: true, ...partitionBy };
    case 'append':
      return { sql, mode: 'append', ...partitionBy };
    case 'overwrite_partitions':
      return { sql, mode: 'overwrite_partitions', ...partitionBy };
  }
}

async function describeInputs(ctx: OperatorContext, config: FactSettings): Promise<Map<string, OperatorColumn[]>> {
  const described = new Map<string, OperatorColumn[]>();
  const inputs = new Set(ctx.inputs.map((input) => input.dataset));
  for (const dataset of [config.source, ...config.dimensions.map((d) => d.dataset)]) {
    // Datasets that are not inputs are refused by the plan, naming the field.
    if (inputs.has(dataset) && !described.has(dataset)) {
      described.set(dataset, await ctx.engine.describe(`SELECT * FROM ${quoteRelation(dataset)}`));
    }
  }
  return described;
}

/** Measure types must be types DuckDB knows: `FACT_TYPE_INVALID` at the first that is not. */
async function checkTypes(ctx: OperatorContext, config: FactSettings): Promise<void> {
  for (const [index, measure] of (config.measures ?? []).entries()) {
    if (measure.type === undefined) continue;
    try {
      await ctx.engine.describe(`SELECT CAST(NULL AS ${measure.type.trim()}) AS probe`);
    } catch (error) {
      if (!(error instanceof AssayError && (error.code === 'SQL_ERROR' || error.code === 'SQL_INVALID'))) throw error;
      throw configProblem(
        'FACT_TYPE_INVALID',
        `config.measures[${index}].type`,
        `"${measure.type}" is not a DuckDB type: ${error.message}`,
        {
          type: measure.type,
        },
      );
    }
  }
}

/** Each dimension's unknown key must cast to its surrogate key's type. */
async function checkUnknownKeys(ctx: OperatorContext, plan: FactPlan): Promise<void> {
  const [bad] = await ctx.engine.query(unknownKeysSql(plan), { limit: 1 });
  for (const d of plan.dimensions) {
    if (bad?.[`bad${d.index}`] === true) {
      throw configProblem(
        'FACT_UNKNOWN_KEY_INVALID',
        `config.dimensions[${d.index}]`,
        `(${d.name}): the unknown key ${JSON.stringify(d.unknownKeyValue)} does not cast to ${d.surrogateType}, the type ` +
          `of "${d.surrogateKey}": set unknownKey to a value of that type`,
        { dimension: d.name, unknownKey: d.unknownKeyValue, type: d.surrogateType },
      );
    }
  }
}

/** Versions of one key must not overlap, or a lookup would match twice: `FACT_DIMENSION_OVERLAP` with a sample. */
async function checkOverlaps(ctx: OperatorContext, plan: FactPlan): Promise<void> {
  for (const d of plan.dimensions) {
    const [row] = await ctx.engine.query(overlapsSql(d), { limit: 1 });
    const count = Number(row?.n ?? 0);
    if (count === 0) continue;
    throw configProblem(
      'FACT_DIMENSION_OVERLAP',
      `config.dimensions[${d.index}]`,
      `(${d.name}): ${count} version(s) of ${d.dataset} start before the previous version of their key ends, e.g. ` +
        `${describe(row?.sample)}: a point-in-time lookup would match twice. Repair the dimension's ${d.validFrom}/` +
        `${d.validTo}${d.inclusive ? ' (or set validToInclusive to false: versions may end when the next starts)' : ''}`,
      { dimension: d.name, versions: count, sample: row?.sample },
    );
  }
}

function describe(value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  return `(${Object.entries(value)
    .map(([name, v]) => `${name}=${JSON.stringify(v)}`)
    .join(', ')})`;
}

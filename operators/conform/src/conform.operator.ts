import {
  AssayError,
  defineOperator,
  InputError,
  type OperatorContext,
  type OperatorColumn,
  quoteRelation,
} from '@assay/sdk';
import { ConformConfig, conformUi, type ConformSettings } from './conform-config.ts';
import { configProblem, planConform, type ConformPlan } from './conform-plan.ts';
import { conformedSql, invalidRowsSql, invalidSummarySql, rawSql, statsSql, tiesSql } from './conform-sql.ts';

/**
 * `conform` v1: several inputs into one entity. Each source's columns are mapped (column or SQL expression) and cast
 * to the declared types; when several rows share a business key one wins, by source priority or by the latest
 * `updatedAt` (ties by priority), taken whole or merged column by column; lineage columns say which source won.
 * Checks run before anything is written: the config against the inputs' columns, then the data (NULL keys,
 * failed casts, ambiguous keys), each with its own code; then one write (full refresh or merge on the key).
 */
export const conformOperator = defineOperator({
  type: 'conform',
  version: 1,
  title: 'Conform sources',
  description: 'Map several sources onto one entity, resolve conflicting keys by priority or recency, keep lineage',
  category: 'silver',
  config: ConformConfig,
  ui: conformUi,
  inputs: { min: 1 },
  output: 'table',
  async run(ctx, config) {
    const output = ctx.output;
    if (output === undefined) {
      throw new InputError(`Job "${ctx.run.jobId}": the conform operator needs an output dataset`, {
        code: 'JOB_OUTPUT_MISSING',
      });
    }
    const plan = planConform(
      config,
      ctx.inputs.map((input) => input.dataset),
      await describeSources(ctx, config),
    );
    await checkTypes(ctx, plan);
    await checkSql(ctx, config, plan);

    const quarantining = config.invalidRows === 'quarantine';
    const invalid = await ctx.engine.query(invalidSummarySql(plan), { limit: 10_000 });
    const invalidRows = invalid.reduce((sum, row) => sum + Number(row.n), 0);
    if (invalid.length > 0 && !quarantining) throw invalidRowsError(invalid, plan);
    if (config.resolution.ties === 'fail') {
      const [tie] = await ctx.engine.query(tiesSql(plan, quarantining), { limit: 1 });
      if (tie !== undefined) {
        throw new InputError(
          `${Number(tie.keys)} key(s) have different rows from one source that rank equal, e.g. ` +
            `${describeKey(tie.key)} in ${String(tie.system)}: make the source unique by key (or by key and ` +
            `${config.resolution.strategy === 'latest' ? config.resolution.updatedAt : 'priority'}), or set ` +
            'config.resolution.ties to arbitrary',
          {
            code: 'CONFORM_KEY_AMBIGUOUS',
            details: { path: 'config.resolution.ties', key: tie.key, system: tie.system, keys: Number(tie.keys) },
          },
        );
      }
    }
    const stats = await ctx.engine.query(statsSql(plan, quarantining), { limit: 10_000 });

    let rowsQuarantined = 0;
    if (invalidRows > 0) {
      ctx.log.warn({ rows: invalidRows, problems: invalid }, 'quarantining source rows that cannot be conformed');
      rowsQuarantined = (await output.quarantine({ sql: invalidRowsSql(plan) })).rows;
    }
    ctx.log.info(
      { dataset: output.dataset, mode: config.write.mode, sources: plan.sources.map((s) => s.system) },
      'writing the conformed entity',
    );
    const sql = conformedSql(plan, quarantining);
    const result = await output.write(
      config.write.mode === 'merge'
        ? { sql, mode: 'merge', keys: plan.key }
        : { sql, mode: 'overwrite', replaceSchema: true },
    );
    return {
      rowsWritten: result.rowsWritten,
      rowsUpdated: result.rowsUpdated,
      rowsDeleted: result.rowsDeleted,
      rowsQuarantined,
      metrics: metricsOf(stats, invalidRows),
    };
  },
});

async function describeSources(ctx: OperatorContext, config: ConformSettings): Promise<Map<string, OperatorColumn[]>> {
  const described = new Map<string, OperatorColumn[]>();
  const inputs = new Set(ctx.inputs.map((input) => input.dataset));
  for (const { dataset } of config.sources) {
    // Datasets that are not inputs are refused by the plan, naming the field.
    if (inputs.has(dataset) && !described.has(dataset)) {
      described.set(dataset, await ctx.engine.describe(`SELECT * FROM ${quoteRelation(dataset)}`));
    }
  }
  return described;
}

/** Every declared type must be one DuckDB knows: `CONFORM_TYPE_INVALID` at the first that is not. */
async function checkTypes(ctx: OperatorContext, plan: ConformPlan): Promise<void> {
  for (const [index, { type }] of plan.columns.entries()) {
    try {
      await ctx.engine.describe(`SELECT CAST(NULL AS ${type}) AS probe`);
    } catch (error) {
      if (!isSqlError(error)) throw error;
      throw new InputError(`config.columns[${index}].type "${type}" is not a DuckDB type: ${error.message}`, {
        code: 'CONFORM_TYPE_INVALID',
        cause: error,
        details: { path: `config.columns[${index}].type`, type },
      });
    }
  }
}

/** The sources' expressions and conditions must bind: `SQL_INVALID` naming the field of the first that does not. */
async function checkSql(ctx: OperatorContext, config: ConformSettings, plan: ConformPlan): Promise<void> {
  for (const source of plan.sources) {
    try {
      await ctx.engine.describe(rawSql(source));
      continue;
    } catch (error) {
      if (!isSqlError(error)) throw error;
      const settings = config.sources[source.index]!;
      const from = quoteRelation(source.dataset);
      const path = `config.sources[${source.index}]`;
      const parts: Array<[string, string]> = [
        ...Object.entries(settings.expressions ?? {}).map(([name, sql]): [string, string] => [
          `${path}.expressions.${name}`,
          `SELECT (${sql}\n) AS probe FROM ${from}`,
        ]),
        ...(settings.where === undefined
          ? []
          : [[`${path}.where`, `SELECT 1 AS probe FROM ${from} WHERE (${settings.where}\n)`] as [string, string]]),
      ];
      for (const [field, probe] of parts) {
        try {
          await ctx.engine.describe(probe);
        } catch (inner) {
          if (isSqlError(inner)) throw sqlInvalid(field, inner);
          throw inner;
        }
      }
      throw sqlInvalid(`${path}.expressions`, error);
    }
  }
}

function isSqlError(error: unknown): error is AssayError {
  return error instanceof AssayError && (error.code === 'SQL_ERROR' || error.code === 'SQL_INVALID');
}

function sqlInvalid(field: string, error: AssayError): InputError {
  return new InputError(`${field} is invalid: ${error.message.replace(/^SQL is invalid: /, '')}`, {
    code: 'SQL_INVALID',
    cause: error,
    details: { ...error.details, path: field },
  });
}

/** The first problem of the invalid-rows summary as the error that fails the job. */
function invalidRowsError(summary: Record<string, unknown>[], plan: ConformPlan): InputError {
  const first = summary[0]!;
  const system = String(first.system);
  const index = plan.sources.find((source) => source.system === system)?.index ?? 0;
  const rows = summary.reduce((sum, row) => sum + Number(row.n), 0);
  const nullKey = first.rule === 'conform.key_null';
  return configProblem(
    nullKey ? 'CONFORM_KEY_NULL' : 'CONFORM_CAST_FAILED',
    `config.sources[${index}]`,
    `(${system}): ${Number(first.n)} row(s) ${nullKey ? 'have a NULL business key' : `fail the cast of "${String(first.column)}"`}` +
      ` (${String(first.sample)}); ${rows} invalid row(s) in all. Fix the data or mapping, or set ` +
      'config.invalidRows to quarantine',
    { system, column: first.column, rows: Number(first.n), sample: first.sample, problems: summary.slice(0, 20) },
  );
}

function describeKey(key: unknown): string {
  if (typeof key !== 'object' || key === null) return String(key);
  return `(${Object.entries(key)
    .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
    .join(', ')})`;
}

function metricsOf(stats: Record<string, unknown>[], quarantined: number): Record<string, number> {
  const metrics: Record<string, number> = { quarantined, contested: 0 };
  for (const row of stats) {
    metrics[`rows.${String(row.system)}`] = Number(row.rows);
    metrics[`won.${String(row.system)}`] = Number(row.won);
    metrics.contested! += Number(row.contested);
  }
  return metrics;
}

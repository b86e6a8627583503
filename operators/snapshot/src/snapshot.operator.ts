import {
  AssayError,
  defineOperator,
  InputError,
  type OperatorContext,
  subquery,
  quoteLiteral,
  quoteRelation,
} from '@assay/sdk';
import { SnapshotConfig, snapshotUi, type SnapshotSettings } from './snapshot-config.ts';
import { snapshotDates } from './snapshot-dates.ts';
import {
  emptyDaysSql,
  planSnapshot,
  replacedSelect,
  snapshotSelect,
  storedDaysSql,
  type SnapshotPlan,
} from './snapshot-plan.ts';

/**
 * `snapshot` v1: periodic or as-of snapshots of one input — the versions of an SCD2 dimension valid at the end of
 * each day, or a table's rows up to the day (or all of them) — stamped with the day and written partitioned by it,
 * so re-running a day replaces that day's snapshot. It can compute one partition at a time (a backfill).
 */
export const snapshotOperator = defineOperator({
  type: 'snapshot',
  version: 1,
  title: 'Snapshot',
  description: 'As-of or periodic snapshots of an SCD2 dimension or a table, partitioned by snapshot date',
  category: 'gold',
  config: SnapshotConfig,
  ui: snapshotUi,
  inputs: { min: 1, max: 1 },
  output: 'table',
  // A partition run snapshots the partition's days: the write replaces exactly them.
  partitions: {},
  async run(ctx, config) {
    const output = ctx.output;
    if (output === undefined) {
      throw new InputError(`Job "${ctx.run.jobId}": the snapshot operator needs an output dataset`, {
        code: 'JOB_OUTPUT_MISSING',
      });
    }
    const partition = ctx.partition;
    if (partition !== undefined && partition.column.toLowerCase() !== config.snapshotColumn.toLowerCase()) {
      throw new InputError(
        `Job "${ctx.run.jobId}" declares partitions by "${partition.column}", but its snapshots are stamped in ` +
          `config.snapshotColumn "${config.snapshotColumn}": make them the same column`,
        {
          code: 'SNAPSHOT_PARTITION_COLUMN_MISMATCH',
          details: { path: 'config.snapshotColumn', partitionColumn: partition.column },
        },
      );
    }
    const days = snapshotDates(config, partition);
    const input = ctx.inputs[0]!.dataset;
    const plan = planSnapshot(config, input, await ctx.engine.describe(`SELECT * FROM ${quoteRelation(input)}`));
    await checkSql(ctx, config, plan, input);
    if (days.length === 0 && partition === undefined) {
      ctx.log.info({ range: config.range }, 'the range holds no snapshot day: nothing to write');
      return { rowsWritten: 0, metrics: { snapshots: 0, emptied: 0 } };
    }
    const sql = snapshotSelect(plan, input, days);
    ctx.log.info(
      { days: days.length, first: days[0], last: days[days.length - 1], partition: partition?.key },
      'writing snapshots',
    );
    const emptied = partition === undefined ? await emptiedDays(ctx, plan, input, days) : [];
    const result =
      emptied.length === 0
        ? await output.write({ sql, mode: 'overwrite_partitions', partitionBy: [plan.snapshotColumn] })
        : await output.write({ sql: replacedSelect(plan, input, output.dataset, days), mode: 'overwrite' });
    return { rowsWritten: result.rowsWritten, metrics: { snapshots: days.length, emptied: emptied.length } };
  },
});

/**
 * The days the output holds a snapshot of that would now be empty. Replacing partitions cannot empty one, so
 * then the run rewrites the table instead.
 */
async function emptiedDays(ctx: OperatorContext, plan: SnapshotPlan, input: string, days: readonly string[]) {
  const output = ctx.output!;
  if (output.version === undefined || ctx.inputs.some((i) => i.dataset === output.dataset)) return [];
  const stored = (await ctx.engine.query(storedDaysSql(plan, output.dataset, days), { limit: days.length })).map(
    (row) => String(row.day),
  );
  if (stored.length === 0) return [];
  const empty = await ctx.engine.query(emptyDaysSql(plan, input, stored), { limit: stored.length });
  return empty.map((row) => String(row.day));
}

/** Checks the filter and the time zone before anything runs: `SQL_INVALID`, `SNAPSHOT_TIME_ZONE_INVALID`. */
async function checkSql(ctx: OperatorContext, config: SnapshotSettings, plan: SnapshotPlan, input: string) {
  const wrap = async (path: string, code: string, check: () => Promise<unknown>) => {
    try {
      await check();
    } catch (error) {
      if (!(error instanceof AssayError) || (error.code !== 'SQL_ERROR' && error.code !== 'SQL_INVALID')) throw error;
      const message = error.message.replace(/^SQL is invalid: /, '');
      throw new InputError(`${path} is invalid: ${message}`, {
        code,
        cause: error,
        details: { ...error.details, path },
      });
    }
  };
  if (config.timeZone !== undefined) {
    const zone = quoteLiteral(config.timeZone);
    await wrap('config.timeZone', 'SNAPSHOT_TIME_ZONE_INVALID', () =>
      ctx.engine.query(`SELECT timezone(${zone}, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS t`),
    );
  }
  if (config.filter !== undefined) {
    const sql = `SELECT ${subquery(config.filter)} AS condition FROM ${quoteRelation(input)} AS s`;
    await wrap('config.filter', 'SQL_INVALID', async () => {
      const [column] = await ctx.engine.describe(sql);
      if (column !== undefined && column.type !== 'BOOLEAN') {
        throw new InputError(`config.filter is not a condition: it is ${column.type}, where a BOOLEAN is needed`, {
          code: 'SQL_INVALID',
          details: { path: 'config.filter', type: column.type },
        });
      }
    });
  }
  // Everything else comes from checked names; describing the whole statement catches what remains (types that
  // cannot be compared, say) before the write.
  await wrap('config', 'SQL_INVALID', () => ctx.engine.describe(snapshotSelect(plan, input, ['2000-01-01'])));
}

import { defineOperator, InputError, subquery } from '@assay/sdk';
import { planContract } from './contract-plan.ts';
import { mergeKeyChecks } from './merge-key-checks.ts';
import { checkedSql, describeQuery } from './query-check.ts';
import { checkedRows, plainRows } from './row-checks.ts';
import { findRowProblems } from './row-problems.ts';
import { SqlConfig, sqlUi } from './sql-config.ts';
import { assertPartitionColumns, writeShape } from './write-request.ts';

/**
 * `sql` v1: runs one SELECT over the job's inputs (and the output as it stands, for incremental loads) and writes
 * its rows to the output — replacing the table, appending, replacing the partitions the rows fall in, or merging
 * by key. Before anything is written the SQL is checked and described, the rows are fitted to the contract if there
 * is one, and rows breaking it (or a merge key) fail the run or go to quarantine; the write goes through the job's
 * output, so a retried attempt never writes twice.
 */
export const sqlOperator = defineOperator({
  type: 'sql',
  version: 1,
  title: 'SQL',
  description:
    'Transform the inputs with one SELECT and write the result: full refresh, append, overwrite partitions or merge, ' +
    'optionally against a column contract',
  category: 'silver',
  config: SqlConfig,
  ui: sqlUi,
  inputs: { min: 1 },
  output: 'table',
  // In a backfill each run computes one partition: the query sees that partition's rows and replaces it, which is
  // what full_refresh, append and overwrite_partitions all amount to there.
  partitions: {
    unsupported: (config) =>
      config.write.mode === 'merge' ? 'a merge upserts by key, so it cannot replace one partition' : undefined,
  },
  async run(ctx, config) {
    const output = ctx.output;
    if (output === undefined) {
      throw new InputError(`Job "${ctx.run.jobId}": the sql operator needs an output dataset`, {
        code: 'JOB_OUTPUT_MISSING',
      });
    }
    const shape = writeShape(ctx, config);
    const first = output.version === undefined && config.initialSql !== undefined;
    const field = first ? 'initialSql' : 'sql';
    const sql = first ? config.initialSql! : config.sql;

    const plan = await planContract(ctx, config.contract, field, await describeQuery(ctx, field, sql));
    assertPartitionColumns(shape.partitionBy, plan.columns, field);
    const checks = [
      ...plan.checks,
      ...(shape.keys === undefined ? [] : mergeKeyChecks(shape.keys, plan, config.write.onKeyProblem ?? 'fail', field)),
    ];
    const rows = checks.length === 0 ? undefined : checkedRows(sql, plan, checks);
    const plain = plainRows(sql, plan, config.contract === undefined);
    if (shape.deleteWhen !== undefined) {
      const probe = `SELECT coalesce((${shape.deleteWhen}), false) AS deletes FROM ${subquery(plain, 'assay_rows')}`;
      await checkedSql('write.deleteWhen', () => ctx.engine.describe(probe));
    }
    const problems = rows === undefined ? undefined : await findRowProblems(ctx, sql, checks, rows);
    // When every row passed, the write need not mark them again (a merge key's window costs a pass of its own).
    const quarantine = (problems?.quarantined ?? 0) > 0 ? rows : undefined;

    ctx.log.info(
      { dataset: output.dataset, mode: config.write.mode, partition: ctx.partition?.key, field, problems },
      'writing the query result',
    );
    const result = await output.write({ ...shape, sql: quarantine?.write ?? plain });
    // After the write, so a write the output refuses (schema, partitioning) leaves no quarantined rows of a failed
    // run behind; a retry whose write had landed still quarantines, once, with the same run's txn.
    const quarantined = quarantine === undefined ? undefined : await output.quarantine({ sql: quarantine.quarantine });
    return {
      rowsWritten: result.rowsWritten,
      rowsUpdated: result.rowsUpdated,
      rowsDeleted: result.rowsDeleted,
      rowsQuarantined: quarantined?.rows ?? 0,
      metrics: Object.fromEntries(Object.entries(problems?.byRule ?? {}).map(([rule, n]) => [`rows.${rule}`, n])),
    };
  },
});

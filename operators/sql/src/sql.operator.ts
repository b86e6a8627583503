import { AssayError, defineOperator, InputError, type OperatorContext, type OutputWriteRequest } from '@assay/sdk';
import { SqlConfig, sqlUi, type SqlSettings } from './sql-config.ts';

/**
 * `sql` v1: runs one SELECT over the job's inputs and writes its rows to the output — replacing the table, appending
 * to it, or merging into it by key. The SQL is checked (and its columns described) before anything runs; the write
 * goes through the job's output, so a retried attempt never writes twice.
 */
export const sqlOperator = defineOperator({
  type: 'sql',
  version: 1,
  title: 'SQL',
  description: 'Transform the inputs with one SELECT and write the result: full refresh, append or merge',
  category: 'silver',
  config: SqlConfig,
  ui: sqlUi,
  inputs: { min: 1 },
  output: 'table',
  // In a backfill each run computes one partition: the query sees that partition's rows and replaces it.
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
    const write = writeRequest(ctx, config);
    await checked('sql', () => ctx.engine.describe(config.sql));
    if (write.deleteWhen !== undefined) {
      const probe = `SELECT coalesce((${write.deleteWhen}), false) AS deletes FROM (\n${statement(config.sql)}\n) AS assay_rows`;
      await checked('write.deleteWhen', () => ctx.engine.describe(probe));
    }
    ctx.log.info(
      { dataset: output.dataset, mode: config.write.mode, partition: ctx.partition?.key },
      'writing the query result',
    );
    const result = await output.write(write);
    return {
      rowsWritten: result.rowsWritten,
      rowsUpdated: result.rowsUpdated,
      rowsDeleted: result.rowsDeleted,
    };
  },
});

function writeRequest(ctx: OperatorContext, config: SqlSettings): OutputWriteRequest {
  const { mode, key, deleteWhen, partitionBy } = config.write;
  const misplaced =
    mode === 'merge' ? [] : (['key', 'deleteWhen'] as const).filter((f) => config.write[f] !== undefined);
  if (misplaced.length > 0) {
    throw configError(ctx, `config.write.${misplaced[0]!}`, `applies to mode merge only, not ${mode}`);
  }
  const partitioning = partitionBy === undefined ? {} : { partitionBy };
  switch (mode) {
    case 'full_refresh':
      return { sql: config.sql, mode: 'overwrite', replaceSchema: true, ...partitioning };
    case 'append':
      return { sql: config.sql, mode: 'append', ...partitioning };
    case 'merge':
      if (key === undefined) throw configError(ctx, 'config.write.key', 'is required for mode merge');
      return {
        sql: config.sql,
        mode: 'merge',
        keys: key,
        ...(deleteWhen === undefined ? {} : { deleteWhen }),
        ...partitioning,
      };
  }
}

/** Runs a check of the SQL; DuckDB's parse and bind errors become `SQL_INVALID` with its message and the field. */
async function checked(field: string, check: () => Promise<unknown>): Promise<void> {
  try {
    await check();
  } catch (error) {
    if (error instanceof AssayError && (error.code === 'SQL_ERROR' || error.code === 'SQL_INVALID')) {
      const message = error.message.replace(/^SQL is invalid: /, '');
      throw new InputError(`config.${field} is invalid: ${message}`, {
        code: 'SQL_INVALID',
        cause: error,
        details: { ...error.details, path: `config.${field}` },
      });
    }
    throw error;
  }
}

function configError(ctx: OperatorContext, path: string, problem: string): InputError {
  return new InputError(`Job "${ctx.run.jobId}": ${path} ${problem}`, {
    code: 'JOB_CONFIG_INVALID',
    details: { job: ctx.run.jobId, path },
  });
}

function statement(sql: string): string {
  return sql.trim().replace(/;+\s*$/, '');
}

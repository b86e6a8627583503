import { AssayError, InputError, type OperatorContext } from '@assay/sdk';

/** A user mistake in the config or the input: a stable `code`, the config path in `details.path` and the message. */
export function scd2Error(
  ctx: Pick<OperatorContext, 'run'>,
  code: string,
  message: string,
  details: Record<string, unknown> = {},
): InputError {
  return new InputError(`Job "${ctx.run.jobId}": ${message}`, {
    code,
    details: { job: ctx.run.jobId, ...details },
  });
}

/** Runs an engine check of SQL from config; DuckDB's parse and bind errors become `SCD2_SQL_INVALID` at `path`. */
export async function checkedSql<T>(
  ctx: Pick<OperatorContext, 'run'>,
  path: string,
  check: () => Promise<T>,
): Promise<T> {
  try {
    return await check();
  } catch (error) {
    if (error instanceof AssayError && /^SQL_/.test(error.code)) {
      const message = error.message.replace(/^SQL is invalid: /, '');
      throw new InputError(`Job "${ctx.run.jobId}": ${path} is invalid: ${message}`, {
        code: 'SCD2_SQL_INVALID',
        cause: error,
        details: { ...error.details, job: ctx.run.jobId, path },
      });
    }
    throw error;
  }
}

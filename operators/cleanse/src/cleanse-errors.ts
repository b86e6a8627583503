import { AssayError, InputError } from '@assay/sdk';

/** A config that contradicts itself (`JOB_CONFIG_INVALID`, as the executor's schema check). */
export function configError(job: string, path: string, problem: string): InputError {
  return new InputError(`Job "${job}": ${path} ${problem}`, { code: 'JOB_CONFIG_INVALID', details: { job, path } });
}

/** A config path naming a column the dataset does not have. */
export function missingColumn(
  job: string,
  path: string,
  column: string,
  dataset: string,
  available: readonly string[],
): InputError {
  return new InputError(
    `Job "${job}": ${path} names column "${column}", which ${dataset} does not have ` +
      `(it has: ${available.join(', ')}); fix the name or the input`,
    { code: 'CLEANSE_COLUMN_MISSING', details: { job, path, column, dataset, available: [...available] } },
  );
}

/** Whether `error` is DuckDB refusing a statement (parse, bind, conversion, invalid input). */
export function isEngineError(error: unknown): error is AssayError {
  return error instanceof AssayError && (error.code === 'SQL_ERROR' || error.code === 'SQL_INVALID');
}

/** DuckDB's message without the engine's prefix and the `LINE 1: …` excerpt of generated SQL. */
export function engineMessage(error: AssayError): string {
  return error.message.replace(/^SQL is invalid: /, '').split('\n')[0]!;
}

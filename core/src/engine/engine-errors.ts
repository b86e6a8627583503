import { AssayError, InputError, NotAllowedError, OperationalError, UserError } from '@assay/sdk';

/** DuckDB's words for a damaged Parquet file: a data problem, not a mistake in the SQL. */
const PARQUET_CORRUPTION =
  /No magic bytes found|too small to be a Parquet file|Invalid Parquet file|Corrupt(ed)? Parquet|Failed to read Parquet file/i;

/** Why a running query was interrupted, if it was. */
export type InterruptReason = 'timeout' | 'cancelled' | undefined;

/**
 * Turns a DuckDB error into an Assay error: mistakes in the SQL or data are the user's (no retry), sandbox denials
 * are not allowed, memory exhaustion and the rest are operational.
 */
export function engineError(error: unknown, interrupted: InterruptReason, timeoutMs?: number): AssayError {
  if (error instanceof AssayError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (interrupted === 'timeout' || (interrupted === undefined && /^INTERRUPT/i.test(message))) {
    return new OperationalError(
      `Query exceeded its time limit${timeoutMs === undefined ? '' : ` of ${timeoutMs} ms`}`,
      {
        code: 'QUERY_TIMEOUT',
        cause: error,
      },
    );
  }
  if (interrupted === 'cancelled')
    return new UserError('Query was cancelled', { code: 'QUERY_CANCELLED', cause: error });
  const firstLine = message.split('\n')[0] ?? message;
  const corrupt = PARQUET_CORRUPTION.exec(firstLine);
  if (corrupt !== null) {
    const file = /'([^']+\.parquet)'/.exec(firstLine)?.[1];
    return new UserError(`Data file ${file ?? '(unknown)'} is corrupt or truncated: ${firstLine}`, {
      code: 'DATA_FILE_CORRUPT',
      cause: error,
      ...(file === undefined ? {} : { details: { file } }),
    });
  }
  if (/^Permission Error/i.test(firstLine)) {
    return new NotAllowedError(`Not allowed in this session: ${firstLine}`, { code: 'SQL_NOT_ALLOWED', cause: error });
  }
  if (/^(Parser|Binder|Catalog|Conversion|Invalid Input|Constraint|Not implemented) Error/i.test(firstLine)) {
    return new InputError(firstLine, { code: 'SQL_ERROR', cause: error });
  }
  if (/^Out of Memory Error/i.test(firstLine)) {
    return new OperationalError(firstLine, { code: 'ENGINE_OUT_OF_MEMORY', cause: error });
  }
  return new OperationalError(`Engine error: ${firstLine}`, { code: 'ENGINE_ERROR', cause: error });
}

import { OperationalError, UserError, type AssayError } from '@assay/sdk';
import type { MysqlConnection } from './mysql-config.ts';

export function diagnose(error: unknown, config: MysqlConnection): { code: string; message: string } {
  const err = error as { code?: string; message?: string };
  const text = err.message ?? String(error);
  const where = `${config.host}:${config.port}/${config.database} as ${config.user}`;
  switch (err.code) {
    case 'ECONNREFUSED':
      return { code: 'CONNECTION_REFUSED', message: `nothing accepts connections at ${config.host}:${config.port}` };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { code: 'HOST_NOT_FOUND', message: `host ${config.host} is not known` };
    case 'ETIMEDOUT':
      return {
        code: 'TIMEOUT',
        message: `${config.host}:${config.port} did not answer within ${config.connectTimeoutMs} ms`,
      };
    case 'ER_ACCESS_DENIED_ERROR':
    case 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR':
      return { code: 'AUTH_FAILED', message: `the server refused the credentials for ${where}: ${text}` };
    case 'ER_BAD_DB_ERROR':
      return { code: 'DATABASE_NOT_FOUND', message: `database "${config.database}" does not exist on ${config.host}` };
    case 'ER_DBACCESS_DENIED_ERROR':
    case 'ER_TABLEACCESS_DENIED_ERROR':
      return { code: 'PERMISSION_DENIED', message: `${config.user} may not do this on ${where}: ${text}` };
    default:
      if (/ssl|tls|certificate/i.test(text))
        return { code: 'TLS_FAILED', message: `TLS with ${config.host} failed: ${text}` };
      return { code: 'CONNECTION_FAILED', message: `connecting to ${where} failed: ${text}` };
  }
}

/** The user's query failing is a UserError; connection trouble is an OperationalError the queue retries. */
export function readError(error: unknown, config: MysqlConnection): AssayError {
  const err = error as { code?: string; message?: string; sqlState?: string };
  if (err.sqlState !== undefined && /^42/.test(err.sqlState)) {
    return new UserError(`The query failed on ${config.host}/${config.database}: ${err.message}`, {
      code: 'SOURCE_QUERY_FAILED',
      details: { sqlState: err.sqlState, mysqlCode: err.code },
      cause: error,
    });
  }
  const { code, message } = diagnose(error, config);
  const Error = ['AUTH_FAILED', 'DATABASE_NOT_FOUND', 'PERMISSION_DENIED'].includes(code)
    ? UserError
    : OperationalError;
  return new Error(`Reading from MySQL failed: ${message}`, { code, cause: error });
}
